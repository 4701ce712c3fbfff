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
 * --dynos adds one wave (each app's dynos and its newest release), then one more for the config as of each older
 * release a dyno still runs, each (app, release) read once. --history adds the owner's newest releases and a binary
 * search over them (history.ts).
 */
import type * as Heroku from '@heroku-cli/schema'

import type {History} from './history.js'

import {NotFoundError, SecurekeyError} from '../core/errors.js'
import {attachmentNameOf, configVarOf} from '../core/names.js'
import {
  type Attachment, type ConfigVars, describeFailure, type PlatformApi,
} from '../core/platform-api.js'
import {ownerOf, securekeyAddons} from '../core/resolve.js'
import {type PollSchedule, pollUntil} from '../core/wait.js'
import {keyAsAddon} from '../self-managed/attach.js'
import {type SelfManagedKey, selfManagedKeysOn} from '../self-managed/holders.js'
import {allHolders, type OwnerRecord} from '../self-managed/record.js'
import {
  allInSync, compareDynos, compareHolders, type Comparison, type DynoReport, type Holder, type Reading, STATE_LABELS,
} from './compare.js'
import {keyHistory} from './history.js'
import {
  addTo, listDynos, readAtReleases, readEach, releaseKey,
} from './readings.js'

export type DynoOutcome = {error: string} | {report: DynoReport}
export type HistoryOutcome = {error: string} | {history: History}

export interface AddonStatus {
  addon: Heroku.AddOn
  comparison: Comparison
  /** With --dynos: one entry per holder, in the order of comparison.holders. */
  dynos?: DynoOutcome[]
  history?: HistoryOutcome
}

export interface StatusOptions {
  dynos?: boolean
  history?: boolean
}

const PURPOSE = 'securekey:status compares securekey keys only: name a securekey add-on, or give -a APP alone'

/**
 * The add-ons to report on: the one ADDON names (relative to APP for attachment names), or every securekey add-on
 * APP owns or is attached to.
 */
export async function statusTargets(platform: PlatformApi, options: {addon?: string, app?: string}): Promise<StatusTarget[]> {
  const {addon, app} = options
  if (!addon && !app) {
    throw new NotFoundError('Name a securekey add-on or an app that holds one.', {
      suggestions: ['heroku securekey:status <addon>', 'heroku securekey:status -a <app>'],
    })
  }

  const found = await securekeyAddons(platform, {
    addon, app, purpose: PURPOSE, scope: 'held',
  })
  if (found.length === 0 && app) {
    // No add-on: a self-managed key, found from any holder (the app's record, then its owner's). A failed read here
    // leaves the answer the add-on list gave.
    const keys = await selfManagedKeysOn(platform, app).catch(() => [])
    if (keys.length > 0) return keys.map(key => selfManagedTarget(key))
  }

  if (found.length === 0) {
    throw new NotFoundError(`${app} holds no securekey add-on: it neither owns one nor has one attached. It holds no self-managed key either.`, {
      suggestions: [`heroku securekey:provision -a ${app}`, `heroku securekey:attach <addon> -a ${app}`],
    })
  }

  // ADDON with -a APP: APP must hold it, or the report would be about apps the user did not mean.
  if (addon && app && ownerOf(found[0]) !== app) {
    const attachments = await platform.attachmentsOf(found[0].id ?? found[0].name!)
    if (!attachments.some(attachment => attachment.app?.name === app)) {
      throw new NotFoundError(`${found[0].name} is owned by ${ownerOf(found[0])} and is not attached to ${app}: -a ${app} does not hold it.`, {
        suggestions: [`heroku securekey:status ${found[0].name}`, `heroku securekey:status -a ${app}`],
      })
    }
  }

  return found
}

interface Row {
  addon: number
  app: string
  attachment: string
  configVar: string
}

/** The config-var comparison for every add-on: the default view, and one poll of --wait. */
export async function compareAddons(platform: PlatformApi, addons: readonly StatusTarget[]): Promise<AddonStatus[]> {
  const attachments = await platform.each(addons, addon => (addon.record ? Promise.resolve(holderRows(addon.record)) : platform.attachmentsOf(addon.id!)))
  const rows: Row[] = addons.flatMap((addon, index) => attachments[index]
  .filter(attachment => !attachment.addon?.id || attachment.addon.id === addon.id)
  .map(attachment => ({
    addon: index, app: attachment.app!.name!, attachment: attachment.name!, configVar: configVarOf(attachment),
  })))

  // The owner first, then by app and attachment name: the same order on every run, whatever the API's.
  rows.sort((a, b) => Number(b.app === ownerOf(addons[b.addon])) - Number(a.app === ownerOf(addons[a.addon])) || a.app.localeCompare(b.app) || a.attachment.localeCompare(b.attachment))
  const wanted = new Map<string, Set<string>>()
  for (const row of rows) addTo(wanted, row.app, row.configVar)
  // A self-managed key's finding read some holders' configs already: those are not read again.
  const known = new Map(addons.flatMap(addon => [...addon.configs ?? []]))
  const readings = await readEach(platform, wanted, app => (known.has(app) ? Promise.resolve(known.get(app)!) : platform.configVars(app)))

  return addons.map((addon, index) => {
    const holders: Holder[] = rows.filter(row => row.addon === index).map(row => ({
      app: row.app, attachment: row.attachment, configVar: row.configVar, reading: readings.get(row.app)!.get(row.configVar)!,
    }))
    const staged = addon.record?.rotation?.phase === 'staged' ? addon.record.rotation.new : undefined
    return {addon, comparison: compareHolders(holders, ownerOf(addon), addon.config_vars ?? [], staged)}
  })
}

/**
 * A status target: an add-on, or a self-managed key shown as one (named by its config var, plan `self-managed`), whose
 * holders come from its record instead of the attachments.
 */
export type StatusTarget = Heroku.AddOn & {configs?: ReadonlyMap<string, ConfigVars>, record?: OwnerRecord}

const selfManagedTarget = ({configs, record}: SelfManagedKey): StatusTarget => ({
  ...keyAsAddon(record), config_vars: [record.var], configs, record, // eslint-disable-line camelcase
} as StatusTarget)

/** The holders of a self-managed key as attachment rows: the owner first. */
function holderRows(record: OwnerRecord): Attachment[] {
  // eslint-disable-next-line camelcase -- the Platform API's field
  return allHolders(record).map(holder => ({app: {name: holder.app}, config_vars: [holder.var], name: attachmentNameOf(holder.var) ?? holder.var} as Attachment))
}

/** Adds the dyno report for every readable holder (see the budget above). */
export async function addDynos(platform: PlatformApi, statuses: readonly AddonStatus[]): Promise<void> {
  const holders = statuses.flatMap(status => status.comparison.holders)
  const dynosOf = await listDynos(platform, [...new Set(holders.filter(holder => holder.state !== 'unreachable').map(holder => holder.app))])
  const wanted = new Map<string, Set<string>>()
  for (const holder of holders) {
    const found = dynosOf.get(holder.app)
    if (!found || 'error' in found) continue
    for (const dyno of found.dynos) {
      if (dyno.release < found.currentRelease) addTo(wanted, releaseKey(holder.app, dyno.release), holder.configVar)
    }
  }

  const atRelease = await readAtReleases(platform, wanted)

  for (const status of statuses) {
    const reference = status.comparison.reference.keys
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
          appKeys: holder.keys, configVar: holder.configVar, currentRelease: found.currentRelease, dynos: found.dynos, readings, reference,
        }),
      }
    })
  }
}

/** Adds the owner's last rotation and the next expected one to every add-on. */
export async function addHistory(platform: PlatformApi, statuses: readonly AddonStatus[]): Promise<void> {
  await platform.each(statuses, async status => {
    const {addon, comparison: {reference}} = status
    if (!reference.configVar) {
      status.history = {error: `${reference.app} (the owner) has no attachment of ${addon.name}`}
      return
    }

    if (reference.state === 'unreachable') {
      status.history = {error: `${reference.app} (the owner) could not be read`}
      return
    }

    try {
      const history = await keyHistory(platform, reference.app, {
        configVar: reference.configVar, currentLatest: reference.keys?.latest, planName: addon.plan?.name,
      })
      status.history = {history}
    } catch (error) {
      status.history = {error: describeFailure(error)}
    }
  })
}

/** Adds what --dynos and --history ask for to the comparison, both at once. */
export async function addDetails(platform: PlatformApi, statuses: readonly AddonStatus[], options: StatusOptions = {}): Promise<void> {
  await Promise.all([
    options.dynos ? addDynos(platform, statuses) : undefined,
    options.history ? addHistory(platform, statuses) : undefined,
  ])
}

/** The whole report for one run without --wait. */
export async function readStatus(platform: PlatformApi, addons: readonly Heroku.AddOn[], options: StatusOptions = {}): Promise<AddonStatus[]> {
  const statuses = await compareAddons(platform, addons)
  await addDetails(platform, statuses, options)
  return statuses
}

export const everyAddonInSync = (statuses: readonly AddonStatus[]): boolean => statuses.every(status => allInSync(status.comparison.summary))

/** Why --check or --wait ends with exit 1: who is not in sync. */
export function notInSyncError(statuses: readonly AddonStatus[], waited: string | undefined, document: unknown): SecurekeyError {
  const lagging = statuses.flatMap(status => status.comparison.holders.filter(holder => holder.state !== 'in_sync')
  .map(holder => `${holder.app} (${STATE_LABELS[holder.state]})`))
  const names = [...new Set(lagging)]
  const head = waited ? `Not every app was in sync after ${waited}` : 'Not every app is in sync'
  return new SecurekeyError(`${head}: ${names.join(', ') || 'no app holds the add-on'}.`, {
    document, id: 'not_in_sync',
    suggestions: waited ? [`heroku securekey:status ${statuses.length === 1 ? statuses[0].addon.name : '<addon>'} --wait --timeout 30m`] : [],
  })
}

export interface WaitOptions {
  onPoll?: (statuses: readonly AddonStatus[], nextDelayMs?: number) => void
  schedule: PollSchedule
  /** For tests: how to pause (default setTimeout). */
  sleep?: (ms: number) => Promise<void>
  timeoutMs: number
}

/** Polls the config-var comparison until every holder is in sync or the timeout passes. */
export async function waitForSync(platform: PlatformApi, addons: readonly StatusTarget[], options: WaitOptions): Promise<{inSync: boolean, polls: number, statuses: AddonStatus[]}> {
  // Configs read while finding a self-managed key are fresh for the first poll only.
  let targets: readonly StatusTarget[] = addons
  const poll = async () => {
    const statuses = await compareAddons(platform, targets)
    targets = addons.map(target => ({...target, configs: undefined}))
    return statuses
  }

  const {done, polls, value} = await pollUntil<AddonStatus[]>(poll, {
    done: everyAddonInSync,
    onPoll: options.onPoll,
    rateLimitRemaining: () => platform.rateLimitRemaining,
    requestsPerPoll: statuses => addons.length + new Set(statuses.flatMap(status => status.comparison.holders.map(holder => holder.app))).size,
    schedule: options.schedule,
    sleep: options.sleep,
    timeoutMs: options.timeoutMs,
  })
  return {inSync: done, polls, statuses: value}
}
