import type * as Heroku from '@heroku-cli/schema'

import type {Fault, RouteMatch} from './faults.js'
import type {FleetOptions, FleetSummary} from './fleet.js'
import type {Platform} from './platform.js'
import type {RequestLogEntry} from './request-log.js'
import type {
  AppRecord, DynoRecord, OneOffType, PrebootSettings, ReleasePhase, RestartDelay, SandboxEventListener, SandboxState, SettableDynoState,
} from './state.js'

import {ApiError, invalidParams} from './errors.js'
import {seedFleet} from './fleet.js'
import {
  addonJson, attachmentJson, dynoJson, releaseJson,
} from './representations.js'
import {ok, Router} from './router.js'
import {bodyOf, validConfigChanges} from './routes/helpers.js'
import {isRunning} from './state.js'

/** A dyno whose process runs (`up` or `starting`), listed or not, with the release it truly runs (even when the API says `release: null`). */
export interface RunningDyno {
  id: string
  /** False for an old web dyno still serving under preboot, which `GET /apps/{app}/dynos` does not show. */
  listed: boolean
  name: string
  state: string
  type: string
  version: number
}

export interface RateLimitSettings {
  pool: number
  refillPerMinute: number
  remaining: number
}

export interface SandboxControl {
  addApps(names: number | string[]): void
  addons(): Heroku.AddOn[]
  /** Moves the sandbox clock; every securekey add-on past its plan interval (fortnightly = 14 days) rotates. */
  advanceClock(ms: number): Promise<void>
  /** Every attachment, with `config_vars` and `addon.plan`. */
  attachments(): Heroku.AddOnAttachment[]
  clearFaults(): void
  clearRequests(): void
  configVars(app: string): Record<string, string>
  dynos(app: string): Heroku.Dyno[]
  flushRotations(): void
  /** These dynos (all when no names) stop following new releases. */
  holdDynos(app: string, dynoNames?: string[]): void
  injectFault(fault: Fault): void
  /**
   * Called synchronously after each release made and each dyno started, restarted or stopped (the
   * changes that can change which config a running dyno has). Returns the unsubscribe function.
   */
  onEvent(listener: SandboxEventListener): () => void
  /** The pool's size, refill rate (per minute of real time) and what is left now. */
  rateLimit(): RateLimitSettings
  /** The config as of release `version` (what a dyno on that release runs with). */
  releaseConfigVars(app: string, version: number): Record<string, string>
  releaseDynos(app: string): void
  releases(app: string): Heroku.Release[]
  requests(): RequestLogEntry[]
  /**
   * Rotates one securekey add-on now. Apps without a delay have the new value when this returns;
   * the promise resolves when every attached app got it.
   */
  rotate(addon: string, options?: {delayMs?: Record<string, number>}): Promise<void>
  /** Every dyno of `app` whose process runs, listed and unlisted: what a safety measure must pair up. */
  runningDynos(app: string): RunningDyno[]
  /** A one-off dyno `run.N` (default) or `scheduler.N` on the current release; it never restarts onto a later one. */
  runOneOff(app: string, options?: {command?: string, type?: OneOffType}): Heroku.Dyno
  /** Seeds a fleet of keys over the apps holding nothing yet (`apps`: add that many first); see fleet.ts. */
  seedFleet(options?: FleetOptions): Promise<FleetSummary>
  /** Like a user running `heroku config:set`: a release, and the dynos restart. */
  setConfigVar(app: string, name: string, value: null | string): void
  /**
   * A formation dyno's state, as the platform or the traffic would set it: `crashed` (restarted on the
   * current release after `restartAfterMs` of sandbox clock, default 10 s), `idle` (until `wakeDyno`),
   * `starting`, `up`.
   */
  setDynoState(app: string, dyno: string, state: SettableDynoState, options?: {restartAfterMs?: number}): void
  setLatency(ms: number, match?: RouteMatch): void
  /**
   * Preboot on/off and its timing (sandbox clock; default window 180 s, boot 5 s). Without `app`, the
   * default for every app, and `enabled` turns it on or off on every app there is and every later one.
   */
  setPreboot(settings: PrebootSettings, app?: string): void
  /** Any of the pool's size, its refill rate per minute and what is left. */
  setRateLimit(settings: Partial<RateLimitSettings>): void
  setRateLimitRemaining(n: number): void
  /** The app's release command (`null`: none, releases succeed at once). */
  setReleasePhase(app: string, phase: null | ReleasePhase): void
  /** The app's dynos answer `release: null` (and the app `generation: fir`); the sandbox still knows what they run. */
  setReleaseUnknown(app: string, unknown: boolean): void
  /**
   * `null`: instant restarts again. Without `app`, for every app without its own; with `app`, that
   * app's own (`null` removes it). Each call restarts the seeded draws.
   */
  setRestartDelay(delay: null | RestartDelay, app?: string): void
  /** Like `heroku ps:stop`: a one-off dyno ends; a formation dyno comes back on the current release. */
  stopDyno(app: string, dyno: string): void
  /** What web traffic does to an idle eco dyno: it boots on the current release. */
  wakeDyno(app: string, dyno: string): void
}

const INCLUSIONS = {expand: new Set<string>(), include: new Set(['addon:plan', 'config_vars'])}

/** The next N names after the highest `service-K` already there. */
function nextServiceNames(platform: Platform, count: number): string[] {
  const taken = [...platform.state.apps.values()].map(app => Number(app.name.match(/^service-(\d+)$/)?.[1] ?? 0))
  const first = Math.max(0, ...taken) + 1
  return Array.from({length: count}, (_, i) => `service-${first + i}`)
}

/** Control calls see every app, forbidden ones included; an unknown name is a 404 that says so. */
function appNamed(state: SandboxState, name: string): AppRecord {
  const app = state.findApp(name)
  if (!app) throw new ApiError(404, 'not_found', `No app ${name} in the sandbox.`, {resource: 'app'})
  return app
}

function running(app: AppRecord, dyno: DynoRecord, listed: boolean): RunningDyno {
  return {
    id: dyno.id, listed, name: dyno.name, state: dyno.state, type: dyno.type, version: dyno.releaseVersion,
  }
}

/** A control call's error that is not an API error (a bad value) becomes a 422 with its message. */
function checked<T>(run: () => T): T {
  try {
    return run()
  } catch (error) {
    if (error instanceof ApiError) throw error
    throw invalidParams(error instanceof Error ? error.message : String(error))
  }
}

function dynoNamed(app: AppRecord, name: string) {
  const dyno = app.dynos.find(candidate => candidate.name === name || candidate.id === name)
  if (!dyno) throw new ApiError(404, 'not_found', `No dyno ${name} on ${app.name} in the sandbox.`, {resource: 'dyno'})
  return dyno
}

export function createControl(platform: Platform): SandboxControl {
  const {faults, log, rotations, state} = platform

  return {
    addApps(names) {
      for (const name of typeof names === 'number' ? nextServiceNames(platform, names) : names) state.addApp(name)
    },
    addons: () => [...state.addons.values()].map(addon => addonJson(state, addon)),
    advanceClock: ms => rotations.advanceClock(ms),
    attachments: () => [...state.attachments.values()].map(attachment => attachmentJson(state, attachment, INCLUSIONS)),
    clearFaults: () => faults.clear(),
    clearRequests: () => log.clear(),
    configVars: app => ({...appNamed(state, app).config}),
    dynos(name) {
      const app = appNamed(state, name)
      return app.dynos.map(dyno => dynoJson(app, dyno))
    },
    flushRotations: () => rotations.flush(),
    holdDynos: (app, dynoNames) => state.holdDynos(appNamed(state, app), dynoNames),
    injectFault: fault => faults.add(fault),
    onEvent: listener => state.onEvent(listener),
    rateLimit: () => ({pool: platform.rateLimiter.pool, refillPerMinute: platform.rateLimiter.refillPerMinute, remaining: platform.rateLimiter.remaining}),
    releaseConfigVars(name, version) {
      const app = appNamed(state, name)
      const release = app.releases.find(candidate => candidate.version === version)
      if (!release) throw new ApiError(404, 'not_found', `No release v${version} of ${app.name} in the sandbox.`, {resource: 'release'})
      return {...release.config}
    },
    releaseDynos: app => state.releaseDynos(appNamed(state, app)),
    releases(name) {
      const app = appNamed(state, name)
      return app.releases.map(release => releaseJson(state, app, release))
    },
    requests: () => log.all(),
    rotate(addon, options) {
      try {
        return rotations.rotate(addon, options?.delayMs)
      } catch (error) {
        return Promise.reject(error)
      }
    },
    runningDynos(name) {
      const app = appNamed(state, name)
      return [
        ...app.dynos.filter(dyno => isRunning(dyno)).map(dyno => running(app, dyno, true)),
        ...app.unlistedDynos.map(dyno => running(app, dyno, false)),
      ]
    },
    runOneOff(name, options) {
      const type = options?.type ?? 'run'
      if (type !== 'run' && type !== 'scheduler') throw invalidParams(`A one-off dyno is of type run or scheduler, not ${type}.`)
      const app = appNamed(state, name)
      return dynoJson(app, state.runOneOff(app, type, options?.command))
    },
    seedFleet: options => seedFleet(platform, options),
    setConfigVar: (app, name, value) => state.setConfigVars(appNamed(state, app), {[name]: value}),
    setDynoState(name, dyno, dynoState, options) {
      const app = appNamed(state, name)
      checked(() => state.setDynoState(app, dynoNamed(app, dyno), dynoState, options?.restartAfterMs))
    },
    setLatency: (ms, match) => faults.setLatency(ms, match),
    setPreboot: (settings, app) => checked(() => state.setPreboot(settings, app === undefined ? undefined : appNamed(state, app))),
    setRateLimit: settings => checked(() => platform.rateLimiter.configure(settings)),
    setRateLimitRemaining(n) {
      platform.rateLimiter.remaining = n
    },
    setReleasePhase: (app, phase) => checked(() => state.setReleasePhase(appNamed(state, app), phase ?? undefined)),
    setReleaseUnknown(app, unknown) {
      appNamed(state, app).releaseUnknown = unknown
    },
    setRestartDelay: (delay, app) => state.setRestartDelay(delay ?? undefined, app === undefined ? undefined : appNamed(state, app)),
    stopDyno(name, dyno) {
      const app = appNamed(state, name)
      state.restartDyno(app, dynoNamed(app, dyno))
    },
    wakeDyno(name, dyno) {
      const app = appNamed(state, name)
      checked(() => state.wakeDyno(app, dynoNamed(app, dyno)))
    },
  }
}

/** `path` matches exactly; `pathPattern` is a regular expression source. */
function pathMatcher(body: Record<string, unknown>): RegExp | string | undefined {
  if (typeof body.pathPattern === 'string') return new RegExp(body.pathPattern)
  return typeof body.path === 'string' ? body.path : undefined
}

const numberIn = (body: Record<string, unknown>, key: string): number | undefined => {
  const value = body[key]
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalidParams(`${key} must be a number.`)
  return value
}

/** Control errors that are not API errors (a rotation of an unknown add-on...) answer 422 with their message. */
function wrap<T>(run: () => T): T {
  try {
    return run()
  } catch (error) {
    if (error instanceof ApiError) throw error
    throw invalidParams(error instanceof Error ? error.message : String(error))
  }
}

/** The HTTP mirror of `SandboxControl` under `/__sandbox/`, for scripts in other processes. */
export function controlRouter(platform: Platform, control: SandboxControl): Router {
  const router = new Router()
  const state = () => ({
    addons: control.addons(),
    apps: [...platform.state.apps.values()].map(app => ({
      config: {...app.config},
      currentRelease: platform.state.currentRelease(app).version,
      dynos: control.dynos(app.name),
      forbidden: app.forbidden,
      id: app.id,
      name: app.name,
      preboot: app.features.get('preboot')!.enabled,
      unlistedDynos: control.runningDynos(app.name).filter(dyno => !dyno.listed),
    })),
    attachments: control.attachments(),
    clock: platform.state.iso(),
    pendingRotations: platform.rotations.pendingApps(),
    rateLimit: control.rateLimit(),
    rateLimitRemaining: platform.rateLimiter.remaining,
  })

  return router
  .add('GET', '/state', () => ok(state()))
  .add('GET', '/requests', () => ok(control.requests()))
  .add('DELETE', '/requests', () => {
    control.clearRequests()
    return ok({cleared: true})
  })
  .add('POST', '/rotate', context => wrap(() => {
    const body = bodyOf(context)
    if (typeof body.addon !== 'string') throw invalidParams('addon (name or id) is required.')
    const delayMs = (body.delayMs ?? {}) as Record<string, number>
    platform.rotations.rotate(body.addon, delayMs).catch(() => {})
    return ok({addon: body.addon, pending: platform.rotations.pendingApps()})
  }))
  .add('POST', '/fleet', async context => ok(await control.seedFleet({apps: numberIn(bodyOf(context), 'apps')}), 201))
  .add('POST', '/flush-rotations', () => {
    control.flushRotations()
    return ok({pending: platform.rotations.pendingApps()})
  })
  .add('GET', '/clock', () => ok({now: platform.state.iso()}))
  .add('POST', '/clock', async context => {
    const advanceMs = numberIn(bodyOf(context), 'advanceMs') ?? 0
    await control.advanceClock(advanceMs)
    return ok({now: platform.state.iso()})
  })
  .add('POST', '/faults', context => {
    const body = bodyOf(context)
    const path = pathMatcher(body)
    if (path === undefined) throw invalidParams('path (exact) or pathPattern (regular expression) is required.')
    control.injectFault({
      body: body.body as Fault['body'],
      count: numberIn(body, 'count'),
      method: typeof body.method === 'string' ? body.method : undefined,
      path,
      reset: body.reset === true,
      status: numberIn(body, 'status'),
    })
    return ok({added: true}, 201)
  })
  .add('DELETE', '/faults', () => {
    control.clearFaults()
    return ok({cleared: true})
  })
  .add('POST', '/latency', context => {
    const body = bodyOf(context)
    const ms = numberIn(body, 'ms') ?? 0
    const path = pathMatcher(body)
    const method = typeof body.method === 'string' ? body.method : undefined
    control.setLatency(ms, path === undefined && method === undefined ? undefined : {method, path})
    return ok({ms})
  })
  .add('POST', '/rate-limit', context => {
    const body = bodyOf(context)
    const settings = {pool: numberIn(body, 'pool'), refillPerMinute: numberIn(body, 'refillPerMinute'), remaining: numberIn(body, 'remaining')}
    // An empty body empties the pool, as it always has.
    control.setRateLimit(Object.values(settings).every(value => value === undefined) ? {remaining: 0} : settings)
    return ok(control.rateLimit())
  })
  .add('GET', '/rate-limit', () => ok(control.rateLimit()))
  .add('POST', '/preboot', context => {
    const body = bodyOf(context)
    const app = typeof body.app === 'string' ? body.app : undefined
    if (body.enabled !== undefined && typeof body.enabled !== 'boolean') throw invalidParams('enabled must be true or false.')
    control.setPreboot({bootMs: numberIn(body, 'bootMs'), enabled: body.enabled as boolean | undefined, windowMs: numberIn(body, 'windowMs')}, app)
    return ok({app: app ?? null, preboot: app === undefined ? null : appNamed(platform.state, app).features.get('preboot')!.enabled})
  })
  .add('GET', '/apps/:app/running-dynos', ({params}) => ok(control.runningDynos(params.app)))
  .add('POST', '/apps/:app/release-phase', context => {
    const {command, outcome} = bodyOf(context)
    const delayMs = numberIn(bodyOf(context), 'delayMs')
    if (outcome !== undefined && outcome !== null && outcome !== 'succeed' && outcome !== 'fail') throw invalidParams('outcome is succeed or fail (null: no release command).')
    const phase = outcome === undefined || outcome === null ? null : {command: typeof command === 'string' ? command : undefined, delayMs, outcome: outcome as ReleasePhase['outcome']}
    control.setReleasePhase(context.params.app, phase)
    return ok({app: context.params.app, releasePhase: phase})
  })
  .add('POST', '/apps/:app/release-unknown', context => {
    const {unknown} = bodyOf(context)
    if (typeof unknown !== 'boolean') throw invalidParams('unknown (true or false) is required.')
    control.setReleaseUnknown(context.params.app, unknown)
    return ok(control.dynos(context.params.app))
  })
  .add('POST', '/apps/:app/dynos/:dyno/state', context => {
    const body = bodyOf(context)
    if (typeof body.state !== 'string') throw invalidParams('state (crashed, idle, starting or up) is required.')
    control.setDynoState(context.params.app, context.params.dyno, body.state as SettableDynoState, {restartAfterMs: numberIn(body, 'restartAfterMs')})
    return ok(control.dynos(context.params.app))
  })
  .add('POST', '/apps/:app/dynos/:dyno/wake', ({params}) => {
    control.wakeDyno(params.app, params.dyno)
    return ok(control.dynos(params.app))
  })
  .add('POST', '/apps', context => {
    const body = bodyOf(context)
    const names = Array.isArray(body.names) ? body.names.map(String) : numberIn(body, 'count')
    if (names === undefined) throw invalidParams('names (array) or count (number) is required.')
    control.addApps(names)
    return ok({apps: [...platform.state.apps.values()].map(app => app.name)}, 201)
  })
  .add('GET', '/addons', () => ok(control.addons()))
  .add('GET', '/attachments', () => ok(control.attachments()))
  .add('GET', '/apps/:app/config-vars', ({params}) => ok(control.configVars(params.app)))
  .add('PATCH', '/apps/:app/config-vars', context => {
    const changes = validConfigChanges(bodyOf(context))
    const app = appNamed(platform.state, context.params.app)
    platform.state.setConfigVars(app, changes)
    return ok(control.configVars(app.name))
  })
  .add('GET', '/apps/:app/releases', ({params}) => ok(control.releases(params.app)))
  .add('GET', '/apps/:app/dynos', ({params}) => ok(control.dynos(params.app)))
  .add('POST', '/apps/:app/hold-dynos', context => {
    const {dynos} = bodyOf(context)
    control.holdDynos(context.params.app, Array.isArray(dynos) ? dynos.map(String) : undefined)
    return ok(control.dynos(context.params.app))
  })
  .add('POST', '/apps/:app/release-dynos', ({params}) => {
    control.releaseDynos(params.app)
    return ok(control.dynos(params.app))
  })
  .add('POST', '/apps/:app/one-off', context => {
    const {command, type} = bodyOf(context)
    const dyno = control.runOneOff(context.params.app, {
      command: typeof command === 'string' ? command : undefined,
      type: type === undefined ? undefined : String(type) as OneOffType,
    })
    return ok(dyno, 201)
  })
  .add('POST', '/apps/:app/dynos/:dyno/stop', ({params}) => {
    control.stopDyno(params.app, params.dyno)
    return ok(control.dynos(params.app))
  })
  .add('POST', '/restart-delay', context => wrap(() => {
    const body = bodyOf(context)
    const minMs = numberIn(body, 'minMs')
    const maxMs = numberIn(body, 'maxMs') ?? minMs
    const seed = typeof body.seed === 'string' || typeof body.seed === 'number' ? body.seed : undefined
    const app = typeof body.app === 'string' ? body.app : undefined
    control.setRestartDelay(maxMs === undefined ? null : {maxMs, minMs: minMs ?? 0, seed}, app)
    return ok({app: app ?? null, restartDelay: maxMs === undefined ? null : {maxMs, minMs: minMs ?? 0}})
  }))
}
