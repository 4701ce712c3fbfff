/**
 * What securekey:status --all shows: one line per key, then what to do about overdue keys, the apps that could not be
 * read and whether the reads stopped; and the --json document. Fingerprints only: no config value reaches this file.
 */
import * as color from '@heroku/heroku-cli-util/color'

import type {
  FleetKey, FleetReport, KeyAge, OverallState,
} from './fleet.js'

import {formatDuration} from '../core/duration.js'
import * as hux from '../core/table.js'
import {type HolderState, STATE_LABELS} from '../key/compare.js'
import {type KeyJson, keyJson, type KeyKind} from '../key/model.js'

const DAY_MS = 86_400_000

/* eslint-disable camelcase */

export interface FleetHolderJson {
  app: string
  attachment: string
  config_var: string
  latest: null | string
  owner: boolean
  previous: null | string
  reason: null | string
  standard: boolean | null
  state: HolderState
}

export interface FleetKeyJson {
  /** What to do next: for an overdue key, the move to a self-managed key or the rotate command. */
  advice: null | string
  age: {
    /** Whole days; null when unknown. */
    age_days: null | number
    /** True when LATEST is at least that old (older than the releases searched). */
    at_least: boolean
    changed_at: null | string
    error: null | string
    max_age_days: number
    overdue: boolean
    source: 'record' | 'releases'
  }
  holders: FleetHolderJson[]
  /** The key, in the shape every command's --json gives it. */
  key: KeyJson
  /** The owner's LATEST fingerprint, when it could be read. */
  latest: null | string
  not_in_sync: Array<{app: string, config_var: string, reason: null | string, state: HolderState}>
  rotation: null | {new: string, phase: string, started_at: string}
  state: OverallState
  team: null | string
}

export interface FleetDocument {
  keys: FleetKeyJson[]
  /** --max-age in whole days (null: each key's default). */
  max_age_days: null | number
  stopped: null | {rate_limit_remaining: number, reason: string}
  summary: {
    apps: number
    apps_read: number
    healthy: boolean
    in_sync: number
    keys: number
    not_in_sync: number
    overdue: number
  }
  team: null | string
  unreadable_apps: Array<{app: string, reason: string}>
}

const days = (ms: number): number => Math.round((ms / DAY_MS) * 100) / 100

const KIND_LABELS: Record<KeyKind, string> = {addon: 'add-on', 'self-managed': 'self-managed'}

/** What to do about an overdue key: move off a stalled add-on, or rotate a self-managed key. */
export function adviceFor(key: FleetKey): string | undefined {
  if (!key.age.overdue) return undefined
  const age = `LATEST is ${key.age.atLeast ? 'at least ' : ''}${formatDuration(key.age.ageMs ?? 0)} old, over ${formatDuration(key.age.maxAgeMs)}`
  if (key.kind === 'self-managed') return `${age}: rotate it with heroku securekey:rotate -a ${key.owner}`
  const name = key.addon?.name ?? 'the add-on'
  const move = [
    `heroku securekey:provision -a ${key.owner} --self-managed --as <NAME>`,
    'attach it with --as to every holder, switch the apps to the new variable',
    `then heroku securekey:teardown -a ${key.owner} (docs/rotation.md: "Moving from the add-on to a self-managed key")`,
  ]
  return `${age}: the provider seems to have stopped rotating ${name}. Move to a self-managed key: ${move.join(', ')}`
}

function ageJson(age: KeyAge): FleetKeyJson['age'] {
  return {
    age_days: age.ageMs === undefined ? null : Math.floor(age.ageMs / DAY_MS),
    at_least: age.atLeast ?? false,
    changed_at: age.changedAt ?? null,
    error: age.error ?? null,
    max_age_days: days(age.maxAgeMs),
    overdue: age.overdue,
    source: age.source,
  }
}

/** The key model's --json shape; a self-managed key whose owner could not be read has no record, but the same fields. */
function fleetKeyJson(key: FleetKey): KeyJson {
  if (key.kind === 'addon' && key.addon) {
    return keyJson({
      addon: key.addon, configVar: key.configVar, kind: 'addon', name: key.addon.name ?? key.addon.id ?? 'unnamed add-on', owner: key.owner,
    })
  }

  if (key.record) return keyJson({
    configVar: key.configVar, kind: 'self-managed', name: key.configVar, owner: key.owner, record: key.record,
  })
  return {
    addon: null, config_var: key.configVar, kind: key.kind, name: key.configVar, owner: key.owner,
  }
}

function keyDocument(key: FleetKey): FleetKeyJson {
  const {comparison, record} = key
  return {
    advice: adviceFor(key) ?? null,
    age: ageJson(key.age),
    holders: comparison.holders.map(holder => ({
      app: holder.app,
      attachment: holder.attachment,
      config_var: holder.configVar,
      latest: holder.keys?.latest ?? null,
      owner: holder.owner,
      previous: holder.keys?.previous ?? null,
      reason: holder.reason ?? null,
      standard: holder.keys?.standard ?? null,
      state: holder.state,
    })),
    key: fleetKeyJson(key),
    latest: comparison.summary.latest ?? null,
    not_in_sync: key.notInSync.map(holder => ({
      app: holder.app, config_var: holder.configVar, reason: holder.reason ?? null, state: holder.state,
    })),
    rotation: record?.rotation ? {new: record.rotation.new, phase: record.rotation.phase, started_at: record.rotation.started_at} : null,
    state: key.state,
    team: key.team ?? null,
  }
}

export function fleetDocument(report: FleetReport): FleetDocument {
  const keys = report.keys.map(key => keyDocument(key))
  const inSync = keys.filter(key => key.state === 'in_sync').length
  return {
    keys,
    max_age_days: report.maxAgeMs === undefined ? null : days(report.maxAgeMs),
    stopped: report.stopped ? {rate_limit_remaining: report.stopped.rateLimitRemaining, reason: report.stopped.reason} : null,
    summary: {
      apps: report.apps.listed,
      apps_read: report.apps.read,
      healthy: !report.stopped && keys.every(key => key.state === 'in_sync' && !key.age.overdue),
      in_sync: inSync,
      keys: keys.length,
      not_in_sync: keys.length - inSync,
      overdue: keys.filter(key => key.age.overdue).length,
    },
    team: report.team ?? null,
    unreadable_apps: report.unreadable,
  }
}

/* eslint-enable camelcase */

const OVERALL_LABELS: Record<OverallState, string> = {
  behind: color.warning('behind'),
  diverged: color.failure('diverged'),
  // eslint-disable-next-line camelcase
  in_sync: color.success('in sync'),
  missing: color.failure('missing'),
  staged: color.warning('staged'),
  unreachable: color.failure('unreachable'),
}

/** `behind: service-47` or `diverged: service-3, service-5 (behind)`: the apps not in sync, each state named when it differs. */
export function stateText(key: FleetKey): string {
  if (key.notInSync.length === 0) return OVERALL_LABELS[key.state]
  const apps = [...new Map(key.notInSync.map(holder => [holder.app, holder.state])).entries()].map(([app, state]) => {
    const own = STATE_LABELS[state]
    return own === STATE_LABELS[key.state as HolderState] ? app : `${app} (${own})`
  })
  return `${OVERALL_LABELS[key.state]}: ${apps.join(', ')}`
}

function ageText(age: KeyAge): string {
  if (age.ageMs === undefined) return 'unknown'
  return `${age.atLeast ? '≥ ' : ''}${formatDuration(age.ageMs)}`
}

/** One line saying what the report covers and how it stands. */
export function summaryText(report: FleetReport): string {
  const document = fleetDocument(report)
  const {summary} = document
  const scope = report.team ? `team ${report.team}` : 'every app this account can see'
  const parts = [`${summary.keys} shared key${summary.keys === 1 ? '' : 's'} on ${summary.apps} apps (${scope})`, `${summary.in_sync} in sync`]
  if (summary.not_in_sync > 0) parts.push(`${summary.not_in_sync} not in sync`)
  if (summary.overdue > 0) parts.push(`${summary.overdue} overdue`)
  if (report.unreadable.length > 0) parts.push(`${report.unreadable.length} app${report.unreadable.length === 1 ? '' : 's'} unreadable`)
  return parts.join(', ')
}

/** The human view. */
export function renderFleet(report: FleetReport): void {
  hux.styledHeader(summaryText(report))
  if (report.keys.length > 0) {
    hux.table(report.keys.map(key => ({
      addon: key.addon?.name ? color.addon(key.addon.name) : '',
      age: ageText(key.age),
      configVar: key.configVar,
      holders: String(key.comparison.holders.length),
      kind: KIND_LABELS[key.kind],
      overdue: key.age.overdue ? color.failure(`overdue (max ${formatDuration(key.age.maxAgeMs)})`) : '',
      owner: color.app(key.owner),
      state: stateText(key),
    })), {
      /* eslint-disable perfectionist/sort-objects -- the columns in reading order; the state, which can be long, last */
      owner: {header: 'Owner'},
      configVar: {header: 'Config var'},
      kind: {header: 'Kind'},
      addon: {header: 'Add-on'},
      holders: {header: 'Holders'},
      age: {header: 'LATEST age'},
      overdue: {header: 'Overdue'},
      state: {header: 'State'},
      /* eslint-enable perfectionist/sort-objects */
    }, {optional: ['addon', 'holders', 'overdue', 'configVar']})
  }

  // The header and the table each end on a blank line; the sections below are set apart by one.
  const overdue = report.keys.filter(key => key.age.overdue)
  const sections = [
    overdue.length > 0 ? ['Overdue:', ...overdue.map(key => `  ${key.owner} ${key.configVar}: ${adviceFor(key)}`)] : [],
    report.unreadable.length > 0 ? ['Could not read (keys only these apps hold cannot be listed):', ...report.unreadable.map(({app, reason}) => `  ${color.app(app)}: ${reason}`)] : [],
    report.stopped ? [`Incomplete: ${report.stopped.reason}. The report covers the apps read; run it again later.`] : [],
  ].filter(section => section.length > 0)
  if (sections.length > 0) hux.printLines(sections.flatMap((section, index) => (index > 0 ? ['', ...section] : section)))
}
