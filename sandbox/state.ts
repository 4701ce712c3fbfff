import {randomness, type Randomness} from './random.js'

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

export interface AppRecord {
  config: Record<string, string>
  createdAt: string
  dynos: DynoRecord[]
  /** Exists, but this account may not see it (403). */
  forbidden: boolean
  id: string
  name: string
  releases: ReleaseRecord[]
  updatedAt: string
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
  private readonly appsByName = new Map<string, AppRecord>()
  private clockOffsetMs = 0

  constructor(seed?: number | string) {
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
      if (!names || names.includes(dyno.name)) dyno.held = true
    }
  }

  iso(): string {
    return new Date(this.now()).toISOString().replace(/\.\d{3}Z$/, 'Z')
  }

  /** The sandbox clock: wall clock plus whatever `advanceClock` added. */
  now(): number {
    return Date.now() + this.clockOffsetMs
  }

  releaseDynos(app: AppRecord): void {
    const release = this.currentRelease(app)
    for (const dyno of app.dynos) {
      if (!dyno.held) continue
      dyno.held = false
      this.restart(dyno, release)
    }
  }

  /** A user's `config:set` / `config:unset`: always a release (described as the CLI shows it), and the dynos restart. */
  setConfigVars(app: AppRecord, changes: Record<string, null | string>): void {
    this.changeConfig(app, changes, describeConfigChange(changes), true)
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
    for (const dyno of app.dynos) {
      if (!dyno.held) this.restart(dyno, release)
    }

    return release
  }

  private restart(dyno: DynoRecord, release: ReleaseRecord): void {
    dyno.releaseId = release.id
    dyno.releaseVersion = release.version
    dyno.state = 'up'
    dyno.updatedAt = this.iso()
  }
}
