/**
 * From what a user typed to securekey add-ons.
 *
 * An add-on argument is resolved the way Heroku's own `addons:*` commands do it, through POST /actions/addons/resolve:
 * it accepts the add-on's globally unique name, its UUID, or an attachment name relative to `--app` (so
 * `SERVICE_ONE_SECURE -a service-2` finds service-1's add-on). Without an argument, the app's add-ons are listed once
 * and filtered to the securekey service: either those the app owns (provision, attach, teardown act on the owner) or
 * those it owns or is attached to (status compares from any side). One request per question, never a walk over apps.
 *
 * Every refusal happens here, before any mutating request: an add-on of another service is named with its service,
 * several candidates are listed so the user can pick one, and nothing found says what to run instead.
 */
import type * as Heroku from '@heroku-cli/schema'

import {AmbiguousError, NotFoundError, WrongServiceError} from './errors.js'
import {PlatformApi} from './platform-api.js'

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

/** The one add-on a name, UUID or attachment name (relative to `app`) points at, whatever its service. */
export async function addonNamed(platform: PlatformApi, reference: string, app?: string): Promise<Heroku.AddOn> {
  const found = await platform.resolveAddon(reference, app)
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

/** The securekey add-ons an app owns or is attached to. */
export async function securekeyAddonsOn(platform: PlatformApi, app: string): Promise<Heroku.AddOn[]> {
  const addons = await platform.addonsOf(app)
  return addons.filter(addon => isSecurekey(addon))
}

/** The securekey add-ons an app owns (not those merely attached to it). */
export async function securekeyAddonsOwnedBy(platform: PlatformApi, app: string): Promise<Heroku.AddOn[]> {
  const addons = await securekeyAddonsOn(platform, app)
  return addons.filter(addon => ownerOf(addon) === app)
}

/**
 * The single securekey add-on a command acts on: the one named, or the one `owner` owns. `command` is used in
 * messages ("heroku securekey:attach ADDON ...") and `purpose` when the named add-on is of another service.
 */
export async function securekeyAddon(platform: PlatformApi, options: {addon?: string, command: string, owner?: string, purpose: string}): Promise<Heroku.AddOn> {
  const {addon, command, owner, purpose} = options
  if (addon) return requireSecurekey(await addonNamed(platform, addon, owner), purpose)
  if (!owner) throw new NotFoundError(`Name the add-on or the app that owns it, e.g. heroku ${command} securekey-solid-14332, or heroku ${command} -a service-1.`)

  const owned = await securekeyAddonsOwnedBy(platform, owner)
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
