/* eslint-disable camelcase -- the record is JSON in a config var, in the Platform API's snake_case */
/**
 * Where a self-managed key's rotation stands and what comes next: pure functions over the owner's record and the
 * holders' values (fingerprints only), used by rotate (its loop), status (a staged holder is `staged`, not `behind`),
 * the barrier (what a dyno must run to pass) and, through runtime/phase.ts, the runtime helper.
 *
 *   settled  "CUR,OLD" everywhere, no rotation under way (or the last one `complete`)
 *   staged   the record says staged, and the owner holds "CUR,NEW" (accepts NEW, still signs with CUR)
 *   promoted the record says promoted, and the owner holds "NEW,CUR" (signs with NEW, still accepts CUR)
 *   complete the record says the last rotation finished: the same as settled for the next one
 *
 * The owner is written first in every phase, with its record, so the owner's value and its record together say where
 * a rotation stands; the record also keeps the LATEST a rotation started from (`from`), so that a record edited to
 * "staged" over a settled key whose PREVIOUS happens to be the claimed NEW is not taken for a staged rotation (which
 * would promote the old key back).
 */
import type {KeyPrints} from './compare.js'
import type {OwnerRecord, Rotation} from './record.js'

export type Standing = 'complete' | 'promoted' | 'settled' | 'staged'

/**
 * One step of a rotation, in order: `await-current` (every dyno signs with CUR before anything changes), `stage`
 * (write "CUR,NEW" with the record), `await-accept` (every dyno accepts NEW), `promote` (write "NEW,CUR"),
 * `await-sign` (every dyno signs with NEW), `close` (the record says complete).
 */
export type RotationStep = 'await-accept' | 'await-current' | 'await-sign' | 'close' | 'promote' | 'stage'

export const BARRIERS: ReadonlySet<RotationStep> = new Set(['await-accept', 'await-current', 'await-sign'])

const ALL_STEPS: readonly RotationStep[] = ['await-current', 'stage', 'await-accept', 'promote', 'await-sign', 'close']

export interface RotationState {
  /** The LATEST the rotation started from (fingerprint). */
  current: string
  /** NEW's fingerprint, once staged. */
  new?: string
  standing: Standing
}

/**
 * A record that says "staged" with NEW the owner's PREVIOUS but not the LATEST it started from (`from`): a settled
 * "CUR,OLD" under a record edited to `{phase: staged, new: OLD}` reads the same, and continuing would promote OLD back
 * while reporting a rotation. Rotate refuses it (pure).
 */
export const unprovenStage = (record: OwnerRecord, owner: KeyPrints): boolean =>
  record.rotation?.phase === 'staged' && record.rotation.from === undefined && owner.previous === record.rotation.new && owner.latest !== record.rotation.new

/** The rotation a record describes as under way, when the owner's pair agrees with it; undefined otherwise. */
export function rotationState(record: OwnerRecord, owner: KeyPrints): RotationState {
  const rotation = record.rotation as (Rotation & {from?: string}) | undefined
  if (rotation?.phase === 'staged' && owner.previous === rotation.new && owner.latest !== rotation.new && rotation.from === owner.latest) {
    return {current: owner.latest, new: rotation.new, standing: 'staged'}
  }

  if (rotation?.phase === 'promoted' && owner.latest === rotation.new && owner.previous !== rotation.new && (rotation.from === undefined || rotation.from === owner.previous)) {
    return {current: owner.previous, new: rotation.new, standing: 'promoted'}
  }

  return {current: owner.latest, standing: rotation?.phase === 'complete' ? 'complete' : 'settled'}
}

/** The steps left from where the key stands, in order (pure). */
export function remainingSteps(standing: Standing): RotationStep[] {
  if (standing === 'staged') return ALL_STEPS.slice(1)
  if (standing === 'promoted') return ALL_STEPS.slice(3)
  return [...ALL_STEPS]
}

/** Whether a dyno running `keys` passes a barrier step (pure). */
export function passes(step: RotationStep, keys: KeyPrints | undefined, state: Pick<RotationState, 'current' | 'new'>): boolean {
  if (!keys) return false
  if (step === 'await-current') return keys.latest === state.current
  if (step === 'await-accept') return keys.latest === state.new || keys.previous === state.new
  return keys.latest === state.new
}

/** "A,B" → "B,A": the promote of a staged value, whose keys are copied, never made anew. */
export const swapped = (value: string): string => value.split(',').map(part => part.trim()).reverse().join(',')

/** The record a step writes with the owner's key (stage, promote, close); `now` is an ISO time. */
export function recordAt(step: 'close' | 'promote' | 'stage', record: OwnerRecord, state: Required<Pick<RotationState, 'current' | 'new'>>, now: string, lease?: Pick<Rotation, 'run' | 'until'>): OwnerRecord {
  const startedAt = record.rotation?.phase === 'complete' || !record.rotation ? now : record.rotation.started_at
  const rotation = {
    from: state.current, new: state.new, phase: step === 'stage' ? 'staged' : (step === 'promote' ? 'promoted' : 'complete'), started_at: step === 'stage' ? now : startedAt,
    ...(lease?.run ? {run: lease.run} : {}), ...(lease?.until && step !== 'close' ? {until: lease.until} : {}),
  } as Rotation
  // LATEST changes when NEW is promoted: that is when the key's age starts again.
  const changedAt = step === 'promote' ? now : record.changed_at
  return {...record, changed_at: changedAt, rotation}
}

/** The NEW fingerprint while a rotation is staged (status shows holders with "CUR,NEW" as staged), else undefined. */
/** NEW's fingerprint while a rotation is under way (staged or promoted), for the comparison's `staged` state. */
export const rotationNew = (record: OwnerRecord | undefined): string | undefined => (record && rotationUnderWay(record) ? record.rotation!.new : undefined)

/** Whether a rotation is under way (staged or promoted): attach refuses to add a holder then. */
export const rotationUnderWay = (record: OwnerRecord): boolean => record.rotation?.phase === 'staged' || record.rotation?.phase === 'promoted'

/**
 * How many releases each holder gets from here (pure): a stage and a promote where its value is not there yet, and the
 * owner one more for the closing record.
 */
export function releasesFrom(standing: Standing, values: ReadonlyArray<{owner: boolean, value: string | undefined}>, target: {promoted?: string, staged?: string}): number[] {
  return values.map(({owner, value}) => {
    if (owner) return standing === 'promoted' ? 1 : (standing === 'staged' ? 2 : 3)
    if (standing === 'promoted') return value === target.promoted ? 0 : 1
    if (standing === 'staged') return value === target.staged ? 1 : 2
    return 2
  })
}

/**
 * The rotation under way that another run holds at `now` (its run id is not `run` and its lease has not expired), else
 * undefined (pure). A record without a run id (written before runs had one) or with an `until` that is not a time
 * holds nothing: a re-run continues it, as after a Ctrl-C once the lease is over.
 */
export function heldByAnother(record: OwnerRecord, run: string, now: Date): Rotation | undefined {
  const {rotation} = record
  if (!rotation?.run || rotation.run === run || !rotationUnderWay(record)) return undefined
  const until = Date.parse(rotation.until ?? '')
  return Number.isFinite(until) && until > now.getTime() ? rotation : undefined
}
