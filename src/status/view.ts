/**
 * What securekey:status shows: a header per add-on, a table of its holders, the summary line, the dynos and history
 * lines, and the --json document. Fingerprints (skfp1:…) are not secret and are shown in full; a config var's value
 * never reaches this file.
 */
import {ux} from '@oclif/core/ux'

import type {DynoOutcome, HistoryOutcome, KeyStatus} from './status.js'

import * as color from '../core/color.js'
import {formatDuration} from '../core/duration.js'
import * as hux from '../core/table.js'
import {
  allInSync, type Comparison, type DynoReport, type HolderState, type HolderStatus, type KeyPrints, type ReferenceState,
  someAppHoldsTwice, type StaleDynos, STATE_LABELS, STATES, summaryLine,
} from '../key/compare.js'
import {type KeyJson, keyJson} from '../key/model.js'

/* eslint-disable camelcase */

/** Fingerprints of a pair; null when the value could not be parsed or read. */
interface KeysJson {
  latest: null | string
  previous: null | string
  /** False when a key is not 64 hex digits (reported, not rejected). */
  standard: boolean | null
}

export interface DynosJson {
  current_release: number
  down: Array<{dyno: string, state: string}>
  newest_release: null | {status: string, version: number}
  on_current_key: number
  one_off: Array<{dyno: string, release: number}>
  preboot_until: null | string
  release_unknown: string[]
  stale: Array<KeysJson & {dynos: string[], reason: null | string, release: number, state: HolderState}>
  total: number
}

export interface HistoryJson {
  interval_days: null | number
  last_change: null | {at: string, kind: 'arrived' | 'rotated', latest: string, release: number, replaced: null | string}
  next_expected: null | string
  requests: number
  searched_releases: number
}

export interface AppJson extends KeysJson {
  app: string
  attachment: string
  config_var: string
  dynos?: DynosJson | {error: string}
  owner: boolean
  reason: null | string
  state: HolderState
}

export interface KeyStatusJson {
  apps: AppJson[]
  history?: HistoryJson | {error: string}
  key: KeyJson
  owner: KeysJson & {app: string, attachment: null | string, config_var: null | string, reason: null | string, state: ReferenceState}
  summary: {
    all_in_sync: boolean
    in_sync: number
    latest: null | string
    peers_agree: boolean | null
    states: Record<HolderState, number>
    total: number
  }
}

export interface StatusDocument {
  keys: KeyStatusJson[]
  summary: {all_in_sync: boolean, in_sync: number, keys: number, total: number}
}

function keysJson(keys: KeyPrints | undefined): KeysJson {
  return {latest: keys?.latest ?? null, previous: keys?.previous ?? null, standard: keys?.standard ?? null}
}

function dynosJson(outcome: DynoOutcome): DynosJson | {error: string} {
  if ('error' in outcome) return {error: outcome.error}
  const {currentRelease, down, notDeployed, onCurrentKey, oneOff, prebootUntil, releaseUnknown, stale, total} = outcome.report
  return {
    current_release: currentRelease,
    down,
    newest_release: notDeployed ?? null,
    on_current_key: onCurrentKey,
    one_off: oneOff,
    preboot_until: prebootUntil ?? null,
    release_unknown: releaseUnknown,
    stale: stale.map(group => ({
      dynos: group.dynos, ...keysJson(group.keys), reason: group.reason ?? null, release: group.release, state: group.state,
    })),
    total,
  }
}

function historyJson(outcome: HistoryOutcome): HistoryJson | {error: string} {
  if ('error' in outcome) return {error: outcome.error}
  const {intervalDays, lastChange, nextExpected, requests, searched} = outcome.history
  return {
    interval_days: intervalDays ?? null,
    last_change: lastChange
      ? {
        at: lastChange.at, kind: lastChange.kind, latest: lastChange.latest, release: lastChange.release, replaced: lastChange.replaced ?? null,
      }
      : null,
    next_expected: nextExpected ?? null,
    requests,
    searched_releases: searched,
  }
}

function keyStatusJson(status: KeyStatus): KeyStatusJson {
  const {comparison: {holders, reference, summary}} = status
  const json: KeyStatusJson = {
    apps: holders.map((holder, index) => ({
      app: holder.app,
      attachment: holder.attachment,
      config_var: holder.configVar,
      ...keysJson(holder.keys),
      ...(status.dynos ? {dynos: dynosJson(status.dynos[index])} : {}),
      owner: holder.owner,
      reason: holder.reason ?? null,
      state: holder.state,
    })),
    key: keyJson(status.key),
    owner: {
      app: reference.app,
      attachment: reference.attachment ?? null,
      config_var: reference.configVar ?? null,
      ...keysJson(reference.keys),
      reason: reference.reason ?? null,
      state: reference.state,
    },
    summary: {
      all_in_sync: allInSync(summary),
      in_sync: summary.inSync,
      latest: summary.latest ?? null,
      peers_agree: summary.peersAgree ?? null,
      states: summary.states,
      total: summary.total,
    },
  }
  if (status.history) json.history = historyJson(status.history)
  return json
}

/** The --json document (its shape is documented in docs/json.md). */
export function statusDocument(statuses: readonly KeyStatus[]): StatusDocument {
  const keys = statuses.map(status => keyStatusJson(status))
  const total = keys.reduce((sum, key) => sum + key.summary.total, 0)
  const inSync = keys.reduce((sum, key) => sum + key.summary.in_sync, 0)
  return {
    keys,
    summary: {
      all_in_sync: keys.every(key => key.summary.all_in_sync), in_sync: inSync, keys: keys.length, total,
    },
  }
}

/* eslint-enable camelcase */

const STATE_COLOURS: Record<HolderState, (text: string) => string> = {
  ahead: color.warning,
  behind: color.warning,
  diverged: color.failure,
  // eslint-disable-next-line camelcase
  in_sync: color.success,
  malformed: color.failure,
  missing: color.failure,
  staged: color.warning,
  unknown: color.warning,
  unreachable: color.failure,
}

export const stateLabel = (state: HolderState): string => STATE_COLOURS[state](STATE_LABELS[state])

function note(holder: HolderStatus): string {
  const parts = [
    holder.owner ? 'owner (reference)' : '',
    holder.state === 'in_sync' ? '' : holder.reason ?? '',
    holder.keys && !holder.keys.standard ? 'non-standard key text' : '',
  ]
  return parts.filter(Boolean).join('; ')
}

function header(status: KeyStatus): string {
  const {key} = status
  if (key.kind === 'self-managed') return `${color.name(key.configVar)} (owner ${color.app(key.owner)}, self-managed key, no add-on)`
  const details = [`owner ${color.app(key.owner)}`, key.addon.plan?.name ?? 'unknown plan', key.addon.state ?? 'unknown state']
  return `${color.addon(key.name)} (${details.join(', ')})`
}

const dynos = (count: number) => `${count} dyno${count === 1 ? '' : 's'}`

function staleWords(group: StaleDynos, configVar: string): string {
  switch (group.state) {
  case 'ahead': {
    return 'run a newer key than the owner\'s'
  }

  case 'behind': {
    return 'still run the previous key'
  }

  case 'diverged': {
    return 'run a key that matches neither of the owner\'s'
  }

  case 'in_sync': {
    return 'run the owner\'s current key (the app\'s config differs)'
  }

  case 'malformed': {
    return `run a malformed ${configVar}`
  }

  case 'missing': {
    return `run a release without ${configVar}`
  }

  case 'unreachable': {
    return `could not be checked (${group.reason})`
  }

  default: {
    return 'run another key than the app\'s config'
  }
  }
}

/** `service-2: 2 of 3 dynos still run the previous key (release v41)`, one line per older release that matters. */
export function dynoLines(holder: HolderStatus, outcome: DynoOutcome, label: string): string[] {
  if ('error' in outcome) return [`${label}: dynos not checked: ${outcome.error}`]
  const {report} = outcome
  if (report.total === 0) return [`${label}: no dynos running`, ...platformLines(report, holder.app, label)]
  if (report.stale.length === 0) {
    return [`${label}: ${report.total === 1 ? 'its dyno runs' : `all ${dynos(report.total)} run`} the key in its config (release v${report.currentRelease})`, ...platformLines(report, holder.app, label)]
  }

  return [
    ...report.stale.map(group => `${label}: ${group.dynos.length} of ${dynos(report.total)} ${staleWords(group, holder.configVar)} (release v${group.release}: ${group.dynos.join(', ')})`),
    ...platformLines(report, holder.app, label),
  ]
}

/** What the platform does to the dynos beside the key: an undeployed release, preboot, dynos down, one-off, unknown. */
function platformLines(report: DynoReport, app: string, label: string): string[] {
  const lines: string[] = []
  const {notDeployed} = report
  if (notDeployed?.status === 'failed') lines.push(`${label}: release v${notDeployed.version} failed its release phase: no dyno runs it (fix the release command, then heroku releases:retry -a ${app})`)
  else if (notDeployed) lines.push(`${label}: release v${notDeployed.version} is ${notDeployed.status} (its release phase runs; dynos boot on it once it succeeds)`)
  if (report.prebootUntil) lines.push(`${label}: preboot is on: the web dynos replaced by the last release may serve, unlisted, until ${report.prebootUntil.slice(11, 19)} UTC`)
  if (report.down.length > 0) lines.push(`${label}: ${report.down.map(dyno => `${dyno.dyno} ${dyno.state}`).join(', ')}: no process, no key; back on the newest release`)
  if (report.oneOff.length > 0) lines.push(`${label}: one-off ${report.oneOff.map(dyno => `${dyno.dyno} (v${dyno.release})`).join(', ')}: each keeps its release until it exits`)
  if (report.releaseUnknown.length > 0) lines.push(`${label}: ${report.releaseUnknown.join(', ')} do not say which release they run: their key cannot be known`)
  return lines
}

function ago(iso: string, now: number): string {
  const ms = now - Date.parse(iso)
  return ms >= 0 ? `${formatDuration(ms)} ago` : `in ${formatDuration(-ms)}`
}

export function historyLines(status: KeyStatus, now = Date.now()): string[] {
  const outcome = status.history
  if (!outcome) return []
  const owner = status.comparison.reference.app
  if ('error' in outcome) return [`History: not available: ${outcome.error}`]
  const {history} = outcome
  const plan = status.key.kind === 'addon' ? status.key.addon.plan?.name ?? 'its plan' : 'a self-managed key'
  const lines: string[] = []
  const change = history.lastChange
  if (change) {
    const what = change.kind === 'rotated' ? `Last rotation on ${color.app(owner)}` : `The key arrived on ${color.app(owner)} (provisioned or attached, no rotation since)`
    lines.push(`${what}: release v${change.release}, ${change.at} (${ago(change.at, now)}), LATEST ${change.latest}${change.replaced ? ` replacing ${change.replaced}` : ''}`)
  } else {
    lines.push(`No key change on ${color.app(owner)} in its last ${history.searched} releases`)
  }

  if (history.intervalDays === undefined) lines.push(`Next rotation: unknown (no known interval for ${plan})`)
  else if (history.nextExpected) {
    const overdue = Date.parse(history.nextExpected) < now
    const when = overdue ? `due since ${formatDuration(now - Date.parse(history.nextExpected))}` : ago(history.nextExpected, now)
    const every = `every ${history.intervalDays} day${history.intervalDays === 1 ? '' : 's'}`
    lines.push(`Next rotation expected: ${history.nextExpected} (${when}; ${plan}, ${every})`)
  } else {
    lines.push(`Next rotation: every ${history.intervalDays} days (${plan}), from a change older than the releases searched`)
  }

  return lines
}

function table(comparison: Comparison): void {
  const twice = someAppHoldsTwice(comparison.holders)
  const rows = comparison.holders.map(holder => ({
    app: color.app(holder.app),
    attachment: color.attachment(holder.attachment),
    configVar: holder.configVar,
    holder: twice ? `${color.app(holder.app)} ${color.attachment(holder.attachment)}` : color.app(holder.app),
    latest: holder.keys?.latest ?? '',
    note: note(holder),
    previous: holder.keys?.previous ?? '',
    state: stateLabel(holder.state),
  }))
  // A note too long for the terminal goes below the table, named by app (and attachment, when an app holds the key twice).
  hux.table(rows, {
    app: {header: 'App'},
    attachment: {header: 'Attachment'},
    configVar: {header: 'Config var'},
    latest: {header: 'LATEST'},
    previous: {header: 'PREVIOUS'},
    state: {header: 'State'},
    // eslint-disable-next-line perfectionist/sort-objects
    note: {header: 'Note'},
  }, {below: {column: 'note', label: 'holder'}, optional: ['attachment', 'configVar', 'previous']})
}

/** The human view of every key. */
export function renderStatus(statuses: readonly KeyStatus[]): void {
  for (const [index, status] of statuses.entries()) {
    if (index > 0) ux.stdout('')
    hux.styledHeader(header(status))
    table(status.comparison)
    hux.printLines([summaryLine(status.comparison)])
    if (status.dynos) {
      const twice = someAppHoldsTwice(status.comparison.holders)
      const lines = status.comparison.holders.flatMap((holder, row) => dynoLines(holder, status.dynos![row], twice ? `${holder.app} ${holder.attachment}` : holder.app))
      if (lines.length > 0) hux.printLines(['', 'Dynos:', ...lines.map(line => `  ${line}`)])
    }

    const history = historyLines(status)
    if (history.length > 0) hux.printLines(['', ...history])
  }
}

/** The spinner's status while --wait polls: `2/3 in sync, next poll in 3s`. */
export function waitStatus(statuses: readonly KeyStatus[], nextDelayMs: number | undefined): string {
  const total = statuses.reduce((sum, status) => sum + status.comparison.summary.total, 0)
  const inSync = statuses.reduce((sum, status) => sum + status.comparison.summary.inSync, 0)
  const holders = statuses.flatMap(status => status.comparison.holders)
  const others = STATES.filter(state => state !== 'in_sync')
  .flatMap(state => holders.filter(holder => holder.state === state).map(holder => `${holder.app} ${STATE_LABELS[state]}`))
  return `${inSync}/${total} in sync${others.length > 0 ? ` (${[...new Set(others)].join(', ')})` : ''}${nextDelayMs === undefined ? '' : `, next check in ${formatDuration(nextDelayMs)}`}`
}
