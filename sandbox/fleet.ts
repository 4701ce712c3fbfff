/* eslint-disable camelcase -- the plugin's record format is snake_case JSON */
/**
 * A seeded fleet: many apps sharing many keys, add-on and self-managed alike, for `securekey:status --all`, the demo
 * and the benchmark. Deterministic with the sandbox's seed: the same apps get the same keys, states and ages.
 *
 * Over the apps that hold nothing yet, in creation order: every fifth app holds no key; the others are grouped into
 * keys of 2 to 4 holders (an owner and its peers), add-on and self-managed in turn. Each key gets the next scenario
 * of its kind (so a fleet of 40 apps already shows every one):
 *   add-on:       in_sync, behind, overdue, diverged, missing
 *   self-managed: in_sync, staged, behind, overdue, diverged, missing, unreachable (once: its last peer is view-only)
 * Keys 1, 4, 7... (every third) are wholly in the team `payments`; keys 4, 10, 16... have only their owner there.
 *
 * Time: the clock is moved 45 days back, every add-on and the overdue self-managed keys are made then, the clock
 * walks forward a day at a time (the provider rotates each add-on every 14 days: at -31, -17 and -3 days, so LATEST
 * is 3 days old), the other self-managed keys are made at -10 days, and the clock ends where it started. An overdue
 * add-on's provider has stopped rotating it (LATEST 45 days old); an overdue self-managed key's record says it
 * changed 45 days ago. The states out of sync are written last, directly (see docs/sandbox.md, "A fleet").
 *
 * Self-managed keys are written as the plugin writes them (one `config:set` release each): the key var
 * "LATEST,PREVIOUS" and `<VAR>_RECORD` on the owner `{v: 1, owner, var, holders: [{app, var}], changed_at, rotation?}`,
 * a pointer `{v: 1, owner, var}` on each peer. This file builds those records itself: the sandbox imports nothing
 * from the plugin.
 */
import {createHmac} from 'node:crypto'

import type {Platform} from './platform.js'
import type {AddonRecord, AppRecord} from './state.js'

import {findPlan} from './catalog.js'
import {DAY_MS} from './provider.js'
import {randomness} from './random.js'

export type FleetScenario = 'behind' | 'diverged' | 'in_sync' | 'missing' | 'overdue' | 'staged' | 'unreachable'

export interface FleetKey {
  /** The add-on's name (add-on keys). */
  addon?: string
  /** Every holder, the owner first. */
  holders: string[]
  kind: 'addon' | 'self-managed'
  /** The holder made out of sync (behind, diverged, missing, unreachable), when one is. */
  odd?: string
  owner: string
  scenario: FleetScenario
  /** The owner's config var. */
  var: string
}

export interface FleetSummary {
  /** Apps of the fleet that hold no key. */
  idle: string[]
  keys: FleetKey[]
  /** Apps by team. */
  teams: Record<string, string[]>
  /** Apps the account sees but whose config it cannot read. */
  viewOnly: string[]
}

export interface FleetOptions {
  /** Apps to add first (service-K...), before seeding over every app that holds nothing yet. */
  apps?: number
}

export const FLEET_TEAM = 'payments'
const ADDON_SCENARIOS: FleetScenario[] = ['in_sync', 'behind', 'overdue', 'diverged', 'missing']
const SELF_SCENARIOS: FleetScenario[] = ['in_sync', 'staged', 'behind', 'overdue', 'diverged', 'missing', 'unreachable']
const START_DAYS = 45
const SELF_MANAGED_DAYS = 10

interface OwnerRecord {
  changed_at: string
  holders: Array<{app: string, var: string}>
  owner: string
  rotation?: {from: string, new: string, phase: 'staged', started_at: string}
  v: 1
  var: string
}

const pointer = (owner: string, keyVar: string, staged = false) => JSON.stringify({
  owner, ...(staged ? {rotation: {phase: 'staged'}} : {}), v: 1, var: keyVar,
})

/** skfp1, as docs/key-format.md defines it (for a staged rotation's record, which names the new key by it). */
const fingerprint = (key: string): string => `skfp1:${createHmac('sha256', Buffer.from(key, 'hex')).update('heroku-securekey/fingerprint/v1').digest('hex').slice(0, 16)}`

const peerVar = (owner: string): string => `${owner.toUpperCase().replaceAll(/[^A-Z0-9]/g, '_')}_SECURE_KEY`

interface Planned {
  apps: AppRecord[]
  kind: FleetKey['kind']
  scenario: FleetScenario
}

/**
 * Which apps make which key, in creation order over the apps holding nothing yet (see above): idle apps, keys of 2
 * to 4 holders with their kind and scenario, and the team.
 */
function planFleet(state: Platform['state'], random: ReturnType<typeof randomness>): {idle: AppRecord[], planned: Planned[]} {
  const free = [...state.apps.values()].filter(app => !app.forbidden && state.attachmentsOn(app).length === 0 && !Object.keys(app.config).some(name => name.endsWith('_KEY')))
  const idle: AppRecord[] = []
  const planned: Planned[] = []
  const counters = {addon: 0, 'self-managed': 0}
  let unreachableUsed = false
  for (let cursor = 0; cursor < free.length;) {
    const slot = idle.length + planned.length
    if (slot % 5 === 4 || free.length - cursor < 2) {
      idle.push(free[cursor++])
      continue
    }

    const size = Math.min(2 + random.int(3), free.length - cursor)
    const kind: FleetKey['kind'] = planned.length % 2 === 0 ? 'addon' : 'self-managed'
    const cycle = kind === 'addon' ? ADDON_SCENARIOS : SELF_SCENARIOS
    let scenario = cycle[counters[kind]++ % cycle.length]
    if (scenario === 'unreachable') {
      if (unreachableUsed) scenario = 'in_sync'
      unreachableUsed = true
    }

    planned.push({apps: free.slice(cursor, cursor + size), kind, scenario})
    cursor += size
  }

  for (const [index, key] of planned.entries()) {
    if (index % 3 === 1) for (const app of key.apps) app.team = FLEET_TEAM
    if (index % 6 === 4) key.apps[0].team = FLEET_TEAM
  }

  for (const app of idle) if (random.int(4) === 0) app.team = FLEET_TEAM
  return {idle, planned}
}

/** Seeds the fleet (see above) and says what it made: names, holders and scenarios, never a key value. */
export async function seedFleet(platform: Platform, options: FleetOptions = {}): Promise<FleetSummary> {
  const {rotations, state} = platform
  const random = randomness(platform.settings.seed, 'fleet')
  if (options.apps) {
    const taken = [...state.apps.values()].map(app => Number(app.name.match(/^service-(\d+)$/)?.[1] ?? 0))
    const first = Math.max(0, ...taken) + 1
    for (let i = 0; i < options.apps; i++) state.addApp(`service-${first + i}`)
  }

  const {idle, planned} = planFleet(state, random)
  // Whatever the clock was, it is again at the end: back 45 days now, forward a day at a time below.
  state.advanceClock(-START_DAYS * DAY_MS)
  const addons = makeAddonKeys(platform, planned, random)
  const snapshots = new Map<Planned, string>()
  for (let day = START_DAYS; day > 0; day--) {
    if (day === SELF_MANAGED_DAYS) {
      for (const key of planned) if (key.kind === 'self-managed' && key.scenario !== 'overdue') writeSelfManaged(platform, key, random)
    }

    // The add-on value a behind peer keeps: the one before the last rotation (at -3 days).
    if (day === 4) {
      for (const key of planned) if (key.kind === 'addon' && key.scenario === 'behind') snapshots.set(key, key.apps.at(-1)!.config[peerVar(key.apps[0].name)])
    }

    // eslint-disable-next-line no-await-in-loop
    await rotations.advanceClock(DAY_MS)
  }

  const keys = planned.map((key): FleetKey => {
    const [owner] = key.apps
    const odd = key.apps.at(-1)!
    const summary: FleetKey = {
      holders: key.apps.map(app => app.name), kind: key.kind, owner: owner.name, scenario: key.scenario, var: 'SECURE_KEY',
    }
    if (key.kind === 'addon') {
      summary.addon = addons.get(key)!.name
      unsettle(platform, key, snapshots.get(key), random)
    } else {
      settleSelfManaged(platform, key, random)
    }

    if (['behind', 'diverged', 'missing', 'unreachable'].includes(key.scenario)) summary.odd = odd.name
    return summary
  })

  const teams: Record<string, string[]> = {}
  for (const app of state.apps.values()) if (app.team) (teams[app.team] ??= []).push(app.name)
  return {
    idle: idle.map(app => app.name),
    keys,
    teams,
    viewOnly: [...state.apps.values()].filter(app => app.viewOnly).map(app => app.name),
  }
}

/** At the start (-45 days): every add-on key (provision, then attach each peer) and the overdue self-managed keys. */
function makeAddonKeys(platform: Platform, planned: Planned[], random: ReturnType<typeof randomness>): Map<Planned, AddonRecord> {
  const addons = new Map<Planned, AddonRecord>()
  const plan = findPlan('securekey:fortnightly')!
  for (const key of planned) {
    if (key.kind === 'addon') {
      const [owner, ...peers] = key.apps
      const addon = platform.lifecycle.provision(owner, plan, {})
      for (const peer of peers) platform.lifecycle.attach(addon, peer, {name: peerVar(owner.name).replace(/_KEY$/, '')})
      if (key.scenario === 'overdue') addon.rotationStopped = true
      addons.set(key, addon)
    } else if (key.scenario === 'overdue') {
      writeSelfManaged(platform, key, random)
    }
  }

  return addons
}

const newKey = (random: ReturnType<typeof randomness>): string => random.bytes(32).toString('hex').toUpperCase()

/** Provision on the owner (key and record, one release), then each peer (key and pointer), then the owner's record. */
function writeSelfManaged(platform: Platform, key: Planned, random: ReturnType<typeof randomness>): void {
  const {state} = platform
  const [owner, ...peers] = key.apps
  const value = `${newKey(random)},${newKey(random)}`
  const record: OwnerRecord = {
    changed_at: new Date(state.now()).toISOString(), holders: [], owner: owner.name, v: 1, var: 'SECURE_KEY',
  }
  state.setConfigVars(owner, {SECURE_KEY: value, SECURE_KEY_RECORD: JSON.stringify(record)})
  for (const peer of peers) state.setConfigVars(peer, {[`${peerVar(owner.name)}_RECORD`]: pointer(owner.name, 'SECURE_KEY'), [peerVar(owner.name)]: value})
  record.holders = peers.map(peer => ({app: peer.name, var: peerVar(owner.name)}))
  state.setConfigVars(owner, {SECURE_KEY_RECORD: JSON.stringify(record)})
}

/** The add-on's out-of-sync peer, written directly: an old value kept, another key, or the var gone. */
function unsettle(platform: Platform, key: Planned, snapshot: string | undefined, random: ReturnType<typeof randomness>): void {
  const odd = key.apps.at(-1)!
  const name = peerVar(key.apps[0].name)
  const by = `Update ${name} by securekey`
  if (key.scenario === 'behind' && snapshot) platform.state.changeConfig(odd, {[name]: snapshot}, by)
  if (key.scenario === 'diverged') platform.state.changeConfig(odd, {[name]: `${newKey(random)},${newKey(random)}`}, by)
  if (key.scenario === 'missing') platform.state.changeConfig(odd, {[name]: null}, `Remove ${name}`, {always: true})
}

/** Where a self-managed key stands now: a staged or half-applied rotation, a peer overwritten, emptied or unreadable. */
function settleSelfManaged(platform: Platform, key: Planned, random: ReturnType<typeof randomness>): void {
  const {state} = platform
  const [owner, ...peers] = key.apps
  const odd = peers.at(-1)!
  const name = peerVar(owner.name)
  const [current] = owner.config.SECURE_KEY.split(',')
  const record = JSON.parse(owner.config.SECURE_KEY_RECORD) as OwnerRecord
  switch (key.scenario) {
  case 'behind': {
    // A rotation promoted everywhere but on the last peer, two days ago by its record.
    const value = `${newKey(random)},${current}`
    const now = new Date(state.now() - (2 * DAY_MS)).toISOString()
    state.setConfigVars(owner, {SECURE_KEY: value, SECURE_KEY_RECORD: JSON.stringify({...record, changed_at: now})})
    for (const peer of peers.slice(0, -1)) state.setConfigVars(peer, {[name]: value})
    break
  }

  case 'diverged': {
    state.setConfigVars(odd, {[name]: `${newKey(random)},${newKey(random)}`})
    break
  }

  case 'missing': {
    state.setConfigVars(odd, {[name]: null})
    break
  }

  case 'staged': {
    const next = newKey(random)
    const value = `${current},${next}`
    const rotation = {
      from: fingerprint(current), new: fingerprint(next), phase: 'staged' as const, started_at: new Date(state.now()).toISOString(),
    }
    state.setConfigVars(owner, {SECURE_KEY: value, SECURE_KEY_RECORD: JSON.stringify({...record, rotation})})
    for (const peer of peers) state.setConfigVars(peer, {[`${name}_RECORD`]: pointer(owner.name, 'SECURE_KEY', true), [name]: value})
    break
  }

  case 'unreachable': {
    odd.viewOnly = true
    break
  }

  default:
  }
}
