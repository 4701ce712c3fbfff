/**
 * Finding self-managed keys from any holder (record.ts says where the record lives): the app's config, then, from a
 * peer, its owner's config, each read once (the cache is shared with the rest of the command). Config values stay in
 * memory; only names and parsed fingerprints leave through the callers' outcomes.
 */
import {type ConfigVars, type PlatformApi} from '../core/platform-api.js'
import {appProblem} from './addons.js'
import {type ConfigCache, selfManagedKey, type SelfManagedKey} from './model.js'
import {isOwnerRecord, recordsIn} from './record.js'

/** An app's config vars, read once per command (`cache`); a missing or unreadable app named. */
export async function readConfig(platform: PlatformApi, app: string, cache?: ConfigCache): Promise<ConfigVars> {
  const known = cache?.get(app)
  if (known) return known
  try {
    const config = await platform.configVars(app)
    cache?.set(app, config)
    return config
  } catch (error) {
    throw appProblem(error, app)
  }
}

/**
 * The self-managed keys `app` holds, as owner or peer. A peer's pointer is followed to its owner, whose record must
 * still list the peer under that var: a pointer the owner no longer lists is a former holder, not a holder.
 */
export async function selfManagedKeysOn(platform: PlatformApi, app: string, cache: ConfigCache): Promise<SelfManagedKey[]> {
  const own = await readConfig(platform, app, cache)
  const found: SelfManagedKey[] = []
  for (const {keyVar, record} of recordsIn(own, app)) {
    if (isOwnerRecord(record)) {
      if (record.owner === app && record.var === keyVar) found.push(selfManagedKey(record))
      continue
    }

    if (record.owner === app) continue
    // eslint-disable-next-line no-await-in-loop -- one owner at a time, each read once through the cache
    const ownerConfig = await readConfig(platform, record.owner, cache)
    const ownerKey = recordsIn(ownerConfig, record.owner).find(candidate => candidate.keyVar === record.var && isOwnerRecord(candidate.record))
    if (!ownerKey || !isOwnerRecord(ownerKey.record)) continue
    if (!ownerKey.record.holders.some(holder => holder.app === app && holder.var === keyVar)) continue
    found.push(selfManagedKey(ownerKey.record))
  }

  return found
}
