/**
 * Reading configs for the comparison, once each: an app's config now, or its config as of a release a dyno runs. A
 * config-vars answer is reduced to the parsed vars asked for (fingerprints) before anything else sees it. Shared by
 * status (the holders, --dynos) and rotate's barrier, which keeps the release cache across its polls: a release's
 * config never changes.
 */
import type {Reading} from './compare.js'
import type {DynoOnRelease} from './dynos.js'

import {type ConfigVars, describeFailure, type PlatformApi} from '../core/platform-api.js'
import {parseSecureKey} from '../runtime/key.js'

function readingOf(config: Record<string, string>, name: string): Reading {
  return {key: name in config ? parseSecureKey(config[name]) : undefined, kind: 'read'}
}

/** Adds `value` to the set under `key`. */
export function addTo(map: Map<string, Set<string>>, key: string, value: string): void {
  map.set(key, (map.get(key) ?? new Set()).add(value))
}

/**
 * Reads each config once (`read` of a key: an app, or an app at a release) and keeps only the parsed vars asked for;
 * a failed read makes every one of them unreachable.
 */
export async function readEach(platform: PlatformApi, wanted: Map<string, Set<string>>, read: (key: string) => Promise<ConfigVars>): Promise<Map<string, Map<string, Reading>>> {
  const keys = [...wanted.keys()]
  const readings = await platform.each(keys, async key => {
    const names = [...wanted.get(key)!]
    try {
      const config = await read(key)
      return new Map(names.map(name => [name, readingOf(config, name)]))
    } catch (error) {
      const reading: Reading = {kind: 'unreachable', reason: describeFailure(error)}
      return new Map(names.map(name => [name, reading]))
    }
  })
  return new Map(keys.map((key, index) => [key, readings[index]]))
}

export const releaseKey = (app: string, release: number): string => `${app}\n${release}`

/**
 * The vars asked for as of each (app, release) in `wanted` (keys from releaseKey), through the pool. `cache` keeps
 * what was read, across calls: only releases not read before are requested (a failed read is not kept).
 */
export async function readAtReleases(platform: PlatformApi, wanted: Map<string, Set<string>>, cache = new Map<string, Map<string, Reading>>()): Promise<Map<string, Map<string, Reading>>> {
  const missing = new Map([...wanted].filter(([key, names]) => [...names].some(name => !cache.get(key)?.has(name))))
  const read = await readEach(platform, missing, key => {
    const [app, version] = key.split('\n')
    return platform.releaseConfigVars(app, version)
  })
  for (const [key, readings] of read) {
    const kept = cache.get(key) ?? new Map<string, Reading>()
    for (const [name, reading] of readings) if (reading.kind === 'read') kept.set(name, reading)
    cache.set(key, kept)
  }

  return new Map([...wanted.keys()].map(key => [key, new Map([...cache.get(key) ?? [], ...read.get(key) ?? []])]))
}

/** Which release each dyno of an app runs, and the app's newest release. */
export interface AppDynos {
  dynos: DynoOnRelease[]
  /** The newest release and its status (`pending` while its release phase runs, `failed` when it failed). */
  newest?: {status: string, version: number}
}

/**
 * Every app's dynos and its newest release, through the pool, one wave; a failed app keeps the reason and the error.
 */
export async function listDynos(platform: PlatformApi, apps: readonly string[]): Promise<Map<string, AppDynos | {error: string, failure: unknown}>> {
  const listed = await platform.each(apps, async (app): Promise<AppDynos | {error: string, failure: unknown}> => {
    try {
      const [dynos, releases] = await Promise.all([platform.dynos(app), platform.releases(app, 1)])
      return {
        dynos: dynos.map(dyno => ({
          command: dyno.command, createdAt: dyno.created_at, name: dyno.name!, release: dyno.release?.version ?? 0, state: dyno.state, type: dyno.type,
        })),
        newest: releases[0] ? {status: releases[0].status ?? 'succeeded', version: releases[0].version ?? 0} : undefined,
      }
    } catch (error) {
      return {error: describeFailure(error), failure: error}
    }
  })
  return new Map(apps.map((app, index) => [app, listed[index]]))
}

/**
 * Whether each app has preboot on (one request each, through the pool), for the barrier and `status --dynos`. A read
 * that fails throws, unless `unread` says what to take instead.
 */
export async function readPreboot(platform: PlatformApi, apps: readonly string[], unread?: () => boolean): Promise<Map<string, boolean>> {
  const enabled = await platform.each(apps, app => platform.featureEnabled(app, 'preboot').catch((error: unknown) => {
    if (!unread) throw error
    return unread()
  }))
  return new Map(apps.map((app, index) => [app, enabled[index]]))
}
