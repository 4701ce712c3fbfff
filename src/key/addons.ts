/**
 * Which securekey add-ons a command acts on: the one resolution every command uses.
 *
 * A named add-on (the ADDON argument) is fetched with GET /addons/{name or UUID}, a plain read. When that finds nothing,
 * or the reference is an attachment name (upper case, as SERVICE_ONE_SECURE) relative to `--app`, it goes through
 * POST /actions/addons/resolve, as Heroku's own `addons:*` commands do, so `SERVICE_ONE_SECURE -a service-2` finds
 * service-1's add-on. Without a name, the app's add-ons are listed once (GET /apps/{app}/addons: those it owns and those
 * attached to it) and filtered to the securekey service, then to the scope the command needs: `held` (status compares
 * from any side) or `owned` (provision, attach, teardown act on the owner). One request per question, never a walk over
 * the account's apps.
 *
 * Every refusal happens here, before any mutating request: an add-on of another service is named with its service,
 * several candidates are listed so the user can pick one, an app that does not exist or cannot be read is named, and
 * nothing found says what to run instead. What a command does with zero, one or several add-ons is its own policy
 * (`onlyOwned` is attach's and rotate's).
 */
import type * as Heroku from '@heroku-cli/schema'

import {AmbiguousError, NotFoundError, WrongServiceError} from '../core/errors.js'
import {ATTACHMENT_NAME} from '../core/names.js'
import {isNotFound, type PlatformApi, PlatformError} from '../core/platform-api.js'

export const SECUREKEY_SERVICE = 'securekey'

export const serviceOf = (addon: Heroku.AddOn): string => addon.addon_service?.name ?? addon.plan?.name?.split(':')[0] ?? 'unknown'

export const isSecurekey = (addon: Heroku.AddOn): boolean => serviceOf(addon) === SECUREKEY_SERVICE

export const ownerOf = (addon: Heroku.AddOn): string => addon.app?.name ?? 'unknown app'

/** Refuses an add-on of another service, saying which service it is and what this command is for. */
export function requireSecurekey(addon: Heroku.AddOn, purpose: string): Heroku.AddOn {
  if (!isSecurekey(addon)) {
    throw new WrongServiceError(`${addon.name} is a ${serviceOf(addon)} add-on; ${purpose}.`)
  }

  return addon
}

/** A 404 or 403 on the app itself, as a sentence naming the app; anything else as it came. */
export function appProblem(error: unknown, app: string): unknown {
  if (!(error instanceof PlatformError) || error.resource === 'add_on' || error.resource === 'addon') return error
  if (error.status === 404) {
    return new NotFoundError(`Couldn't find the app ${app}. Check the name, or that your account can see it.`, {apiErrorId: error.id, suggestions: ['heroku apps']})
  }

  if (error.status === 403 && error.id === 'forbidden') {
    return new NotFoundError(`Your account cannot read ${app}. Ask the app's owner for access, or log in as an account that has it.`, {
      apiErrorId: error.id,
      suggestions: [`heroku access -a ${app}`, 'heroku auth:whoami'],
    })
  }

  return error
}

/** The one add-on a name, UUID or attachment name (relative to `app`) points at, whatever its service. */
export async function addonNamed(platform: PlatformApi, reference: string, app?: string): Promise<Heroku.AddOn> {
  if (!(app && ATTACHMENT_NAME.test(reference))) {
    try {
      return await platform.addon(reference)
    } catch (error) {
      if (!isNotFound(error)) throw error
    }
  }

  let found: Heroku.AddOn[]
  try {
    found = await platform.resolveAddon(reference, app)
  } catch (error) {
    throw app ? appProblem(error, app) : error
  }

  if (found.length === 0) {
    const where = app ? ` on ${app}` : ''
    throw new NotFoundError(`Couldn't find an add-on or attachment named ${reference}${where}.`, {
      suggestions: [app ? `heroku addons -a ${app}` : 'heroku addons --all'],
    })
  }

  if (found.length > 1) {
    throw new AmbiguousError(`${reference} matches ${found.length} add-ons: ${found.map(addon => `${addon.name} (on ${ownerOf(addon)})`).join(', ')}. Name one of them.`)
  }

  return found[0]
}

export interface AddonQuery {
  /** The ADDON argument: a name, UUID or attachment name. */
  addon?: string
  app?: string
  /** What the command is for, for the refusal of another service's add-on. */
  purpose: string
  /** `held`: add-ons the app owns or is attached to; `owned`: only those it owns. */
  scope: 'held' | 'owned'
}

/**
 * The securekey add-ons a command acts on: `[the one named]`, or the app's add-ons in the scope asked for (possibly
 * none). A missing or unreadable app is a NotFoundError naming it.
 */
export async function securekeyAddons(platform: PlatformApi, query: AddonQuery): Promise<Heroku.AddOn[]> {
  const {addon, app, purpose, scope} = query
  if (addon) return [requireSecurekey(await addonNamed(platform, addon, app), purpose)]
  if (!app) throw new NotFoundError('Name the add-on, or the app that holds it with -a.')
  let listed: Heroku.AddOn[]
  try {
    listed = await platform.addonsOf(app)
  } catch (error) {
    const problem = appProblem(error, app)
    if (problem !== error || !(error instanceof PlatformError)) throw problem
    throw new PlatformError(error.status, error.id, `Listing ${app}'s add-ons failed, so nothing was changed: ${error.message}`, error.resource)
  }

  const securekeys = listed.filter(candidate => isSecurekey(candidate))
  return scope === 'owned' ? securekeys.filter(candidate => ownerOf(candidate) === app) : securekeys
}

/**
 * The single securekey add-on a command acts on: the one named, or the one `owner` owns. `command` is used in
 * messages ("heroku securekey:attach ADDON ...").
 */
export async function onlyOwned(platform: PlatformApi, query: Omit<AddonQuery, 'scope'> & {command: string}): Promise<Heroku.AddOn> {
  const {addon, app: owner, command} = query
  if (!addon && !owner) throw new NotFoundError(`Name the add-on or the app that owns it, e.g. heroku ${command} <addon>, or heroku ${command} -a <app>.`)
  const owned = await securekeyAddons(platform, {...query, scope: 'owned'})
  if (addon) return owned[0]
  if (owned.length === 0) {
    throw new NotFoundError(`${owner} owns no securekey add-on.`, {
      suggestions: [`heroku securekey:provision -a ${owner}`, `heroku securekey:status -a ${owner}`],
    })
  }

  if (owned.length > 1) {
    throw new AmbiguousError(`${owner} owns ${owned.length} securekey add-ons: ${owned.map(found => found.name).join(', ')}. Name the one to use, e.g. heroku ${command} ${owned[0].name} -a ${owner}.`)
  }

  return owned[0]
}
