/**
 * How a rotation names what stopped it when the cause is not transient: a holder deleted or out of reach
 * (key/gone-holder.ts), which a re-run cannot pass until it is dealt with, and a "staged" record that cannot be told
 * from a hand edit. Kept apart from rotate.ts's steps; only names and fingerprints appear here.
 */
import {InvalidRecordError, NotFoundError, type SecurekeyError} from '../core/errors.js'
import {describeFailure, type PlatformApi} from '../core/platform-api.js'
import {type KeyPrints} from '../key/compare.js'
import {
  type GoneHolder, goneHolder, goneHolderAdvice, goneHolderSuggestions,
} from '../key/gone-holder.js'
import {type Holder, type SelfManagedKey} from '../key/model.js'
import {recordVarFor} from '../key/record.js'

export interface HolderFailure {
  app: string
  error: unknown
}

export const describeFailures = (failures: readonly HolderFailure[]): string => failures.map(({app, error}) => `${app} (${describeFailure(error)})`).join(', ')

export const goneAmong = (failures: readonly HolderFailure[]): GoneHolder[] => failures.flatMap(({app, error}) => goneHolder(app, error) ?? [])

/**
 * After a failure whose error does not say which app (the barrier's reads), whether a holder is gone: one read of each
 * holder app, only when a run stopped. An app that answers anything but 404 / 403 forbidden is not gone.
 */
export async function probeHolders(platform: PlatformApi, holders: readonly Holder[]): Promise<GoneHolder[]> {
  const apps = [...new Set(holders.map(holder => holder.app))]
  const found = await platform.each(apps, app => platform.app(app).then(() => {}, (error: unknown) => goneHolder(app, error)))
  return found.flatMap(gone => gone ?? [])
}

/**
 * A holder deleted or out of reach (key/gone-holder.ts) stops every run before any write: say which, and what to do,
 * since running the same command again cannot help. `transient`: the other failures, which a re-run may get past.
 */
export function goneHoldersError(key: SelfManagedKey, gone: readonly GoneHolder[], transient: readonly string[], prefix: string): SecurekeyError {
  const advice = gone.map(holder => goneHolderAdvice(holder, key)).join('; ')
  const others = transient.length > 0 ? ` Could not read the others for another reason: ${transient.join(', ')}.` : ''
  return new NotFoundError(`${prefix} ${advice}.${others} Then run the same command again.`, {suggestions: goneHolderSuggestions(gone, key)})
}

/** The refusal of a "staged" record that cannot be told from a hand edit (key/rotation-state.ts unprovenStage). */
export function unprovenStageError(key: SelfManagedKey, owner: KeyPrints): InvalidRecordError {
  const recordVar = recordVarFor(key.configVar)
  return new InvalidRecordError(`${recordVar} on ${key.owner} says a rotation is staged with NEW ${owner.previous}, which is ${key.owner}'s PREVIOUS key, but not which LATEST it started from ("from"): a record edited by hand over a settled key reads the same, and continuing would promote the old key back. Nothing was changed. If no rotation was under way, restore the record with heroku releases:rollback <release> -a ${key.owner} (heroku releases -a ${key.owner} lists when it changed); if this plugin staged it, add "from": "${owner.latest}" to its rotation, then run the same command again.`, {
    suggestions: [`heroku releases -a ${key.owner}`],
  })
}
