/**
 * Names a user types, checked before any request, and the attachment name attach uses when none is given.
 *
 * An attachment name prefixes the config var securekey sets (`SECURE` → `SECURE_KEY`). The default for a peer is
 * derived from the owner app (`service-1` → `SERVICE_1_SECURE`, so the peer gets `SERVICE_1_SECURE_KEY`) and never the
 * bare `SECURE`: a peer that owns a securekey of its own already holds `SECURE_KEY`, and attaching under that name
 * would replace its own key. App names are checked here too, since every command validates both before it sends anything.
 */
import type * as Heroku from '@heroku-cli/schema'

import type {Attachment} from './platform-api.js'

import {InvalidInputError} from './errors.js'

export const APP_NAME = /^[a-z][a-z0-9-]{1,28}[a-z0-9]$/
export const ATTACHMENT_NAME = /^[A-Z][A-Z0-9_]*$/
const ADDON_NAME = /^[a-zA-Z][A-Za-z0-9_-]+$/
const UUID = /^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/i
const PLAN_NAME = /^[a-z0-9][a-z0-9-]*$/

/**
 * The longest attachment name accepted. The longest default (a 30-character app name + `_SECURE`) is 37; 50 leaves room
 * for a prefix of one's own, while refusing a pasted value or a typo that would make an unreadable `NAME_KEY` var.
 */
export const MAX_ATTACHMENT_NAME = 50

/** The attachment name the API gives a securekey add-on when none is asked for. */
export const DEFAULT_ATTACHMENT_NAME = 'SECURE'

/** The one config var securekey sets, suffixed to the attachment name. */
export const SECUREKEY_VAR_SUFFIX = 'KEY'

/** The config var an attachment named `name` sets: `SERVICE_1_SECURE` → `SERVICE_1_SECURE_KEY`. */
export function keyVarFor(name: string): string {
  return `${name}_${SECUREKEY_VAR_SUFFIX}`
}

/** The attachment name behind a securekey config var, when it follows the `<NAME>_KEY` pattern. */
export function attachmentNameOf(configVar: string): string | undefined {
  const suffix = `_${SECUREKEY_VAR_SUFFIX}`
  return configVar.endsWith(suffix) && configVar.length > suffix.length ? configVar.slice(0, -suffix.length) : undefined
}

/** The default attachment name on peers: the owner app's name, upper-cased, `-` → `_`, then `_SECURE`. */
export function defaultAttachmentName(ownerApp: string): string {
  return `${ownerApp.toUpperCase().replaceAll(/[^A-Z0-9]/g, '_')}_${DEFAULT_ATTACHMENT_NAME}`
}

/** Refuses anything that is not a Heroku app name, naming the flag it came from. */
export function checkAppName(app: string, flag = '--app'): string {
  if (APP_NAME.test(app)) return app
  throw new InvalidInputError(`${JSON.stringify(app)} (${flag}) is not a valid app name: app names are 3 to 30 lower-case letters, digits and dashes, starting with a letter.`, {
    suggestions: ['heroku apps'],
  })
}

/** Refuses an attachment name the API would reject or silently upper-case, suggesting the name it would become. */
export function checkAttachmentName(name: string, flag = '--as'): string {
  if (name.trim() === '') throw new InvalidInputError(`${flag} is empty: give an attachment name, e.g. ${flag} SERVICE_1_SECURE, or leave ${flag} out for the default.`)
  if (name.length > MAX_ATTACHMENT_NAME) {
    throw new InvalidInputError(`The attachment name given with ${flag} is ${name.length} characters long; at most ${MAX_ATTACHMENT_NAME} are accepted.`)
  }

  if (ATTACHMENT_NAME.test(name)) return name
  const upper = name.toUpperCase().replaceAll('-', '_')
  const hint = ATTACHMENT_NAME.test(upper) ? ` Did you mean ${upper}?` : ''
  const rule = `use upper-case letters, digits and _, starting with a letter (the config var will be NAME_${SECUREKEY_VAR_SUFFIX})`
  throw new InvalidInputError(`${JSON.stringify(name)} (${flag}) is not a valid attachment name: ${rule}.${hint}`)
}

/** Refuses what can be neither an add-on's name nor its UUID. */
export function checkAddonName(name: string, what = 'add-on name'): string {
  if (ADDON_NAME.test(name) || UUID.test(name)) return name
  throw new InvalidInputError(`${JSON.stringify(name)} is not a valid ${what}: add-on names start with a letter and hold letters, digits, - and _, as heroku addons lists them.`, {
    suggestions: ['heroku addons --all'],
  })
}

/** Refuses a plan that cannot be a securekey plan name (`fortnightly`, not `securekey:fortnightly`). */
export function checkPlanName(plan: string): string {
  const bare = plan.startsWith('securekey:') ? plan.slice('securekey:'.length) : plan
  if (PLAN_NAME.test(bare)) return bare
  throw new InvalidInputError(`${JSON.stringify(plan)} (--plan) is not a valid plan name: give the plan of the securekey service, e.g. --plan fortnightly.`, {
    suggestions: ['heroku addons:plans securekey'],
  })
}

/** Which of the add-on's config vars is the key, preferring the names the API reports. */
export function reportedKeyVar(attachment: Attachment | undefined, addon: Heroku.AddOn | undefined, name: string): string {
  const reported = [...(attachment?.config_vars ?? []), ...(attachment ? [] : addon?.config_vars ?? [])]
  const exact = reported.find(variable => variable === keyVarFor(name))
  const anyKey = reported.find(variable => variable.endsWith(`_${SECUREKEY_VAR_SUFFIX}`))
  return exact ?? anyKey ?? keyVarFor(name)
}

/** The config var an attachment sets on its app: as the API reports it (Accept-Inclusion), else `<NAME>_KEY`. */
export function attachmentKeyVar(attachment: Attachment): string {
  return reportedKeyVar(attachment, undefined, (attachment.name ?? DEFAULT_ATTACHMENT_NAME).toUpperCase())
}
