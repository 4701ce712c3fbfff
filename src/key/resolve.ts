/**
 * Which shared key a command acts on: the one resolution every command uses, for both kinds (model.ts).
 *
 * A key is named (the KEY argument) by its add-on's name or UUID, an attachment name, or a config var, relative to
 * `-a APP` for the last two; or not named, and then APP's keys are the candidates: the add-ons it owns or is attached
 * to (GET /apps/{app}/addons, one request) and the self-managed keys in its config (one read, reused by the caller's
 * comparison), both at once. A name that looks like a config var (…_KEY) is looked for among APP's self-managed keys
 * first, then as the attachment it implies; any other name as an add-on first (add-ons.ts), then as the self-managed
 * key NAME_KEY on APP. One request per question, never a walk over the account's apps.
 *
 * What a command does with several keys is asked one way (`pickOwned`): every candidate is listed by the name that
 * selects it, so `heroku securekey:teardown SECURE_KEY -a service-1` and `… securekey-solid-14332 -a service-1` both
 * work on an app that holds both kinds.
 */
import {
  AmbiguousError, InvalidRecordError, NotFoundError, NotOwnerError,
} from '../core/errors.js'
import {ATTACHMENT_NAME, attachmentNameOf} from '../core/names.js'
import {type PlatformApi, PlatformError} from '../core/platform-api.js'
import {
  addonNamed, appProblem, isSecurekey, requireSecurekey,
} from './addons.js'
import {
  addonKey, type ConfigCache, describeKey, type SharedKey,
} from './model.js'
import {selfManagedKeysOn} from './self-managed.js'

export interface KeyQuery {
  app?: string
  /** The KEY argument: an add-on name or UUID, an attachment name, or a config var. */
  key?: string
  /** What the command is for, for the refusal of another service's add-on. */
  purpose: string
}

export interface Resolution {
  /** Configs read while resolving, by app: the comparison reuses them. */
  configs: ConfigCache
  keys: SharedKey[]
}

const CONFIG_VAR = /^[A-Z][A-Z0-9_]*_KEY$/

/**
 * Every key `app` owns or holds, of both kinds; its add-on list and its config are read at once. When the config
 * cannot be read but the app holds add-on keys, those are the answer (an account may see add-ons without the
 * read-protected scope config vars need); with no add-on key, the failed read is the answer, naming the app.
 */
export async function keysOn(platform: PlatformApi, app: string, configs: ConfigCache = new Map()): Promise<SharedKey[]> {
  const [addons, selfManaged] = await Promise.all([
    platform.addonsOf(app).catch((error: unknown) => {
      const problem = appProblem(error, app)
      if (problem !== error || !(error instanceof PlatformError)) throw problem
      throw new PlatformError(error.status, error.id, `Listing ${app}'s add-ons failed, so nothing was changed: ${error.message}`, error.resource)
    }),
    selfManagedKeysOn(platform, app, configs).then(keys => ({keys}), (error: unknown) => ({error})),
  ])
  const addonKeys = addons.filter(addon => isSecurekey(addon)).map(addon => addonKey(addon))
  if ('error' in selfManaged) {
    if (addonKeys.length > 0 && !(selfManaged.error instanceof InvalidRecordError)) return addonKeys
    throw selfManaged.error
  }

  return [...addonKeys, ...selfManaged.keys]
}

/** A self-managed key on `app` held under `configVar` (as owner or peer), or undefined. */
async function selfManagedNamed(platform: PlatformApi, app: string, configVar: string, configs: ConfigCache): Promise<SharedKey | undefined> {
  const keys = await selfManagedKeysOn(platform, app, configs)
  return keys.find(key => key.kind === 'self-managed' && (key.configVar === configVar || key.record.holders.some(holder => holder.app === app && holder.var === configVar)))
}

async function addonNamedOrNone(platform: PlatformApi, reference: string, app: string | undefined, purpose: string): Promise<SharedKey | undefined> {
  try {
    return addonKey(requireSecurekey(await addonNamed(platform, reference, app), purpose))
  } catch (error) {
    if (error instanceof NotFoundError) return undefined
    throw error
  }
}

/** The key KEY names (see the file comment for the order in which a name is tried). */
async function keyNamed(platform: PlatformApi, query: KeyQuery & {key: string}, configs: ConfigCache): Promise<SharedKey> {
  const {app, key, purpose} = query
  const looksLikeVar = CONFIG_VAR.test(key)
  let found: SharedKey | undefined
  if (looksLikeVar && app) {
    found = await selfManagedNamed(platform, app, key, configs) ?? await addonNamedOrNone(platform, attachmentNameOf(key)!, app, purpose)
  } else {
    found = await addonNamedOrNone(platform, key, app, purpose)
    if (!found && app && ATTACHMENT_NAME.test(key)) found = await selfManagedNamed(platform, app, `${key}_KEY`, configs)
  }

  if (found) return found
  const where = app ? ` on ${app}` : ''
  throw new NotFoundError(`Couldn't find a securekey key named ${key}${where}: no add-on, attachment or self-managed config var of that name.`, {
    suggestions: [app ? `heroku securekey:status -a ${app}` : 'heroku addons --all'],
  })
}

/**
 * The keys a command acts on: `[the one KEY names]`, or every key APP owns or holds (possibly none). A missing or
 * unreadable app is a NotFoundError naming it.
 */
export async function findKeys(platform: PlatformApi, query: KeyQuery): Promise<Resolution> {
  const configs: ConfigCache = new Map()
  if (query.key) return {configs, keys: [await keyNamed(platform, {...query, key: query.key}, configs)]}
  if (!query.app) throw new NotFoundError('Name the key, or the app that holds it with -a <app>.')
  return {configs, keys: await keysOn(platform, query.app, configs)}
}

/** How a user selects `key` on the command line from `app`. */
export const keyArgument = (key: SharedKey): string => key.kind === 'addon' ? key.name : key.configVar

/**
 * The one key `app` owns among `keys`, for the commands that act on the owner (attach --from, rotate, teardown):
 * undefined when it owns none and holds none; several are listed by name and the user asked to pick one; a key held
 * only as a peer is refused, naming its owner and the command to run there.
 */
export function pickOwned(keys: readonly SharedKey[], app: string, command: string, fits: (key: SharedKey) => boolean = () => true): SharedKey | undefined {
  const owned = keys.filter(key => key.owner === app)
  if (owned.length > 1) {
    const names = owned.map(key => `${keyArgument(key)} (${key.kind === 'addon' ? 'add-on' : 'self-managed'})`).join(', ')
    // The examples name only keys the command can act on (rotate: self-managed ones), when there are some.
    const fitting = owned.some(key => fits(key)) ? owned.filter(key => fits(key)) : owned
    throw new AmbiguousError(`${app} owns ${owned.length} shared keys: ${names}. Name the one to use, e.g. heroku ${command} ${keyArgument(fitting[0])} -a ${app}.`, {
      suggestions: fitting.map(key => `heroku ${command} ${keyArgument(key)} -a ${app}`),
    })
  }

  if (owned.length === 1) return owned[0]
  if (keys.length === 0) return undefined
  const peerOf = keys.map(key => `${describeKey(key)} (owned by ${key.owner})`).join(', ')
  const instead = keys.map(key => `heroku ${command} ${keyArgument(key)} -a ${key.owner}`)
  throw new NotOwnerError(`${app} owns no shared key; it holds ${peerOf} as a peer, and ${command} acts from the owner: ${instead.join(', or ')}.`, {suggestions: instead})
}
