import {Faults} from './faults.js'
import {AddonLifecycle, type AsyncProvisioning} from './lifecycle.js'
import {RateLimiter} from './rate-limit.js'
import {RequestLog} from './request-log.js'
import {Rotations} from './rotation.js'
import {type RestartDelay, SandboxState} from './state.js'
import {Timers} from './timers.js'

export interface PlatformSettings {
  appNames: string[]
  asyncProvisioning?: AsyncProvisioning
  forbiddenApps: string[]
  latencyMs: number
  pageSize: number
  rateLimit: {pool: number, refillPerMinute: number}
  restartDelay?: RestartDelay
  seed?: number | string
  token: string
}

/** Everything one sandbox holds: the account's state, the add-on lifecycle, the rotation scheduler and the injected trouble. */
export class Platform {
  readonly faults: Faults
  readonly lifecycle: AddonLifecycle
  readonly log = new RequestLog()
  readonly rateLimiter: RateLimiter
  readonly rotations: Rotations
  readonly state: SandboxState
  readonly timers = new Timers()

  constructor(readonly settings: PlatformSettings) {
    this.state = new SandboxState(settings.seed, this.timers)
    this.state.setRestartDelay(settings.restartDelay)
    for (const name of settings.appNames) this.state.addApp(name)
    for (const name of settings.forbiddenApps) this.state.addApp(name, true)
    this.lifecycle = new AddonLifecycle(this.state, this.timers, settings.asyncProvisioning)
    this.rotations = new Rotations(this.state, this.lifecycle, this.timers)
    this.faults = new Faults(settings.latencyMs)
    this.rateLimiter = new RateLimiter(settings.rateLimit.pool, settings.rateLimit.refillPerMinute)
  }

  close(): void {
    this.rotations.close()
    this.timers.clear()
  }
}
