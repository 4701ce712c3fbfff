/**
 * securekey:status --all / --team: every shared key of the account (or of a team's apps), add-on and self-managed
 * alike, with its holders, its overall state and the age of its LATEST.
 *
 * Cost, for A apps in scope, K_a add-on keys and R releases searched per add-on owner:
 *   ceil(A/200) for the app list + 1 a page of add-ons + 1 a page of attachments (account-wide: never per app)
 *   + A config reads (one per app, each app once, through the pool of 50)
 *   + K_a × (1 + ~log2 R) for the age of each add-on key (history.ts: the owner's releases, then a binary search)
 * A self-managed key is plain config vars: no add-on, no attachment, nothing outside the apps' configs names it, and
 * the API has no way to list config var names without their values. So finding every self-managed key costs one
 * config read per app, and cannot cost less; the same read serves as the holder's reading for both kinds, so no app is
 * read twice. With --team, holders outside the team (a peer of a team key, the owner a peer's pointer names) are read
 * too, once each. A self-managed key's age is its record's changed_at: free.
 *
 * The reads stop before RateLimit-Remaining (as the gateway last saw it, less the reads in flight) would fall below
 * 500: the account's pool is shared by every tool of the account, and a report is not worth starving a deploy. Apps not
 * read are then reported as unreachable, with why, and the report says it stopped. An app the account can list but
 * not read (403) is unreachable too, never dropped: it may hold keys no one else names.
 *
 * A config is reduced at once to the records it holds and the parsed key vars (fingerprints): the other values never
 * leave the task that read them.
 */
import type * as Heroku from '@heroku-cli/schema'

import {NotFoundError, SecurekeyError} from '../core/errors.js'
import {attachmentKeyVar, attachmentNameOf} from '../core/names.js'
import {
  type Attachment, type ConfigVars, describeFailure, isNotFound, type PlatformApi,
} from '../core/platform-api.js'
import {type Progress, silentProgress} from '../core/progress.js'
import {LOW_RATE_LIMIT} from '../core/wait.js'
import {
  compareHolders, type Comparison, type HolderReading, type HolderState, type HolderStatus, type Reading,
} from '../key/compare.js'
import {keyHistory, rotationIntervalDays} from '../key/history.js'
import {type KeyKind, orderHolders} from '../key/model.js'
import {
  allRecordHolders, isOwnerRecord, type KeyRecord, type OwnerRecord, parseRecord, type PeerRecord, RECORD_SUFFIX,
} from '../key/record.js'
import {parseSecureKey} from '../runtime/key.js'

const DAY_MS = 86_400_000

/**
 * The grace after an add-on plan's interval before its key is overdue. The provider rotates at its scheduler's first
 * run after the interval and then writes each app in turn; its schedule is not public. Three days lets a daily
 * scheduler miss twice and still not page anyone, while a provider that has stopped is named within 17 days of the
 * last rotation of a fortnightly plan (instead of 14 days of false alarms on a late one).
 */
export const ADDON_GRACE_DAYS = 3
/** A self-managed key is overdue after 30 days without a rotation (record changed_at), unless --max-age says otherwise. */
export const SELF_MANAGED_MAX_AGE_DAYS = 30
/** The interval assumed for an add-on plan the plugin does not know: the public plan's, fortnightly. */
const DEFAULT_INTERVAL_DAYS = 14

/** A key's state over all its holders: the worst of theirs. */
export type OverallState = 'behind' | 'diverged' | 'in_sync' | 'missing' | 'staged' | 'unreachable'

/** Holder states to the overall state they make, and the order of severity (first wins). */
const OVERALL: Record<HolderState, OverallState> = {
  ahead: 'behind',
  behind: 'behind',
  diverged: 'diverged',
  // eslint-disable-next-line camelcase
  in_sync: 'in_sync',
  malformed: 'diverged',
  missing: 'missing',
  staged: 'staged',
  unknown: 'unreachable',
  unreachable: 'unreachable',
}
const SEVERITY: OverallState[] = ['diverged', 'missing', 'unreachable', 'behind', 'staged', 'in_sync']

export interface KeyAge {
  /** How old LATEST is, when known. */
  ageMs?: number
  /** ageMs is a lower bound: LATEST is older than the releases searched. */
  atLeast?: boolean
  /** When LATEST arrived or was rotated in (from the owner's releases, or the record's changed_at). */
  changedAt?: string
  /** Why the age is unknown. */
  error?: string
  maxAgeMs: number
  overdue: boolean
  source: 'record' | 'releases'
}

export interface FleetKey {
  /** The add-on (add-on keys). */
  addon?: Heroku.AddOn
  age: KeyAge
  comparison: Comparison
  /** The owner's config var. */
  configVar: string
  kind: KeyKind
  /** Holders not in sync, in table order. */
  notInSync: HolderStatus[]
  owner: string
  /** A self-managed key's record (undefined when the owner could not be read). */
  record?: OwnerRecord
  state: OverallState
  /** The owner's team, when the app list said. */
  team?: string
}

export interface FleetReport {
  /** Apps in scope (listed), and how many of every app needed were read. */
  apps: {listed: number, needed: number, read: number}
  keys: FleetKey[]
  maxAgeMs?: number
  /** Why the reads stopped early, when they did. */
  stopped?: {rateLimitRemaining: number, reason: string}
  team?: string
  /** Apps in scope whose config could not be read, with why. */
  unreadable: Array<{app: string, reason: string}>
}

export interface FleetOptions {
  /** Overrides every key's default maximum age. */
  maxAgeMs?: number
  now?: () => number
  progress?: Progress
  team?: string
}

/** What is kept of one app's config: its records and parsed key vars, or why it could not be read. */
type AppConfig = {error: string} | {readings: Map<string, Reading>, records: Array<{keyVar: string, record: KeyRecord}>}

const isSecurekey = (addon: Heroku.AddOn): boolean => addon.addon_service?.name === 'securekey' || (addon.plan?.name ?? '').startsWith('securekey:')

/** Keeps the key vars (`*_KEY`, and any `wanted`) parsed, and the records; nothing else of the config. */
function reduceConfig(app: string, config: ConfigVars, wanted: ReadonlySet<string>): AppConfig {
  const records = fleetRecordsIn(app, config)
  const keep = new Set([...records.map(found => found.keyVar), ...records.map(found => found.record.var), ...wanted])
  const readings = new Map<string, Reading>()
  for (const name of Object.keys(config)) {
    if (keep.has(name) || name.endsWith('_KEY')) readings.set(name, {key: parseSecureKey(config[name]), kind: 'read'})
  }

  for (const name of keep) if (!readings.has(name)) readings.set(name, {key: undefined, kind: 'read'})
  return {readings, records}
}

/**
 * The records in one app's config. Unlike recordsIn, a broken record of ours does not stop the report: it names no
 * holder to read, and its key var is still read (it ends in _KEY), so the key is not silently dropped where a valid
 * record elsewhere names it.
 */
function fleetRecordsIn(app: string, config: ConfigVars): Array<{keyVar: string, record: KeyRecord}> {
  return Object.keys(config).filter(name => name.endsWith(RECORD_SUFFIX)).sort().flatMap(name => {
    let record: KeyRecord | undefined
    try {
      record = parseRecord(config[name], {app, recordVar: name})
    } catch {
      record = undefined
    }

    return record ? [{keyVar: name.slice(0, -RECORD_SUFFIX.length), record}] : []
  })
}

/** The apps in scope: every app the account sees, or one team's. */
async function listApps(platform: PlatformApi, team: string | undefined): Promise<Heroku.App[]> {
  if (!team) return platform.apps()
  try {
    return await platform.teamApps(team)
  } catch (error) {
    if (isNotFound(error)) {
      throw new NotFoundError(`No team ${team} with apps this account can see: check the name, and that you are a member (heroku teams).`, {
        suggestions: ['heroku teams', 'heroku securekey:status --all'],
      })
    }

    throw error
  }
}

/**
 * Reads configs through the pool, once per app, until RateLimit-Remaining would fall below the floor. `wanted` names the
 * vars each app must keep beyond `*_KEY` (an attachment's var named otherwise).
 */
class ConfigReader {
  readonly configs = new Map<string, AppConfig>()
  stopped?: {rateLimitRemaining: number, reason: string}
  private inFlight = 0

  constructor(private readonly platform: PlatformApi, private readonly progress: Progress) {}

  async read(apps: readonly string[], wanted: ReadonlyMap<string, ReadonlySet<string>>, counted: {done: number, total: number}): Promise<void> {
    const todo = [...new Set(apps)].filter(app => !this.configs.has(app))
    await this.platform.each(todo, async app => {
      const remaining = this.platform.rateLimitRemaining
      if (this.stopped || (remaining !== undefined && remaining - this.inFlight - 1 < LOW_RATE_LIMIT)) {
        this.stopped ??= {
          rateLimitRemaining: remaining!,
          reason: `stopped reading before RateLimit-Remaining (${remaining}) fell below ${LOW_RATE_LIMIT}`,
        }
        this.configs.set(app, {error: `not read: ${this.stopped.reason}`})
        return
      }

      this.inFlight++
      try {
        this.configs.set(app, reduceConfig(app, await this.platform.configVars(app), wanted.get(app) ?? new Set()))
      } catch (error) {
        this.configs.set(app, {error: describeFailure(error)})
      } finally {
        this.inFlight--
      }

      counted.done++
      if (counted.done % 50 === 0 || counted.done === counted.total) this.progress.update(`apps read: ${counted.done}/${counted.total}`)
    })
  }

  reading(app: string, configVar: string): Reading {
    const config = this.configs.get(app)
    if (!config) return {kind: 'unreachable', reason: 'not read'}
    if ('error' in config) return {kind: 'unreachable', reason: config.error}
    return config.readings.get(configVar) ?? {key: undefined, kind: 'read'}
  }
}

/** The worst holder state, as the key's overall state. */
export function overallState(comparison: Comparison): OverallState {
  const states = new Set(comparison.holders.map(holder => OVERALL[holder.state]))
  if (states.size === 0) return 'missing'
  return SEVERITY.find(state => states.has(state))!
}

/** The maximum age of a key: --max-age, else its plan's interval + the grace (add-on), or 30 days (self-managed). */
export function maxAgeOf(kind: KeyKind, planName: string | undefined, override?: number): number {
  if (override !== undefined) return override
  if (kind === 'self-managed') return SELF_MANAGED_MAX_AGE_DAYS * DAY_MS
  return ((rotationIntervalDays(planName) ?? DEFAULT_INTERVAL_DAYS) + ADDON_GRACE_DAYS) * DAY_MS
}

/** The age of LATEST, from when it changed, and whether that is past the maximum. */
export function ageOf(changedAt: string | undefined, maxAgeMs: number, now: number, extra: Partial<KeyAge> & Pick<KeyAge, 'source'>): KeyAge {
  if (!changedAt) return {maxAgeMs, overdue: false, ...extra}
  const ageMs = Math.max(0, now - Date.parse(changedAt))
  return {
    ageMs, changedAt, maxAgeMs, overdue: ageMs > maxAgeMs, ...extra,
  }
}

function notInSync(comparison: Comparison): HolderStatus[] {
  return comparison.holders.filter(holder => holder.state !== 'in_sync')
}

const id = (owner: string, keyVar: string) => `${owner}\n${keyVar}`

/** The self-managed keys the configs read show: every owner record, and every pointer to an owner that could not be read. */
function selfManagedKeys(reader: ConfigReader): Map<string, {owner: string, peers: Array<{app: string, var: string}>, record?: OwnerRecord, var: string}> {
  const keys = new Map<string, {owner: string, peers: Array<{app: string, var: string}>, record?: OwnerRecord, var: string}>()
  for (const [app, config] of reader.configs) {
    if ('error' in config) continue
    for (const {keyVar, record} of config.records) {
      if (isOwnerRecord(record) && record.owner === app && record.var === keyVar) {
        const known = keys.get(id(app, keyVar))
        keys.set(id(app, keyVar), {
          owner: app, peers: known?.peers ?? [], record, var: keyVar,
        })
      } else if (!isOwnerRecord(record) && record.owner !== app) {
        const key = keys.get(id(record.owner, record.var)) ?? {owner: record.owner, peers: [], var: record.var}
        key.peers.push({app, var: keyVar})
        keys.set(id(record.owner, record.var), key)
      }
    }
  }

  return keys
}

/** Pointers in the configs read, to owners not read yet: those owners are read next. */
function pointedOwners(reader: ConfigReader): string[] {
  return [...reader.configs.values()].flatMap(config => ('error' in config ? [] : config.records))
  .filter(({record}) => !isOwnerRecord(record))
  .map(({record}) => (record as PeerRecord).owner)
  .filter(owner => !reader.configs.has(owner))
}

interface Listed {
  addonKeys: Heroku.AddOn[]
  byAddon: Map<string, Attachment[]>
  inScope: Set<string>
  listed: string[]
  teamOf: Map<string, string>
  /** The key var of each add-on holder, by app. */
  wanted: Map<string, Set<string>>
}

/** One wave of account-wide lists: the apps in scope, every add-on and every attachment; the add-on keys in scope. */
async function listFleet(platform: PlatformApi, team: string | undefined): Promise<Listed> {
  const [apps, addons, attachments] = await Promise.all([listApps(platform, team), platform.addons(), platform.attachments()])
  const listed = apps.map(app => app.name!).sort()
  const inScope = new Set(listed)
  const byAddon = new Map<string, Attachment[]>()
  for (const attachment of attachments) {
    const addonId = attachment.addon?.id
    if (addonId) byAddon.set(addonId, [...byAddon.get(addonId) ?? [], attachment])
  }

  // Every securekey add-on (--all), or those with a holder in the team.
  const held = (addon: Heroku.AddOn) => [addon.app?.name, ...(byAddon.get(addon.id!) ?? []).map(attachment => attachment.app?.name)].some(app => inScope.has(app ?? ''))
  const addonKeys = addons.filter(addon => isSecurekey(addon) && (!team || held(addon)))
  const wanted = new Map<string, Set<string>>()
  for (const attachment of addonKeys.flatMap(addon => byAddon.get(addon.id!) ?? [])) {
    const app = attachment.app!.name!
    wanted.set(app, (wanted.get(app) ?? new Set()).add(attachmentKeyVar(attachment)))
  }

  return {
    addonKeys, byAddon, inScope, listed, teamOf: new Map(apps.filter(app => app.team?.name).map(app => [app.name!, app.team!.name!])), wanted,
  }
}

/**
 * One wave over every app in scope and every add-on holder; then the owners that pointers name and the holders their
 * records list, when outside the scope (--team): each read once.
 */
async function readConfigs(reader: ConfigReader, listing: Listed, progress: Progress): Promise<void> {
  const {inScope, listed, wanted} = listing
  const first = [...listed, ...[...wanted.keys()].filter(app => !inScope.has(app)).sort()]
  const counted = {done: 0, total: first.length}
  progress.start(`Reading ${first.length} app${first.length === 1 ? '' : 's'}`)
  await reader.read(first, wanted, counted)
  const owners = [...new Set(pointedOwners(reader))]
  counted.total += owners.length
  await reader.read(owners, wanted, counted)
  const outside = [...selfManagedKeys(reader).values()].flatMap(key => (key.record ? allRecordHolders(key.record) : [])).map(holder => holder.app).filter(app => !reader.configs.has(app))
  counted.total += new Set(outside).size
  await reader.read(outside, wanted, counted)
  progress.stop(reader.stopped ? `stopped after ${counted.done} of ${counted.total}: ${reader.stopped.reason}` : 'done')
}

function addonFleetKeys(listing: Listed, reader: ConfigReader, maxAgeMs: number | undefined): FleetKey[] {
  return listing.addonKeys.map(addon => {
    const owner = addon.app?.name ?? ''
    const holders: HolderReading[] = (listing.byAddon.get(addon.id!) ?? []).map(attachment => ({
      app: attachment.app!.name!, attachment: attachment.name!, configVar: attachmentKeyVar(attachment), reading: reader.reading(attachment.app!.name!, attachmentKeyVar(attachment)),
    }))
    const comparison = compareHolders(orderHolders(holders, owner) as HolderReading[], owner, addon.config_vars ?? [])
    return {
      addon,
      age: {maxAgeMs: maxAgeOf('addon', addon.plan?.name, maxAgeMs), overdue: false, source: 'releases'},
      comparison,
      configVar: comparison.reference.configVar ?? addon.config_vars?.[0] ?? 'SECURE_KEY',
      kind: 'addon',
      notInSync: notInSync(comparison),
      owner,
      state: overallState(comparison),
      team: listing.teamOf.get(owner),
    }
  })
}

function selfManagedFleetKeys(listing: Listed, reader: ConfigReader, options: {maxAgeMs?: number, now: number, team?: string}): FleetKey[] {
  return [...selfManagedKeys(reader).values()].flatMap((key): FleetKey[] => {
    // --team: a self-managed key belongs when one of its holders is a team app.
    const holderList = key.record ? allRecordHolders(key.record) : [{app: key.owner, var: key.var}, ...key.peers]
    if (options.team && !holderList.some(holder => listing.inScope.has(holder.app))) return []
    const holders: HolderReading[] = holderList.map(holder => ({
      app: holder.app, attachment: attachmentNameOf(holder.var) ?? holder.var, configVar: holder.var, reading: reader.reading(holder.app, holder.var),
    }))
    const staged = key.record?.rotation?.phase === 'staged' ? key.record.rotation.new : undefined
    const comparison = compareHolders(holders, key.owner, [key.var], staged)
    const maxAge = maxAgeOf('self-managed', undefined, options.maxAgeMs)
    const unknown = key.record ? {} : {error: `${key.owner} (the owner) could not be read`}
    return [{
      age: ageOf(key.record?.changed_at, maxAge, options.now, {source: 'record', ...unknown}),
      comparison,
      configVar: key.var,
      kind: 'self-managed',
      notInSync: notInSync(comparison),
      owner: key.owner,
      record: key.record,
      state: overallState(comparison),
      team: listing.teamOf.get(key.owner),
    }]
  })
}

/** The whole report (see the cost above). */
export async function readFleet(platform: PlatformApi, options: FleetOptions = {}): Promise<FleetReport> {
  const {maxAgeMs, team} = options
  const now = options.now ?? Date.now
  const listing = await listFleet(platform, team)
  const reader = new ConfigReader(platform, options.progress ?? silentProgress)
  await readConfigs(reader, listing, options.progress ?? silentProgress)
  const keys = [...addonFleetKeys(listing, reader, maxAgeMs), ...selfManagedFleetKeys(listing, reader, {maxAgeMs, now: now(), team})]
  await addAddonAges(platform, keys.filter(key => key.kind === 'addon'), now(), reader)
  keys.sort((a, b) => a.owner.localeCompare(b.owner, 'en', {numeric: true}) || a.configVar.localeCompare(b.configVar) || a.kind.localeCompare(b.kind))
  return {
    apps: {listed: listing.listed.length, needed: reader.configs.size, read: [...reader.configs.values()].filter(config => !('error' in config)).length},
    keys,
    maxAgeMs,
    stopped: reader.stopped,
    team,
    unreadable: listing.listed.flatMap(app => {
      const config = reader.configs.get(app)
      return config && 'error' in config ? [{app, reason: config.error}] : []
    }),
  }
}

/**
 * The age of each add-on key's LATEST, from its owner's releases (history.ts), through the pool; not when the owner's
 * value is unknown, nor once the reads have stopped for the rate limit.
 */
async function addAddonAges(platform: PlatformApi, keys: FleetKey[], now: number, reader: ConfigReader): Promise<void> {
  await platform.each(keys, async key => {
    const {reference} = key.comparison
    const {maxAgeMs} = key.age
    if (!reference.keys || !reference.configVar) {
      key.age = {...key.age, error: `the owner's ${key.configVar} could not be compared`}
      return
    }

    const remaining = platform.rateLimitRemaining
    if (reader.stopped || (remaining !== undefined && remaining < LOW_RATE_LIMIT + 10)) {
      key.age = {...key.age, error: 'not read: the reads stopped for the rate limit'}
      return
    }

    try {
      const history = await keyHistory(platform, reference.app, {
        configVar: reference.configVar, currentLatest: reference.keys.latest, planName: key.addon?.plan?.name,
      })
      const changedAt = history.lastChange?.at ?? history.oldestSearched
      key.age = ageOf(changedAt, maxAgeMs, now, {source: 'releases', ...(history.lastChange ? {} : {atLeast: true})})
    } catch (error) {
      key.age = {...key.age, error: describeFailure(error)}
    }
  })
}

/** Whether --check passes: every key in sync and none overdue, and every app needed was read. */
export const fleetHealthy = (report: FleetReport): boolean =>
  !report.stopped && report.keys.every(key => key.state === 'in_sync' && !key.age.overdue)

/** Why --check ends with exit 1: the keys not in sync or overdue, and whether the reads stopped. */
export function fleetCheckError(report: FleetReport, document: unknown): SecurekeyError {
  const failing = report.keys.filter(key => key.state !== 'in_sync' || key.age.overdue).map(key => {
    const why = [
      key.state === 'in_sync' ? '' : `${key.state.replace('_', ' ')}${key.notInSync.length > 0 ? `: ${[...new Set(key.notInSync.map(holder => holder.app))].join(', ')}` : ''}`,
      key.age.overdue ? 'overdue' : '',
    ].filter(Boolean).join('; ')
    return `${key.owner} ${key.configVar} (${why})`
  })
  const stopped = report.stopped ? [`the report is incomplete: ${report.stopped.reason}`] : []
  return new SecurekeyError(`Not every key is in sync and within its maximum age: ${[...failing, ...stopped].join(', ')}.`, {
    document, id: 'not_in_sync',
  })
}
