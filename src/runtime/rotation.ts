/**
 * Graceful rotation for app code. securekey rotates by writing "<new>,<old LATEST>" to every app that holds the key,
 * each app restarting on its own schedule. For a few seconds or minutes a client and its server can therefore disagree
 * on LATEST, in either direction:
 *
 * - the server restarted first: it has the new LATEST; the client still sends the old one, which is now the server's
 *   PREVIOUS. `verifyPresentedKey` accepts it and says `refresh`, so the server may hand the client its LATEST.
 * - the client restarted first: it sends the new LATEST, which the server does not know yet. The server rejects it;
 *   `presentWithFallback` retries once with the client's PREVIOUS, which is the server's LATEST.
 *
 * With both rules no request fails across a rotation, whichever side restarts first.
 */
import {type KeySlot, SecureKeyPair} from './key.js'
import {rotationPhaseOf} from './phase.js'

export interface Verification {
  ok: boolean
  /** True when the client presented PREVIOUS: it is a rotation behind and may be given LATEST. */
  refresh: boolean
  slot?: KeySlot
}

/**
 * Whether a self-managed key is in the staged phase of a rotation ("CUR,NEW": PREVIOUS is the newer key), from the
 * record securekey:rotate keeps beside it (`<VAR>_RECORD`, names and fingerprints only). An add-on key has no record:
 * never staged.
 */
export function isStaged(variable = 'SECURE_KEY', env: Record<string, string | undefined> = process.env): boolean {
  return rotationPhaseOf(env[`${variable}_RECORD`]) === 'staged'
}

/**
 * A server's check of a presented key against both slots, in constant time. `refresh` (hand the client LATEST) is
 * never set while the key is staged: PREVIOUS is then the newer key, and the refresh would move a client back to the
 * older one.
 */
export function verifyPresentedKey(pair: SecureKeyPair, presented: null | string | undefined, options: {staged?: boolean} = {}): Verification {
  const slot = presented ? pair.match(presented) : undefined
  return {ok: slot !== undefined, refresh: slot === 'previous' && !options.staged, slot}
}

/**
 * A client's call: presents LATEST, and on an authentication failure (as `rejected` decides) retries exactly once with
 * PREVIOUS. Returns the last result, so a caller sees the real failure when both keys are refused.
 */
export async function presentWithFallback<T>(
  pair: SecureKeyPair,
  attempt: (key: string, slot: KeySlot) => Promise<T>,
  rejected: (result: T) => boolean,
): Promise<T> {
  const first = await attempt(pair.latest.reveal(), 'latest')
  if (!rejected(first)) return first
  return attempt(pair.previous.reveal(), 'previous')
}
