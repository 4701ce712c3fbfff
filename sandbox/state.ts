import type {Timers} from './timers.js'

import {type AppFeatureState, FEATURES, PREBOOT} from './features.js'
import {randomness, type Randomness} from './random.js'
import {RestartQueue} from './restarts.js'

export interface AccountRecord {
  createdAt: string
  email: string
  id: string
  name: string
}

/** `pending` while the app's release command runs; no dyno boots on a release that is not `succeeded`. */
export type ReleaseStatus = 'failed' | 'pending' | 'succeeded'

export interface ReleaseRecord {
  addonPlanNames: string[]
  /** The app's config as of this release. */
  config: Record<string, string>
  createdAt: string
  description: string
  id: string
  slugId: null | string
  status: ReleaseStatus
  updatedAt: string
  version: number
}

/** The app's release command: each user config change runs it in `release.N` for `delayMs` (sandbox clock), then it succeeds or fails. */
export interface ReleasePhase {
  command?: string
  delayMs?: number
  outcome: 'fail' | 'succeed'
}

/**
 * Preboot timing, on the sandbox clock: a new web dyno is `starting` for `bootMs`, then `up`; the old
 * one it replaces keeps serving, unlisted, for `windowMs`, then stops. `enabled` turns the feature on or off.
 */
export interface PrebootSettings {
  bootMs?: number
  enabled?: boolean
  windowMs?: number
}

export const DEFAULT_PREBOOT_WINDOW_MS = 180_000
export const DEFAULT_PREBOOT_BOOT_MS = 5000
/** How long a crashed dyno stays `crashed` before the platform restarts it, unless the call says otherwise. */
export const DEFAULT_CRASH_RESTART_MS = 10_000

/** The states a control call may put a formation dyno in. */
export type SettableDynoState = 'crashed' | 'idle' | 'starting' | 'up'
const SETTABLE_STATES = new Set<string>(['crashed', 'idle', 'starting', 'up'])

export interface DynoRecord {
  command: string
  createdAt: string
  /** A held dyno keeps running its release while new ones are made. */
  held: boolean
  id: string
  name: string
  releaseId: string
  releaseVersion: number
  size: string
  state: string
  type: string
  updatedAt: string
}

/** After a release, each formation dyno restarts onto it after a delay drawn in [minMs, maxMs]. */
export interface RestartDelay {
  maxMs: number
  minMs: number
  /** Default: the sandbox's seed (or a fixed one), so the draws are the same run after run. */
  seed?: number | string
}

/**
 * A change that can change which config a running dyno has. `version` is the release made, or the
 * release the dyno runs (for `dyno-stopped`, the one it ran).
 */
export interface SandboxEvent {
  app: string
  dyno?: string
  /** For `dyno-state`: the state the dyno is in now. */
  state?: string
  type: 'dyno-restarted' | 'dyno-started' | 'dyno-state' | 'dyno-stopped' | 'release' | 'release-failed' | 'release-succeeded'
  /** True for a dyno `GET /apps/{app}/dynos` does not list: an old web dyno still serving under preboot. */
  unlisted?: true
  version: number
}

export type SandboxEventListener = (event: SandboxEvent) => void

export type OneOffType = 'run' | 'scheduler'

/** One-off dynos (`heroku run`, Heroku Scheduler, the release command) keep the release they started on until they end. */
const ONE_OFF_TYPES = new Set<string>(['release', 'run', 'scheduler'])

/** A dyno whose process runs: it may sign and check calls. Crashed and idle ones do not run. */
export const isRunning = (dyno: DynoRecord): boolean => dyno.state === 'up' || dyno.state === 'starting'

const isOneOff = (dyno: DynoRecord): boolean => ONE_OFF_TYPES.has(dyno.type)

interface RestartPolicy {
  delay: RestartDelay
  /** One stream per app, so a release on one app does not shift the draws of another. */
  streams: Map<string, Randomness>
}

export interface AppRecord {
  config: Record<string, string>
  createdAt: string
  dynos: DynoRecord[]
  /** By feature name. */
  features: Map<string, AppFeatureState>
  /** Exists, but this account may not see it (403). */
  forbidden: boolean
  id: string
  name: string
  /** Own preboot timing (falls back to the sandbox's default). */
  preboot: PrebootSettings
  releasePhase?: ReleasePhase
  releases: ReleaseRecord[]
  /** Dynos answer `release: null` (a Fir app), though each still runs one. */
  releaseUnknown: boolean
  /** The team the app belongs to (GET /teams/{team}/apps), when any. */
  team?: string
  /** Old web dynos still serving after preboot started their replacements; `GET /apps/{app}/dynos` does not list them. */
  unlistedDynos: DynoRecord[]
  updatedAt: string
  /**
   * Listed and shown (GET /apps, the app, its add-ons and attachments), but its config vars and releases' config
   * answer 403: what a team member with only the `view` permission sees.
   */
  viewOnly?: boolean
}

export type AddonState = 'deprovisioned' | 'deprovisioning' | 'provisioned' | 'provisioning'

export interface AddonRecord {
  appId: string
  /** The provider's vars by suffix (`KEY` → "LATEST,PREVIOUS"); attachments prefix them with their name. */
  config: Record<string, string>
  createdAt: string
  id: string
  name: string
  planName: string
  providerId: string
  /** Sandbox-clock time (ms) of the last provision or rotation. */
  rotatedAt: number
  /** The provider has stopped rotating this add-on: advancing the clock leaves it alone. */
  rotationStopped?: boolean
  serviceName: string
  state: AddonState
  updatedAt: string
}

export interface AttachmentRecord {
  addonId: string
  appId: string
  createdAt: string
  id: string
  name: string
  namespace: null | string
  updatedAt: string
}

const INITIAL_CONFIG: Record<string, string> = {
  LANG: 'en_US.UTF-8',
  NODE_ENV: 'production',
}

/** What a user's `heroku config:set` / `config:unset` writes in the release list. */
function describeConfigChange(changes: Record<string, null | string>): string {
  const set = Object.keys(changes).filter(name => changes[name] !== null)
  const removed = Object.keys(changes).filter(name => changes[name] === null)
  return [
    set.length > 0 ? `Set ${set.join(', ')} config vars` : '',
    removed.length > 0 ? `Remove ${removed.join(', ')} config vars` : '',
  ].filter(Boolean).join('; ') || 'Set config vars'
}

const INITIAL_DYNOS = [
  {command: 'npm start', name: 'web.1', type: 'web'},
  {command: 'npm start', name: 'web.2', type: 'web'},
  {command: 'node worker.js', name: 'worker.1', type: 'worker'},
]

/**
 * The whole emulated account: apps with their config, releases and dynos, add-ons and attachments,
 * and the sandbox clock. Every config change goes through `changeConfig`, which is where a release is
 * made and the dynos restart: the rule the rest of the sandbox relies on.
 */
export class SandboxState {
  readonly account: AccountRecord
  readonly addons = new Map<string, AddonRecord>()
  readonly apps = new Map<string, AppRecord>()
  readonly attachments = new Map<string, AttachmentRecord>()
  readonly ids: Randomness
  readonly keys: Randomness
  readonly names: Randomness
  private readonly appRestartPolicies = new Map<string, RestartPolicy>()
  private readonly appsByName = new Map<string, AppRecord>()
  private clockOffsetMs = 0
  /** The platform's own delays (preboot, release phase, crash restarts), on the sandbox clock. */
  private readonly clockQueue: RestartQueue
  private defaultPreboot: PrebootSettings = {}
  private defaultRestartPolicy?: RestartPolicy
  private readonly listeners = new Set<SandboxEventListener>()
  private readonly oneOffCounts = new Map<string, number>()
  /** Late restarts, by dyno id. */
  private readonly restarts: RestartQueue

  constructor(
    private readonly seed: number | string | undefined,
    timers: Timers,
  ) {
    this.restarts = new RestartQueue(timers)
    this.clockQueue = new RestartQueue(timers, () => this.now())
    this.ids = randomness(seed, 'ids')
    this.names = randomness(seed, 'names')
    this.keys = randomness(seed, 'keys')
    this.account = {
      createdAt: '2020-01-01T00:00:00Z',
      email: 'sandbox@example.com',
      id: this.ids.uuid(),
      name: 'Sandbox User',
    }
  }

  /** Creates an app with the usual config, three releases and three dynos on the last one. */
  addApp(name: string, forbidden = false): AppRecord {
    const existing = this.appsByName.get(name)
    if (existing) return existing
    const now = this.iso()
    const app: AppRecord = {
      config: {},
      createdAt: now,
      dynos: [],
      features: new Map(FEATURES.map(feature => [feature.name, {enabled: feature.name === PREBOOT && this.defaultPreboot.enabled === true, updatedAt: now}])),
      forbidden,
      id: this.ids.uuid(),
      name,
      preboot: {},
      releases: [],
      releaseUnknown: false,
      unlistedDynos: [],
      updatedAt: now,
    }
    this.apps.set(app.id, app)
    this.appsByName.set(name, app)
    this.makeRelease(app, 'Initial release', {}, {slugId: null})
    this.makeRelease(app, `Set ${Object.keys(INITIAL_CONFIG).join(', ')} config vars`, {...INITIAL_CONFIG}, {slugId: null})
    const release = this.makeRelease(app, 'Deploy 6f1c2a9e', {...INITIAL_CONFIG}, {slugId: this.ids.uuid()})
    app.dynos = INITIAL_DYNOS.map(dyno => ({
      ...dyno,
      createdAt: now,
      held: false,
      id: this.ids.uuid(),
      releaseId: release.id,
      releaseVersion: release.version,
      size: 'Basic',
      state: 'up',
      updatedAt: now,
    }))
    for (const dyno of app.dynos) this.emit({
      app: app.name, dyno: dyno.name, type: 'dyno-started', version: release.version,
    })
    return app
  }

  addonsOwnedBy(app: AppRecord): AddonRecord[] {
    return [...this.addons.values()].filter(addon => addon.appId === app.id)
  }

  /** Moves the sandbox clock; the platform's delays that fall due meanwhile run now, in order. */
  advanceClock(ms: number): void {
    this.clockOffsetMs += ms
    this.clockQueue.runDue()
  }

  attachmentsOf(addon: AddonRecord): AttachmentRecord[] {
    return [...this.attachments.values()].filter(attachment => attachment.addonId === addon.id)
  }

  /** The add-on's attachments grouped by the app they are on (apps in the order of their first attachment): one scan. */
  attachmentsOfByApp(addon: AddonRecord): Map<string, AttachmentRecord[]> {
    const byApp = new Map<string, AttachmentRecord[]>()
    for (const attachment of this.attachmentsOf(addon)) {
      const group = byApp.get(attachment.appId)
      if (group) group.push(attachment)
      else byApp.set(attachment.appId, [attachment])
    }

    return byApp
  }

  attachmentsOn(app: AppRecord): AttachmentRecord[] {
    return [...this.attachments.values()].filter(attachment => attachment.appId === app.id)
  }

  /**
   * Applies `changes` (null removes) as one release with `description`, and restarts the app's
   * dynos that are not held onto it. Nothing changes and no release is made when every value is
   * already as asked, unless `always` (a user's `config:set` makes a release regardless).
   */
  changeConfig(app: AppRecord, changes: Record<string, null | string>, description: string, {always = false, runsReleasePhase = false} = {}): ReleaseRecord | undefined {
    const config = {...app.config}
    for (const [name, value] of Object.entries(changes)) {
      if (value === null) delete config[name]
      else config[name] = value
    }

    const changed = JSON.stringify(Object.entries(config).sort()) !== JSON.stringify(Object.entries(app.config).sort())
    if (!changed && !always) return undefined
    return this.makeRelease(app, description, config, {runsReleasePhase, slugId: this.currentRelease(app).slugId})
  }

  /** The newest release that succeeded: the one dynos boot on (a pending or failed one never is). */
  currentRelease(app: AppRecord): ReleaseRecord {
    for (let i = app.releases.length - 1; i > 0; i--) if (app.releases[i].status === 'succeeded') return app.releases[i]
    return app.releases[0]
  }

  /** Turns an app feature on or off; turning preboot on or off restarts nothing. */
  enableFeature(app: AppRecord, name: string, enabled: boolean): AppFeatureState {
    const feature = app.features.get(name)!
    if (feature.enabled !== enabled) Object.assign(feature, {enabled, updatedAt: this.iso()})
    return feature
  }

  findAddon(identity: string): AddonRecord | undefined {
    const byId = this.addons.get(identity)
    if (byId) return byId
    return [...this.addons.values()].find(addon => addon.name === identity)
  }

  findApp(identity: string): AppRecord | undefined {
    return this.apps.get(identity) ?? this.appsByName.get(identity)
  }

  holdDynos(app: AppRecord, names?: string[]): void {
    for (const dyno of app.dynos) {
      if (isOneOff(dyno) || (names && !names.includes(dyno.name))) continue
      dyno.held = true
      this.restarts.cancel(dyno.id)
    }
  }

  iso(): string {
    return new Date(this.now()).toISOString().replace(/\.\d{3}Z$/, 'Z')
  }

  /** The sandbox clock: wall clock plus whatever `advanceClock` added. */
  now(): number {
    return Date.now() + this.clockOffsetMs
  }

  /** Listeners run synchronously after each release made and each dyno started, restarted or stopped. */
  onEvent(listener: SandboxEventListener): () => void {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }

  releaseDynos(app: AppRecord): void {
    for (const dyno of app.dynos) {
      if (!dyno.held) continue
      dyno.held = false
      this.restart(app, dyno)
    }
  }

  /** `ps:restart`: formation dynos (held ones too) restart onto the current release now; one-off dynos end. */
  restartAll(app: AppRecord): void {
    for (const dyno of app.dynos) this.restartDyno(app, dyno)
  }

  /**
   * One dyno restarted or stopped: a one-off dyno ends; a formation dyno comes back at once on the
   * current release, no longer held and with any pending late restart dropped.
   */
  restartDyno(app: AppRecord, dyno: DynoRecord): void {
    if (isOneOff(dyno)) {
      this.endOneOff(app, dyno)
      return
    }

    dyno.held = false
    this.restart(app, dyno)
  }

  /** A one-off dyno `run.N` / `scheduler.N` on the current release. */
  runOneOff(app: AppRecord, type: OneOffType, command?: string): DynoRecord {
    return this.startOneOff(app, type, command ?? (type === 'run' ? 'bash' : 'npm run job'), this.currentRelease(app))
  }

  /** A user's `config:set` / `config:unset`: always a release (described as the CLI shows it), which runs the release command. */
  setConfigVars(app: AppRecord, changes: Record<string, null | string>): void {
    this.changeConfig(app, changes, describeConfigChange(changes), {always: true, runsReleasePhase: true})
  }

  /**
   * A control call standing for what the platform or the traffic does to one formation dyno. `crashed`:
   * the platform restarts it on the current release after `restartAfterMs` (sandbox clock); `idle`: an
   * eco dyno asleep, until `wakeDyno`; `starting` / `up`: as set, on the release it has.
   */
  setDynoState(app: AppRecord, dyno: DynoRecord, state: SettableDynoState, restartAfterMs = DEFAULT_CRASH_RESTART_MS): void {
    if (!SETTABLE_STATES.has(state)) throw new Error(`A dyno state to set is crashed, idle, starting or up, not ${state}.`)
    if (isOneOff(dyno)) throw new Error(`${dyno.name} is a one-off dyno: only formation dynos take a state.`)
    if (!(Number.isFinite(restartAfterMs) && restartAfterMs >= 0)) throw new Error(`restartAfterMs must be >= 0, not ${restartAfterMs}.`)
    this.clockQueue.cancel(`crash:${dyno.id}`)
    this.clockQueue.cancel(`boot:${dyno.id}`)
    if (state === 'idle') this.restarts.cancel(dyno.id)
    this.changeState(app, dyno, state)
    if (state === 'crashed') {
      this.clockQueue.add(`crash:${dyno.id}`, this.now(), restartAfterMs, () => {
        if (app.dynos.includes(dyno) && dyno.state === 'crashed') this.restart(app, dyno)
      })
    }
  }

  /** Without `app`, the default for every app (`enabled` also turns it on or off on every app there is); with it, that app's own. */
  setPreboot(settings: PrebootSettings, app?: AppRecord): void {
    for (const key of ['bootMs', 'windowMs'] as const) {
      const value = settings[key]
      if (value !== undefined && !(Number.isFinite(value) && value >= 0)) throw new Error(`Preboot ${key} must be a number of ms >= 0, not ${value}.`)
    }

    // Only what is given changes: `{enabled: false}` keeps the timing set before.
    const given = Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined)) as PrebootSettings
    const {enabled, ...timing} = given
    const targets = app ? [app] : [...this.apps.values()]
    if (app) Object.assign(app.preboot, timing)
    else this.defaultPreboot = {...this.defaultPreboot, ...given}
    if (enabled !== undefined) for (const target of targets) this.enableFeature(target, PREBOOT, enabled)
  }

  /** `undefined`: no release command, releases succeed at once. */
  setReleasePhase(app: AppRecord, phase: ReleasePhase | undefined): void {
    if (phase && phase.outcome !== 'fail' && phase.outcome !== 'succeed') throw new Error(`A release phase outcome is succeed or fail, not ${phase.outcome}.`)
    if (phase?.delayMs !== undefined && !(Number.isFinite(phase.delayMs) && phase.delayMs >= 0)) throw new Error(`A release phase delayMs must be >= 0, not ${phase.delayMs}.`)
    app.releasePhase = phase && {...phase}
  }

  /** Without `app`, the default for every app; with it, that app's own (undefined falls back to the default). */
  setRestartDelay(delay: RestartDelay | undefined, app?: AppRecord): void {
    if (delay && !(Number.isFinite(delay.minMs) && Number.isFinite(delay.maxMs) && delay.minMs >= 0 && delay.maxMs >= delay.minMs)) {
      throw new Error(`A restart delay needs 0 <= minMs <= maxMs, not ${delay.minMs}..${delay.maxMs}.`)
    }

    const policy = delay && {delay: {...delay}, streams: new Map<string, Randomness>()}
    if (!app) this.defaultRestartPolicy = policy
    else if (policy) this.appRestartPolicies.set(app.id, policy)
    else this.appRestartPolicies.delete(app.id)
  }

  /** What web traffic does to an idle eco dyno: it boots on the current release. */
  wakeDyno(app: AppRecord, dyno: DynoRecord): void {
    if (dyno.state !== 'idle') throw new Error(`${dyno.name} on ${app.name} is ${dyno.state}, not idle.`)
    this.restart(app, dyno)
  }

  private changeState(app: AppRecord, dyno: DynoRecord, state: string, unlisted = false): void {
    dyno.state = state
    dyno.updatedAt = this.iso()
    this.emit({
      app: app.name, dyno: dyno.name, state, type: 'dyno-state', version: dyno.releaseVersion, ...(unlisted ? {unlisted: true as const} : {}),
    })
  }

  /** The next delay for a dyno of `app`, 0 when restarts are instant. */
  private drawRestartDelay(app: AppRecord): number {
    const policy = this.appRestartPolicies.get(app.id) ?? this.defaultRestartPolicy
    if (!policy) return 0
    const {maxMs, minMs, seed} = policy.delay
    let stream = policy.streams.get(app.id)
    if (!stream) {
      stream = randomness(seed ?? this.seed ?? 'sandbox', `restarts:${app.name}`)
      policy.streams.set(app.id, stream)
    }

    return minMs + stream.int(maxMs - minMs + 1)
  }

  /** A listener's error must not leave a release half applied: it is rethrown after the change is complete. */
  private emit(event: SandboxEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event)
      } catch (error) {
        queueMicrotask(() => {
          throw error
        })
      }
    }
  }

  private endOneOff(app: AppRecord, dyno: DynoRecord): void {
    if (!app.dynos.includes(dyno)) return
    app.dynos = app.dynos.filter(candidate => candidate !== dyno)
    this.emit({
      app: app.name, dyno: dyno.name, type: 'dyno-stopped', version: dyno.releaseVersion,
    })
  }

  /** The release command ended: the release succeeds (and the dynos follow it if it is the newest that did) or fails. */
  private finishRelease(app: AppRecord, release: ReleaseRecord, outcome: ReleasePhase['outcome'], dyno: DynoRecord): void {
    this.endOneOff(app, dyno)
    release.status = outcome === 'succeed' ? 'succeeded' : 'failed'
    release.updatedAt = this.iso()
    this.emit({app: app.name, type: release.status === 'succeeded' ? 'release-succeeded' : 'release-failed', version: release.version})
    if (release === this.currentRelease(app)) this.followRelease(app)
  }

  /** Every formation dyno that follows releases restarts onto the current one (at once or late). */
  private followRelease(app: AppRecord): void {
    const from = performance.now()
    for (const dyno of app.dynos) {
      if (!dyno.held && !isOneOff(dyno) && dyno.state !== 'idle') this.restartLater(app, dyno, from)
    }
  }

  /**
   * With a release command (and `runsReleasePhase`), the release is `pending` while `release.N` runs it,
   * and the dynos move only if it succeeds; the config is the new one either way.
   */
  private makeRelease(app: AppRecord, description: string, config: Record<string, string>, {runsReleasePhase = false, slugId}: {runsReleasePhase?: boolean, slugId: null | string}): ReleaseRecord {
    const now = this.iso()
    const phase = runsReleasePhase ? app.releasePhase : undefined
    const release: ReleaseRecord = {
      addonPlanNames: [...new Set(this.attachmentsOn(app).map(attachment => this.addons.get(attachment.addonId)?.planName ?? ''))].filter(Boolean).sort(),
      config,
      createdAt: now,
      description,
      id: this.ids.uuid(),
      slugId,
      status: phase ? 'pending' : 'succeeded',
      updatedAt: now,
      version: (app.releases.at(-1)?.version ?? 0) + 1,
    }
    app.releases.push(release)
    app.config = {...config}
    app.updatedAt = now
    this.emit({app: app.name, type: 'release', version: release.version})
    if (!phase) {
      this.followRelease(app)
      return release
    }

    const dyno = this.startOneOff(app, 'release', phase.command ?? 'npm run release', release)
    this.clockQueue.add(`release:${release.id}`, this.now(), phase.delayMs ?? 0, () => this.finishRelease(app, release, phase.outcome, dyno))
    return release
  }

  /**
   * Preboot: a new web dyno of the same name takes `old`'s place in the list, `starting` on `release`,
   * then `up`; `old` keeps serving its release, unlisted, until the window closes.
   */
  private preboot(app: AppRecord, old: DynoRecord, release: ReleaseRecord): void {
    const now = this.iso()
    const fresh: DynoRecord = {
      ...old, createdAt: now, held: false, id: this.ids.uuid(), releaseId: release.id, releaseVersion: release.version, state: 'starting', updatedAt: now,
    }
    app.dynos[app.dynos.indexOf(old)] = fresh
    app.unlistedDynos.push(old)
    const {bootMs, windowMs} = this.prebootTiming(app)
    const from = this.now()
    this.emit({
      app: app.name, dyno: fresh.name, type: 'dyno-started', version: release.version,
    })
    this.clockQueue.add(`boot:${fresh.id}`, from, bootMs, () => {
      if (app.dynos.includes(fresh) && fresh.state === 'starting') this.changeState(app, fresh, 'up')
    })
    this.clockQueue.add(`stop:${old.id}`, from, windowMs, () => {
      app.unlistedDynos = app.unlistedDynos.filter(candidate => candidate !== old)
      this.emit({
        app: app.name, dyno: old.name, type: 'dyno-stopped', unlisted: true, version: old.releaseVersion,
      })
    })
  }

  private prebootTiming(app: AppRecord): {bootMs: number, windowMs: number} {
    return {
      bootMs: app.preboot.bootMs ?? this.defaultPreboot.bootMs ?? DEFAULT_PREBOOT_BOOT_MS,
      windowMs: app.preboot.windowMs ?? this.defaultPreboot.windowMs ?? DEFAULT_PREBOOT_WINDOW_MS,
    }
  }

  /** Onto the current release, `up`; under preboot, a release replaces a serving web dyno instead (see `preboot`). */
  private restart(app: AppRecord, dyno: DynoRecord, byRelease = false): void {
    this.restarts.cancel(dyno.id)
    this.clockQueue.cancel(`crash:${dyno.id}`)
    this.clockQueue.cancel(`boot:${dyno.id}`)
    const release = this.currentRelease(app)
    if (byRelease && dyno.type === 'web' && dyno.state === 'up' && dyno.releaseId !== release.id && app.features.get(PREBOOT)!.enabled) {
      this.preboot(app, dyno, release)
      return
    }

    dyno.releaseId = release.id
    dyno.releaseVersion = release.version
    dyno.state = 'up'
    dyno.updatedAt = this.iso()
    this.emit({
      app: app.name, dyno: dyno.name, type: 'dyno-restarted', version: release.version,
    })
  }

  /**
   * After a release. A delay is drawn for every dyno, even one already waiting, so the draws do not
   * depend on timing; a dyno already waiting keeps its timer and lands on the newest release then.
   */
  private restartLater(app: AppRecord, dyno: DynoRecord, from: number): void {
    const delay = this.drawRestartDelay(app)
    if (this.restarts.has(dyno.id)) return
    if (delay <= 0) {
      this.restart(app, dyno, true)
      return
    }

    this.restarts.add(dyno.id, from, delay, () => {
      if (app.dynos.includes(dyno) && !dyno.held && dyno.state !== 'idle') this.restart(app, dyno, true)
    })
  }

  private startOneOff(app: AppRecord, type: string, command: string, release: ReleaseRecord): DynoRecord {
    const counter = `${app.id}:${type}`
    const n = (this.oneOffCounts.get(counter) ?? 0) + 1
    this.oneOffCounts.set(counter, n)
    const now = this.iso()
    const dyno: DynoRecord = {
      command,
      createdAt: now,
      held: false,
      id: this.ids.uuid(),
      name: `${type}.${n}`,
      releaseId: release.id,
      releaseVersion: release.version,
      size: 'Basic',
      state: 'up',
      type,
      updatedAt: now,
    }
    app.dynos.push(dyno)
    this.emit({
      app: app.name, dyno: dyno.name, type: 'dyno-started', version: release.version,
    })
    return dyno
  }
}
