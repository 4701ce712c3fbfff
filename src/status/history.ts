/**
 * When the owner's key last changed, and when the next rotation is due.
 *
 * A rotation writes a fresh LATEST, so along the owner's releases the LATEST fingerprint stays the same from the
 * release that brought it to the newest one: the releases with the current LATEST are a run at the newest end. One
 * page of releases (newest first) and a binary search over it with the config as of a release finds where that run
 * starts in about log2(page) requests, instead of one request per release. (A key later put back by hand would break
 * the run; the search then finds some change, which is still a change of key.)
 *
 * The release before the run tells what happened: no var there means the key arrived (provisioned or attached), a
 * different one means a rotation. The next one is expected one interval after it; the interval comes from the plan
 * (`securekey:fortnightly` → 14 days).
 */
import type {PlatformApi} from '../core/platform-api.js'

import {printsOf} from '../key/compare.js'
import {parseSecureKey} from '../runtime/key.js'

const DAY_MS = 86_400_000

/** Days between rotations by plan: the public plan is fortnightly, the provider also knows these. */
const INTERVAL_DAYS: Record<string, number> = {
  '28-day': 28,
  daily: 1,
  fortnightly: 14,
  monthly: 28,
  weekly: 7,
}

/** Days between rotations for a plan name (`securekey:weekly` or `weekly`), undefined when unknown. */
export function rotationIntervalDays(planName: string | undefined): number | undefined {
  const plan = (planName ?? '').split(':').at(-1)!.trim().toLowerCase()
  return INTERVAL_DAYS[plan]
}

export interface KeyChange {
  at: string
  /** `arrived`: the release before it had no var (provision or attach); `rotated`: it had another key. */
  kind: 'arrived' | 'rotated'
  latest: string
  release: number
  /** The LATEST fingerprint the release before it had (rotations only). */
  replaced?: string
}

export interface History {
  intervalDays?: number
  /** The newest release where the LATEST fingerprint differs from the release before; absent when not in the window. */
  lastChange?: KeyChange
  /** lastChange.at + interval. */
  nextExpected?: string
  /** Requests the search made (the releases page included). */
  requests: number
  /** Releases searched (one page). */
  searched: number
}

export interface HistoryOptions {
  configVar: string
  /** The owner's LATEST fingerprint now; when given, the newest release is not fetched for it. */
  currentLatest?: string
  planName?: string
  /** Releases to search, newest first (one page). */
  window?: number
}

export function nextExpected(at: string, intervalDays?: number): string | undefined {
  if (intervalDays === undefined) return undefined
  return new Date(Date.parse(at) + (intervalDays * DAY_MS)).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** The owner's last key change (see above) and the next expected rotation. */
export async function keyHistory(platform: PlatformApi, app: string, options: HistoryOptions): Promise<History> {
  const {configVar, planName, window = 100} = options
  const intervalDays = rotationIntervalDays(planName)
  const releases = await platform.releases(app, window)
  let requests = 1
  // LATEST's fingerprint by release index: undefined when the var is absent, 'malformed' when it holds no pair.
  const probed = new Map<number, string | undefined>()
  const latestAt = async (index: number): Promise<string | undefined> => {
    if (!probed.has(index)) {
      const version = releases[index].version!
      requests++
      const config = await platform.releaseConfigVars(app, version)
      const value = config[configVar]
      probed.set(index, value === undefined ? undefined : printsOf(parseSecureKey(value))?.latest ?? 'malformed')
    }

    return probed.get(index)
  }

  if (releases.length === 0) return {intervalDays, requests, searched: 0}
  if (options.currentLatest === undefined) await latestAt(0)
  else probed.set(0, options.currentLatest)
  const current = probed.get(0)
  if (current === undefined) return {intervalDays, requests, searched: releases.length}

  // First index (newest first) whose LATEST differs from the current one; everything before it shares it.
  let low = 1
  let high = releases.length
  while (low < high) {
    const middle = Math.floor((low + high) / 2)
    // eslint-disable-next-line no-await-in-loop
    if (await latestAt(middle) === current) low = middle + 1
    else high = middle
  }

  if (low === releases.length) return {intervalDays, requests, searched: releases.length}
  const before = await latestAt(low)
  const brought = releases[low - 1]
  const at = brought.created_at!
  const lastChange: KeyChange = {
    at,
    kind: before === undefined ? 'arrived' : 'rotated',
    latest: current,
    release: brought.version!,
    ...(before?.startsWith('skfp1:') ? {replaced: before} : {}),
  }
  return {
    intervalDays, lastChange, nextExpected: nextExpected(at, intervalDays), requests, searched: releases.length,
  }
}
