/**
 * A holder of a self-managed key that the API no longer shows: the app was deleted (404), or this account lost access
 * to it (403 forbidden). Neither goes away by running a command again, so rotate and status name the app and say what
 * to do instead of "run the same command again": an app that no longer exists is dropped from the owner's record with
 * `securekey:teardown KEY -a OWNER --holder APP --confirm APP` (teardown/holder.ts); an app this account cannot see
 * may still run with the key, so it is never dropped: access comes back first. Any other failure (5xx, 429, a network
 * error) is transient and keeps its "run again". Pure.
 */
import {SecurekeyError} from '../core/errors.js'
import {describeFailure, PlatformError} from '../core/platform-api.js'

export type HolderProblem = 'forbidden' | 'not_found'

export interface GoneHolder {
  app: string
  /** The API's own words, for the message. */
  detail: string
  problem: HolderProblem
}

/**
 * Whether a failed read or write of `app` says the app itself is gone or out of reach (not a transient failure).
 * Takes the gateway's PlatformError, or key/addons.ts appProblem's NotFoundError built from one (it keeps the API's id).
 */
export function holderProblem(error: unknown): HolderProblem | undefined {
  if (error instanceof PlatformError) {
    if (error.status === 404) return 'not_found'
    return error.status === 403 && error.id === 'forbidden' ? 'forbidden' : undefined
  }

  if (error instanceof SecurekeyError && error.id === 'not_found' && error.apiErrorId) return error.apiErrorId === 'forbidden' ? 'forbidden' : 'not_found'
  return undefined
}

export function goneHolder(app: string, error: unknown): GoneHolder | undefined {
  const problem = holderProblem(error)
  return problem ? {app, detail: describeFailure(error), problem} : undefined
}

/** The command that drops `app` from the record of `owner`'s `keyVar`, confirmed by the app's name. */
export const dropHolderCommand = (keyVar: string, owner: string, app: string): string => `heroku securekey:teardown ${keyVar} -a ${owner} --holder ${app} --confirm ${app}`

/** What happened to the holder and what to do, in a sentence without a final period. */
export function goneHolderAdvice(gone: Pick<GoneHolder, 'app' | 'problem'>, key: {configVar: string, owner: string}): string {
  if (gone.problem === 'not_found') {
    return `${gone.app} no longer exists (the Heroku API answers 404 for it): if it was deleted, drop it from ${key.owner}'s record of ${key.configVar} with ${dropHolderCommand(key.configVar, key.owner, gone.app)}`
  }

  return `${gone.app} is not accessible with this account (the Heroku API answers 403 for it): it may still run with the key, so it stays a holder; get access back (whoever can see it lists who has access with heroku access -a ${gone.app}), or run the command as an account that has it (this one is named by heroku auth:whoami)`
}

/** The next commands for gone holders: the drop for each deleted app, the access check for each forbidden one. */
export const goneHolderSuggestions = (gone: readonly GoneHolder[], key: {configVar: string, owner: string}): string[] =>
  gone.map(holder => (holder.problem === 'not_found' ? dropHolderCommand(key.configVar, key.owner, holder.app) : `heroku access -a ${holder.app}`))
