import type {AddressInfo} from 'node:net'

import type {SandboxControl} from './control.js'
import type {RestartDelay} from './state.js'

import {controlRouter, createControl} from './control.js'
import {Platform} from './platform.js'
import {Router} from './router.js'
import {accountRoutes} from './routes/account.js'
import {addonRoutes} from './routes/addons.js'
import {appRoutes} from './routes/apps.js'
import {attachmentRoutes} from './routes/attachments.js'
import {catalogRoutes} from './routes/catalog.js'
import {configRoutes} from './routes/config.js'
import {featureRoutes} from './routes/features.js'
import {sandboxServer} from './server.js'

export type {SandboxControl} from './control.js'
export type {Fault, RouteMatch} from './faults.js'
export type {FleetKey, FleetSummary} from './fleet.js'
export type {RequestLogEntry} from './request-log.js'
export type {
  OneOffType, PrebootSettings, ReleasePhase, RestartDelay, SandboxEvent, SandboxEventListener, SettableDynoState,
} from './state.js'

/** The token the sandbox accepts unless `token` says otherwise. */
export const DEFAULT_TOKEN = 'sandbox-token-0123456789abcdef'
export const DEFAULT_APPS = ['service-1', 'service-2', 'service-3']
export const DEFAULT_PAGE_SIZE = 200
export const DEFAULT_PROVISION_MS = 2000

export interface SandboxOptions {
  /** Default ['service-1', 'service-2', 'service-3']; a number N → service-1..service-N. */
  apps?: number | string[]
  /** Provision answers 'provisioning' then becomes 'provisioned'; destroy answers 202 'deprovisioning' then 404. */
  asyncProvisioning?: boolean | {deprovisionMs?: number, provisionMs?: number}
  /** Seed a fleet of keys over the apps (fleet.ts): add-on and self-managed, some out of sync or overdue, a team. */
  fleet?: boolean
  /** Apps that exist but answer 403 forbidden to this account. */
  forbiddenApps?: string[]
  /** Latency added to every API response (ms). */
  latencyMs?: number
  /** Default page size for lists (the API's is 200); a client's smaller `Range: ...; max=` wins. */
  pageSize?: number
  /** Default 0: a free port. Always bound to 127.0.0.1. */
  port?: number
  /** Default pool 4500, refilled at 75 a minute. */
  rateLimit?: {pool?: number, refillPerMinute?: number}
  /** Default: dynos restart onto a new release at once; with this, each after its own seeded delay. */
  restartDelay?: RestartDelay
  /** Deterministic ids, add-on names and keys. */
  seed?: number | string
  /** The valid API token (default DEFAULT_TOKEN). */
  token?: string
}

export interface Sandbox {
  close(): Promise<void>
  control: SandboxControl
  /** What the Heroku CLI and the plugin need to talk to this sandbox. */
  env: {HEROKU_API_KEY: string, HEROKU_HOST: string, HEROKU_PARTICLEBOARD_URL: string}
  token: string
  /** 'http://127.0.0.1:PORT' */
  url: string
}

function appNames(apps: SandboxOptions['apps']): string[] {
  if (apps === undefined) return DEFAULT_APPS
  if (typeof apps === 'number') return Array.from({length: apps}, (_, i) => `service-${i + 1}`)
  return apps
}

function asyncTimes(option: SandboxOptions['asyncProvisioning']) {
  if (!option) return
  const times = option === true ? {} : option
  return {deprovisionMs: times.deprovisionMs ?? DEFAULT_PROVISION_MS, provisionMs: times.provisionMs ?? DEFAULT_PROVISION_MS}
}

/** Starts a local emulator of the Platform API endpoints the securekey workflow uses. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const token = options.token ?? DEFAULT_TOKEN
  const platform = new Platform({
    appNames: appNames(options.apps),
    asyncProvisioning: asyncTimes(options.asyncProvisioning),
    forbiddenApps: options.forbiddenApps ?? [],
    latencyMs: options.latencyMs ?? 0,
    pageSize: options.pageSize ?? DEFAULT_PAGE_SIZE,
    rateLimit: {pool: options.rateLimit?.pool ?? 4500, refillPerMinute: options.rateLimit?.refillPerMinute ?? 75},
    restartDelay: options.restartDelay,
    seed: options.seed,
    token,
  })
  const api = new Router()
  for (const routes of [accountRoutes, appRoutes, configRoutes, featureRoutes, addonRoutes, attachmentRoutes, catalogRoutes]) routes(api, platform)
  const control = createControl(platform)
  if (options.fleet) await control.seedFleet()
  const server = sandboxServer(platform, api, controlRouter(platform, control))

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const {port} = server.address() as AddressInfo
  const url = `http://127.0.0.1:${port}`
  let closed: Promise<void> | undefined

  return {
    close() {
      closed ??= new Promise<void>(resolve => {
        platform.close()
        server.close(() => resolve())
        server.closeAllConnections()
      })
      return closed
    },
    control,
    env: {HEROKU_API_KEY: token, HEROKU_HOST: url, HEROKU_PARTICLEBOARD_URL: url},
    token,
    url,
  }
}
