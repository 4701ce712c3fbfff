import type {Timers} from './timers.js'

import {randomness, type Randomness} from './random.js'
import {RestartQueue} from './restarts.js'

export interface AccountRecord {
  createdAt: string
  email: string
  id: string
  name: string
}

export interface ReleaseRecord {
  addonPlanNames: string[]
  /** The app's config as of this release. */
  config: Record<string, string>
  createdAt: string
  description: string
  id: string
  slugId: null | string
  version: number
}

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
  type: 'dyno-restarted' | 'dyno-started' | 'dyno-stopped' | 'release'
  version: number
}

export type SandboxEventListener = (event: SandboxEvent) => void

export type OneOffType = 'run' | 'scheduler'

/** One-off dynos (`heroku run`, Heroku Scheduler) keep the release they started on until they end. */
const ONE_OFF_TYPES = new Set<string>(['run', 'scheduler'])

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
  /** Exists, but this account may not see it (403). */
  forbidden: boolean
  id: string
  name: string
  releases: ReleaseRecord[]
  /** The team the app belongs to (GET /teams/{team}/apps), when any. */
  team?: string
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
      forbidden,
      id: this.ids.uuid(),
      name,
      releases: [],
      updatedAt: now,
    }
    this.apps.set(app.id, app)
    this.appsByName.set(name, app)
    this.makeRelease(app, 'Initial release', {}, null)
    this.makeRelease(app, `Set ${Object.keys(INITIAL_CONFIG).join(', ')} config vars`, {...INITIAL_CONFIG}, null)
    const release = this.makeRelease(app, 'Deploy 6f1c2a9e', {...INITIAL_CONFIG}, this.ids.uuid())
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

  advanceClock(ms: number): void {
    this.clockOffsetMs += ms
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
  changeConfig(app: AppRecord, changes: Record<string, null | string>, description: string, always = false): ReleaseRecord | undefined {
    const config = {...app.config}
    for (const [name, value] of Object.entries(changes)) {
      if (value === null) delete config[name]
      else config[name] = value
    }

    const changed = JSON.stringify(Object.entries(config).sort()) !== JSON.stringify(Object.entries(app.config).sort())
    if (!changed && !always) return undefined
    return this.makeRelease(app, description, config, this.currentRelease(app).slugId)
  }

  currentRelease(app: AppRecord): ReleaseRecord {
    return app.releases.at(-1)!
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
      app.dynos = app.dynos.filter(candidate => candidate !== dyno)
      this.emit({
        app: app.name, dyno: dyno.name, type: 'dyno-stopped', version: dyno.releaseVersion,
      })
      return
    }

    dyno.held = false
    this.restart(app, dyno)
  }

  /** A one-off dyno `run.N` / `scheduler.N` on the current release. */
  runOneOff(app: AppRecord, type: OneOffType, command?: string): DynoRecord {
    const counter = `${app.id}:${type}`
    const n = (this.oneOffCounts.get(counter) ?? 0) + 1
    this.oneOffCounts.set(counter, n)
    const release = this.currentRelease(app)
    const now = this.iso()
    const dyno: DynoRecord = {
      command: command ?? (type === 'run' ? 'bash' : 'npm run job'),
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

  /** A user's `config:set` / `config:unset`: always a release (described as the CLI shows it), and the dynos restart. */
  setConfigVars(app: AppRecord, changes: Record<string, null | string>): void {
    this.changeConfig(app, changes, describeConfigChange(changes), true)
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

  private makeRelease(app: AppRecord, description: string, config: Record<string, string>, slugId: null | string): ReleaseRecord {
    const now = this.iso()
    const release: ReleaseRecord = {
      addonPlanNames: [...new Set(this.attachmentsOn(app).map(attachment => this.addons.get(attachment.addonId)?.planName ?? ''))].filter(Boolean).sort(),
      config,
      createdAt: now,
      description,
      id: this.ids.uuid(),
      slugId,
      version: (app.releases.at(-1)?.version ?? 0) + 1,
    }
    app.releases.push(release)
    app.config = {...config}
    app.updatedAt = now
    this.emit({app: app.name, type: 'release', version: release.version})
    const from = performance.now()
    for (const dyno of app.dynos) {
      if (!dyno.held && !isOneOff(dyno)) this.restartLater(app, dyno, from)
    }

    return release
  }

  private restart(app: AppRecord, dyno: DynoRecord): void {
    this.restarts.cancel(dyno.id)
    const release = this.currentRelease(app)
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
      this.restart(app, dyno)
      return
    }

    this.restarts.add(dyno.id, from, delay, () => {
      if (app.dynos.includes(dyno) && !dyno.held) this.restart(app, dyno)
    })
  }
}
