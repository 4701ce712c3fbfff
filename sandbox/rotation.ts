import type {AddonLifecycle} from './lifecycle.js'
import type {
  AddonRecord, AppRecord, AttachmentRecord, SandboxState,
} from './state.js'
import type {Timers} from './timers.js'

import {
  rotatedValue, rotationIntervalMs, SECUREKEY_SERVICE, SECUREKEY_VAR,
} from './provider.js'

/** A securekey add-on its provider still rotates. */
const rotates = (addon: AddonRecord): boolean => addon.serviceName === SECUREKEY_SERVICE && addon.state === 'provisioned' && !addon.rotationStopped

interface PendingWrite {
  addonId: string
  appId: string
  done: () => void
  timer: NodeJS.Timeout
}

/**
 * The securekey provider's scheduler. A rotation makes a new LATEST at once, then writes
 * "<new>,<old LATEST>" to each attached app, each in its own release, after that app's delay: the
 * window in which apps disagree, which the plugin's status command must report.
 */
export class Rotations {
  private pending: PendingWrite[] = []

  constructor(
    private readonly state: SandboxState,
    private readonly lifecycle: AddonLifecycle,
    private readonly timers: Timers,
  ) {}

  /** Moves the sandbox clock; every securekey add-on past its plan's interval rotates (once). */
  async advanceClock(ms: number): Promise<void> {
    this.state.advanceClock(ms)
    const now = this.state.now()
    const due = [...this.state.addons.values()].filter(addon => rotates(addon) && now - addon.rotatedAt >= rotationIntervalMs(addon.planName))
    await Promise.all(due.map(addon => this.rotate(addon.id)))
  }

  /** Settles every pending write without applying it (the sandbox is closing). */
  close(): void {
    for (const write of this.pending) {
      this.timers.cancel(write.timer)
      write.done()
    }

    this.pending = []
  }

  /** Applies every pending delayed write now. */
  flush(): void {
    const writes = this.pending
    this.pending = []
    for (const write of writes) {
      this.timers.cancel(write.timer)
      this.apply(write)
    }
  }

  /** Apps (names) still waiting for a rotation's write. */
  pendingApps(): string[] {
    return [...new Set(this.pending.map(write => this.state.apps.get(write.appId)?.name ?? write.appId))]
  }

  /**
   * Rotates now. Apps without a delay get the new value before this returns (synchronously); the
   * promise settles when every attached app has it.
   */
  rotate(identity: string, delayMs: Record<string, number> = {}): Promise<void> {
    const addon = this.state.findAddon(identity)
    if (!addon) throw new Error(`No add-on ${identity} in the sandbox`)
    if (addon.serviceName !== SECUREKEY_SERVICE) throw new Error(`${addon.name} is not a securekey add-on`)
    if (addon.state !== 'provisioned') throw new Error(`${addon.name} is ${addon.state}, not provisioned`)
    addon.config[SECUREKEY_VAR] = rotatedValue(addon.config[SECUREKEY_VAR], this.state.keys)
    addon.rotatedAt = this.state.now()
    addon.updatedAt = this.state.iso()

    const writes = [...this.state.attachmentsOfByApp(addon)].map(([appId, attachments]) => {
      const app = this.state.apps.get(appId)!
      const delay = delayMs[app.name] ?? delayMs[app.id] ?? 0
      if (delay <= 0) {
        this.write(addon, app, attachments)
        return Promise.resolve()
      }

      return new Promise<void>(resolve => {
        const write: PendingWrite = {
          addonId: addon.id,
          appId,
          done: resolve,
          timer: this.timers.after(delay, () => {
            this.pending = this.pending.filter(candidate => candidate !== write)
            this.apply(write)
          }),
        }
        this.pending.push(write)
      })
    })
    return Promise.all(writes).then(() => {})
  }

  /** A delayed write goes to the attachments the app has when it lands. */
  private apply(write: PendingWrite): void {
    const addon = this.state.addons.get(write.addonId)
    const app = this.state.apps.get(write.appId)
    if (addon && app) this.write(addon, app, this.state.attachmentsOfByApp(addon).get(app.id) ?? [])
    write.done()
  }

  /** The add-on's current value, so a late write never puts back an older key than a later rotation's. */
  private write(addon: AddonRecord, app: AppRecord, attachments: AttachmentRecord[]): void {
    this.lifecycle.writeAddonConfig(addon, app, attachments, names => `Update ${names.join(', ')} by ${addon.serviceName}`)
  }
}
