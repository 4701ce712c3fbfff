/**
 * Gathering for securekey:status: which add-ons, who holds them, what each holder's config var says, which key its
 * dynos run, and the owner's last rotation. Every read goes through the Platform API gateway; the comparison itself is
 * pure (compare.ts, history.ts).
 *
 * Request budget for the default view, N distinct apps holding the add-on(s):
 *   with ADDON: POST /actions/addons/resolve (1) + attachments (1 a page) + N config-vars
 *   with -a:    GET /apps/{app}/addons (1)       + attachments (1 a page per add-on) + N config-vars
 * The add-on objects those lists return already carry owner, plan and state, so the add-on is never fetched again. The
 * attachments of several add-ons are read concurrently, then every app's config vars at once through the pool: two
 * round-trip waves after the resolution while N fits the pool. An app holding the add-on under two names (or two
 * add-ons) is read once. A config-vars answer is reduced to parsed keys (fingerprints) before the next step: the other
 * values of the app never leave the task that read them.
 *
 * --dynos adds one wave (each app's dynos, its newest release and whether preboot is on: 3N), then one more for the
 * config as of each older release a dyno still runs, each (app, release) read once. --history adds the owner's newest releases and a binary
 * search over them (history.ts).
 */
import type {History} from '../key/history.js'

import {NotFoundError, SecurekeyError} from '../core/errors.js'
import {describeFailure, type PlatformApi} from '../core/platform-api.js'
import {type PollSchedule, pollUntil} from '../core/wait.js'
import {
  allInSync, compareDynos, compareHolders, type Comparison, type DynoReport, type HolderReading, type Reading, STATE_LABELS,
} from '../key/compare.js'
import {DEFAULT_PREBOOT_WAIT_MS} from '../key/dynos.js'
import {type GoneHolder, goneHolder, goneHolderAdvice} from '../key/gone-holder.js'
import {keyHistory} from '../key/history.js'
import {
  type ConfigCache, describeKey, holdersOf, type SharedKey,
} from '../key/model.js'
import {
  addTo, listDynos, readAtReleases, readEach, readPreboot, releaseKey,
} from '../key/readings.js'
import {findKeys, type Resolution} from '../key/resolve.js'
import {rotationNew} from '../key/rotation-state.js'

export type DynoOutcome = {error: string} | {report: DynoReport}
export type HistoryOutcome = {error: string} | {history: History}

export interface KeyStatus {
  comparison: Comparison
  /** With --dynos: one entry per holder, in the order of comparison.holders. */
  dynos?: DynoOutcome[]
  history?: HistoryOutcome
  key: SharedKey
}

export interface StatusOptions {
  dynos?: boolean
  history?: boolean
}

const PURPOSE = 'securekey:status compares securekey keys only: name a securekey add-on or key, or give -a <app> alone'

/**
 * The keys to report on: the one KEY names (relative to APP for attachment names and config vars), or every key APP
 * owns or holds, of both kinds.
 */
export async function statusTargets(platform: PlatformApi, options: {app?: string, key?: string}): Promise<Resolution> {
  const {app, key} = options
  if (!key && !app) {
    throw new NotFoundError('Name a shared key or an app that holds one.', {
      suggestions: ['heroku securekey:status -a <app>', 'heroku securekey:status <addon>'],
    })
  }

  const found = await findKeys(platform, {app, key, purpose: PURPOSE})
  if (found.keys.length === 0) {
    throw new NotFoundError(`${app} holds no shared key: no securekey add-on is attached to it and it holds no self-managed key.`, {
      suggestions: [`heroku securekey:provision -a ${app}`, `heroku securekey:attach --from <owner-app> -a ${app}`],
    })
  }

  // KEY with -a APP: APP must hold it, or the report would be about apps the user did not mean.
  const [named] = found.keys
  if (key && app && named.kind === 'addon' && named.owner !== app) {
    const attachments = await platform.attachmentsOf(named.addon.id ?? named.name)
    if (!attachments.some(attachment => attachment.app?.name === app)) {
      throw new NotFoundError(`${named.name} is owned by ${named.owner} and is not attached to ${app}: -a ${app} does not hold it.`, {
        suggestions: [`heroku securekey:status ${named.name}`, `heroku securekey:status -a ${app}`],
      })
    }
  }

  return found
}

/**
 * The config-var comparison for every key: the default view, and one poll of --wait. `configs`: configs already read
 * (while resolving), which are not read again.
 */
export async function compareKeys(platform: PlatformApi, keys: readonly SharedKey[], configs: ConfigCache = new Map()): Promise<KeyStatus[]> {
  const holders = await platform.each(keys, key => holdersOf(platform, key))
  const wanted = new Map<string, Set<string>>()
  for (const holder of holders.flat()) addTo(wanted, holder.app, holder.configVar)
  const gone = new Map<string, GoneHolder>()
  const readings = await readEach(platform, wanted, app => (configs.has(app)
    ? Promise.resolve(configs.get(app)!)
    : platform.configVars(app).catch((error: unknown) => {
      const found = goneHolder(app, error)
      if (found) gone.set(app, found)
      throw error
    })))

  return keys.map((key, index) => {
    const read: HolderReading[] = holders[index].map(holder => ({...holder, reading: readings.get(holder.app)!.get(holder.configVar)!}))
    const ownerVars = key.kind === 'addon' ? key.addon.config_vars ?? [] : [key.configVar]
    const comparison = compareHolders(read, key.owner, ownerVars, key.kind === 'self-managed' ? rotationNew(key.record) : undefined)
    // A self-managed key's holder that was deleted, or that this account cannot see, blocks every rotation: say what to do.
    if (key.kind === 'self-managed') {
      for (const holder of comparison.holders) {
        const found = gone.get(holder.app)
        if (found && holder.state === 'unreachable') holder.reason = goneHolderAdvice(found, key)
      }
    }

    return {comparison, key}
  })
}

/** Adds the dyno report for every readable holder (see the budget above). */
export async function addDynos(platform: PlatformApi, statuses: readonly KeyStatus[]): Promise<void> {
  const holders = statuses.flatMap(status => status.comparison.holders)
  const apps = [...new Set(holders.filter(holder => holder.state !== 'unreachable').map(holder => holder.app))]
  const [dynosOf, preboot] = await Promise.all([
    listDynos(platform, apps),
    // A report, not a barrier: an app whose preboot cannot be read is shown without its window.
    readPreboot(platform, apps, () => false),
  ])
  const wanted = new Map<string, Set<string>>()
  for (const holder of holders) {
    const found = dynosOf.get(holder.app)
    if (!found || 'error' in found) continue
    for (const dyno of found.dynos) {
      if (dyno.release < (found.newest?.version ?? 0)) addTo(wanted, releaseKey(holder.app, dyno.release), holder.configVar)
    }
  }

  const atRelease = await readAtReleases(platform, wanted)

  const nowMs = platform.serverTime ?? Date.now()
  for (const status of statuses) {
    const reference = status.comparison.reference.keys
    const staged = status.key.kind === 'self-managed' ? rotationNew(status.key.record) : undefined
    status.dynos = status.comparison.holders.map((holder): DynoOutcome => {
      const found = dynosOf.get(holder.app)
      if (!found) return {error: 'not checked: the app could not be read'}
      if ('error' in found) return {error: found.error}
      const readings = new Map<number, Reading>()
      for (const dyno of found.dynos) {
        const reading = atRelease.get(releaseKey(holder.app, dyno.release))?.get(holder.configVar)
        if (reading) readings.set(dyno.release, reading)
      }

      return {
        report: compareDynos({
          appKeys: holder.keys,
          configVar: holder.configVar,
          currentRelease: found.newest?.version ?? 0,
          dynos: found.dynos,
          newest: found.newest,
          preboot: preboot.get(holder.app) ? {nowMs, windowMs: DEFAULT_PREBOOT_WAIT_MS} : undefined,
          readings,
          reference,
          staged,
        }),
      }
    })
  }
}

/** Adds the owner's last rotation and the next expected one to every add-on. */
export async function addHistory(platform: PlatformApi, statuses: readonly KeyStatus[]): Promise<void> {
  await platform.each(statuses, async status => {
    const {comparison: {reference}, key} = status
    if (!reference.configVar) {
      status.history = {error: `${reference.app} (the owner) does not hold ${describeKey(key)}`}
      return
    }

    if (reference.state === 'unreachable') {
      status.history = {error: `${reference.app} (the owner) could not be read`}
      return
    }

    try {
      const history = await keyHistory(platform, reference.app, {
        configVar: reference.configVar, currentLatest: reference.keys?.latest, planName: key.kind === 'addon' ? key.addon.plan?.name : undefined,
      })
      status.history = {history}
    } catch (error) {
      status.history = {error: describeFailure(error)}
    }
  })
}

/** Adds what --dynos and --history ask for to the comparison, both at once. */
export async function addDetails(platform: PlatformApi, statuses: readonly KeyStatus[], options: StatusOptions = {}): Promise<void> {
  await Promise.all([
    options.dynos ? addDynos(platform, statuses) : undefined,
    options.history ? addHistory(platform, statuses) : undefined,
  ])
}

/** The whole report for one run without --wait. */
export async function readStatus(platform: PlatformApi, resolution: Resolution, options: StatusOptions = {}): Promise<KeyStatus[]> {
  const statuses = await compareKeys(platform, resolution.keys, resolution.configs)
  await addDetails(platform, statuses, options)
  return statuses
}

export const everyKeyInSync = (statuses: readonly KeyStatus[]): boolean => statuses.every(status => allInSync(status.comparison.summary))

/** Why --check or --wait ends with exit 1: who is not in sync. */
export function notInSyncError(statuses: readonly KeyStatus[], waited: string | undefined, document: unknown): SecurekeyError {
  const notInSync = statuses.flatMap(status => status.comparison.holders.filter(holder => holder.state !== 'in_sync')
  .map(holder => `${holder.app} (${STATE_LABELS[holder.state]})`))
  const names = [...new Set(notInSync)]
  const head = waited ? `Not every app was in sync after ${waited}` : 'Not every app is in sync'
  return new SecurekeyError(`${head}: ${names.join(', ') || 'no app holds the key'}.`, {
    document, id: 'not_in_sync',
    suggestions: waited ? ['heroku securekey:status --wait --timeout 30m -a <app>'] : [],
  })
}

export interface WaitOptions {
  onPoll?: (statuses: readonly KeyStatus[], nextDelayMs?: number) => void
  schedule: PollSchedule
  /** For tests: how to pause (default setTimeout). */
  sleep?: (ms: number) => Promise<void>
  timeoutMs: number
}

/** Polls the config-var comparison until every holder is in sync or the timeout passes. */
export async function waitForSync(platform: PlatformApi, resolution: Resolution, options: WaitOptions): Promise<{inSync: boolean, polls: number, statuses: KeyStatus[]}> {
  // Configs read while resolving are fresh for the first poll only.
  let {configs} = resolution
  const poll = async () => {
    const statuses = await compareKeys(platform, resolution.keys, configs)
    configs = new Map()
    return statuses
  }

  const {done, polls, value} = await pollUntil<KeyStatus[]>(poll, {
    done: everyKeyInSync,
    onPoll: options.onPoll,
    rateLimit: platform,
    requestsPerPoll: statuses => resolution.keys.length + new Set(statuses.flatMap(status => status.comparison.holders.map(holder => holder.app))).size,
    schedule: options.schedule,
    sleep: options.sleep,
    timeoutMs: options.timeoutMs,
  })
  return {inSync: done, polls, statuses: value}
}
