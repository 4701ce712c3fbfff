/**
 * Finding a self-managed key and its holders from any holder (see record.ts for where the record lives): the app's
 * config, then, from a peer, its owner's config. Config values stay in memory here; only parsed fingerprints and
 * names leave through the callers' outcomes.
 */
import {AmbiguousError, NotFoundError, NotOwnerError} from '../core/errors.js'
import {type ConfigVars, type PlatformApi} from '../core/platform-api.js'
import {appProblem} from './addons.js'
import {
  allHolders,  isOwnerRecord, type OwnerRecord, recordsIn,
} from './record.js'

export interface SelfManagedKey {
  /** Configs read while finding it, by app (never printed). */
  configs: Map<string, ConfigVars>
  record: OwnerRecord
}

/** An app's config vars, a missing or unreadable app named. */
export async function configOf(platform: PlatformApi, app: string): Promise<ConfigVars> {
  try {
    return await platform.configVars(app)
  } catch (error) {
    throw appProblem(error, app)
  }
}

/**
 * The self-managed keys `app` holds, as owner or peer (a peer's pointer is followed to its owner, whose record must
 * still list the peer). `config` is the app's config when already read.
 */
export async function selfManagedKeysOn(platform: PlatformApi, app: string, config?: ConfigVars): Promise<SelfManagedKey[]> {
  const own = config ?? await configOf(platform, app)
  const found: SelfManagedKey[] = []
  const owners = new Map<string, ConfigVars>([[app, own]])
  for (const {keyVar, record} of recordsIn(own)) {
    if (isOwnerRecord(record) && record.owner === app && record.var === keyVar) {
      found.push({configs: new Map([[app, own]]), record})
      continue
    }

    if (isOwnerRecord(record) || record.owner === app) continue
    if (!owners.has(record.owner)) {
      // eslint-disable-next-line no-await-in-loop
      owners.set(record.owner, await configOf(platform, record.owner))
    }

    const ownerConfig = owners.get(record.owner)!
    const ownerKey = recordsIn(ownerConfig).find(candidate => candidate.keyVar === record.var && isOwnerRecord(candidate.record))
    if (!ownerKey || !isOwnerRecord(ownerKey.record)) continue
    if (!ownerKey.record.holders.some(holder => holder.app === app && holder.var === keyVar)) continue
    found.push({configs: new Map([[app, own], [record.owner, ownerConfig]]), record: ownerKey.record})
  }

  return found
}

/**
 * The one self-managed key `app` owns, for the commands that act on the owner (attach, rotate, teardown); undefined
 * when it holds none. `keyVar` names it by its config var (on the owner, or on this app) when there are several; an
 * app that only holds a key as a peer is refused, naming the owner to run `command` from. `config`: the app's config
 * when already read.
 */
export async function ownedSelfManagedKey(platform: PlatformApi, app: string, options: {command: string, config?: ConfigVars, keyVar?: string}): Promise<SelfManagedKey | undefined> {
  const {command, keyVar} = options
  const keys = await selfManagedKeysOn(platform, app, options.config)
  const named = keyVar ? keys.filter(key => key.record.var === keyVar || key.record.holders.some(holder => holder.app === app && holder.var === keyVar)) : keys
  const owned = named.filter(key => key.record.owner === app)
  if (owned.length > 1) {
    throw new AmbiguousError(`${app} owns ${owned.length} self-managed keys: ${owned.map(key => key.record.var).join(', ')}. Name the one to use by its config var, e.g. heroku ${command} ${owned[0].record.var} -a ${app}.`)
  }

  if (owned.length === 1) return owned[0]
  if (named.length > 0) {
    const {owner, var: ownerVar} = named[0].record
    const instead = `heroku ${command} -a ${owner}`
    throw new NotOwnerError(`${app} holds ${owner}'s self-managed ${ownerVar} as a peer; ${command} runs from the owner: ${instead}.`, {suggestions: [instead]})
  }

  const others = keys.filter(key => key.record.owner === app)
  if (keyVar && others.length > 0) {
    throw new NotFoundError(`${app} owns no self-managed key in ${keyVar}; it owns ${others.map(key => key.record.var).join(', ')}.`, {
      suggestions: [`heroku securekey:status -a ${app}`],
    })
  }

  return undefined
}

/** Every holder's config, read through the pool (those already read are reused); a failed read is kept as its error. */
export async function readHolders(platform: PlatformApi, key: SelfManagedKey): Promise<Map<string, {config?: ConfigVars, error?: unknown}>> {
  const holders = allHolders(key.record)
  const apps = [...new Set(holders.map(holder => holder.app))]
  const read = await platform.each(apps, async app => {
    const known = key.configs.get(app)
    if (known) return {config: known}
    try {
      return {config: await platform.configVars(app)}
    } catch (error) {
      return {error}
    }
  })
  return new Map(apps.map((app, index) => [app, read[index]]))
}

export {type Holder} from './record.js'
