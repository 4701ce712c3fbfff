/**
 * Where a self-managed key's rotation stands, as its record (`<VAR>_RECORD`, JSON of names and fingerprints) says: the
 * one reader of the phase, shared by the runtime helper in app code (rotation.ts isStaged) and the plugin's rotation
 * state (src/key/rotation-state.ts). Pure, and imports nothing, so apps that import the package root stay light.
 *
 *   settled (no rotation, or `complete`) → staged ("CUR,NEW": PREVIOUS is the newer key) → promoted ("NEW,CUR") → complete
 */
export const ROTATION_PHASES = ['staged', 'promoted', 'complete'] as const

export type RotationPhase = typeof ROTATION_PHASES[number]

/** The phase a record's text names; undefined for no record, no rotation, or text that is not a record. */
export function rotationPhaseOf(recordText: string | undefined): RotationPhase | undefined {
  if (!recordText) return undefined
  try {
    const phase = (JSON.parse(recordText) as null | {rotation?: {phase?: unknown}})?.rotation?.phase
    return ROTATION_PHASES.includes(phase as RotationPhase) ? phase as RotationPhase : undefined
  } catch {
    return undefined
  }
}
