/**
 * The one gateway to the Heroku Platform API. Every request the plugin makes goes through here: headers, pagination,
 * the concurrency pool, retries with back-off, and the mapping of failures to PlatformError. It sits on the
 * APIClient of @heroku-cli/command (this.heroku in a command), which owns the host, the token and two-factor prompts.
 *
 * Retries: reads are retried on 429 and 5xx, a few times with growing pauses; writes only on 429, because a refused
 * request changed nothing while a 5xx may have. No retry on anything else: a 404 or 422 is an answer. The first pause
 * is 500 ms, doubled each time; HEROKU_SECUREKEY_RETRY_DELAY_MS (milliseconds, read only by retryDelayFromEnv) sets
 * it, a hidden knob for tests, beside HEROKU_SECUREKEY_WAIT_INTERVAL_MS (core/wait.ts).
 */
import type {APIClient} from '@heroku-cli/command'
import type * as Heroku from '@heroku-cli/schema'

import {requireBeside} from './cli-libraries.js'
import {pause} from './wait.js'

export type ConfigVars = Record<string, string>

/** An attachment as listed with `Accept-Inclusion: addon:plan,config_vars`. */
export type Attachment = Heroku.AddOnAttachment & {config_vars?: string[]}

export interface CreateAddonRequest {
  app: string
  attachmentName?: string
  confirm?: string
  name?: string
  plan: string
}

export interface AttachRequest {
  addon: string
  app: string
  confirm?: string
  name: string
}

export interface DestroyResult {
  addon: Heroku.AddOn
  /** 202: the provider is still deprovisioning; the add-on disappears later. */
  pending: boolean
}

export interface PlatformOptions {
  /** Requests in flight at once when fanning out across apps. */
  concurrency?: number
  retries?: number
  /** Pause before the first retry, doubled each time (default: retryDelayFromEnv()). */
  retryDelayMs?: number
}

/** The pause before the first retry: HEROKU_SECUREKEY_RETRY_DELAY_MS when it is a whole number of milliseconds, else 500. */
export function retryDelayFromEnv(env: Record<string, string | undefined> = process.env): number {
  const raw = env.HEROKU_SECUREKEY_RETRY_DELAY_MS?.trim()
  return raw && /^\d+$/.test(raw) ? Number(raw) : 500
}

/**
 * How every command names a failed API call: Heroku's message, then its id and status (`Couldn't find that app.
 * (not_found, HTTP 404)`). A socket failure has neither worth showing: its message already names the cause.
 */
export function describeApiError(error: {id: string, message: string, status: number}): string {
  return error.status ? `${error.message} (${error.id}, HTTP ${error.status})` : error.message
}

/**
 * The one way to describe any failure in a sentence: an API failure (the gateway only ever throws PlatformError) as
 * describeApiError says, anything else (a plugin error, a refused confirmation) by its message.
 */
export function describeFailure(error: unknown): string {
  if (error instanceof PlatformError) return error.describe()
  return error instanceof Error ? error.message : String(error)
}

/** A failed API call, reduced to what callers decide on: the status, the error id and Heroku's own message. */
export class PlatformError extends Error {
  /** The app named by X-Confirmation-Required when the API wants the request repeated with `confirm`. */
  confirmationApp?: string
  readonly id: string
  readonly resource?: string
  readonly status: number

  constructor(status: number, id: string, message: string, resource?: string) {
    super(message)
    this.name = 'PlatformError'
    this.id = id
    this.resource = resource
    this.status = status
  }

  describe(): string {
    return describeApiError(this)
  }
}

type DebugHook = (this: {body?: unknown, options: {agent?: unknown, body?: unknown}}) => void
type DebugHooks = {_debugRequest?: DebugHook, _debugResponse?: DebugHook, securekeyQuiet?: true}

/**
 * Keeps key values out of debug output. With DEBUG=http (or http*, *) or HEROKU_DEBUG=1, @heroku/http-call prints
 * every request and response body on stderr, config vars included (5.6.1: HTTP#_debugRequest/_debugResponse, with no
 * option to skip bodies). So, once per process, on the prototype APIClient's HTTP class inherits them from, both
 * hooks run with the body (and the proxy agent, which can hold proxy credentials) hidden for the duration of the call:
 * method, URL, status, timing and HEROKU_DEBUG_HEADERS' redacted headers stay. If a later http-call renamed the hooks,
 * fail closed: the `http` debug namespaces are switched off (in the `debug` module beside the @heroku-cli/command in
 * use, the CLI's one inside the CLI) rather than risk printing a key.
 */
export function quietHttpDebug(heroku: Pick<APIClient, 'http'>): void {
  let proto = (heroku.http as unknown as undefined | {prototype?: DebugHooks})?.prototype ?? null
  while (proto && !Object.hasOwn(proto, '_debugResponse')) proto = Object.getPrototypeOf(proto) as DebugHooks | null
  if (proto?.securekeyQuiet) return
  if (!proto || typeof proto._debugRequest !== 'function' || typeof proto._debugResponse !== 'function') {
    const debug = requireBeside('@heroku-cli/command')('debug') as {disable(): string, enable(namespaces: string): void}
    const current = debug.disable()
    debug.enable(current ? `${current},-http,-http:*` : '')
    return
  }

  const {_debugRequest: request, _debugResponse: response} = proto
  proto._debugRequest = function () {
    const {agent, body} = this.options
    this.options.body = body === undefined ? undefined : '(request body not shown)'
    this.options.agent = undefined
    try {
      request.call(this)
    } finally {
      Object.assign(this.options, {agent, body})
    }
  }

  proto._debugResponse = function () {
    const {body} = this
    this.body = undefined
    try {
      response.call(this)
    } finally {
      this.body = body
    }
  }

  proto.securekeyQuiet = true
}

/** Whether a request failed with 404: the thing asked for does not exist (any more), or is not visible to the user. */
export const isNotFound = (error: unknown): error is PlatformError => error instanceof PlatformError && error.status === 404

type Headers = Record<string, string | string[] | undefined>
type ErrorBody = {id?: string, message?: string, resource?: string}

/**
 * What APIClient throws for an HTTP failure: a HerokuAPIError whose `http` is http-call's HTTPError (whose own `http`
 * is the response), or that bare HTTPError when the body had no message. Socket errors carry only `code`.
 */
interface HttpFailure {
  body?: ErrorBody
  code?: string
  http?: {body?: ErrorBody, headers?: Headers, http?: {headers?: Headers}, statusCode?: number}
  message?: string
  statusCode?: number
}

function header(headers: Headers | undefined, name: string): string | undefined {
  const value = headers?.[name] ?? headers?.[name.toLowerCase()]
  return Array.isArray(value) ? value[0] : value
}

/** The response headers of a failed request, wherever APIClient's error keeps them. */
function failureHeaders(error: unknown): Headers | undefined {
  const failure = error as HttpFailure & {http?: {headers?: Headers}}
  return failure.http?.http?.headers ?? failure.http?.headers ?? (failure as {headers?: Headers}).headers
}

const UNAUTHORIZED_MESSAGE = 'The Heroku API refused the credentials (no token, or an invalid or expired one): run heroku login, or check HEROKU_API_KEY (unset it to use your login).'
const TWO_FACTOR_MESSAGE = 'This request needs a two-factor code and there is no terminal to type it on: run the command in a terminal.'

/** Turns whatever APIClient threw (HerokuAPIError, a bare HTTPError, a socket error) into a PlatformError. */
export function toPlatformError(error: unknown): PlatformError {
  if (error instanceof PlatformError) return error
  const failure = error as HttpFailure
  const statusCode = failure.http?.statusCode ?? failure.statusCode
  if (!statusCode) {
    if (failure.code) return new PlatformError(0, 'network_error', `could not reach the Heroku API (${failure.code})`)
    const reason = failure.message ?? String(error)
    // APIClient's own refusals carry no status: a two-factor prompt with no terminal, an invalid HEROKU_API_KEY.
    if (/two-factor/i.test(reason)) return new PlatformError(403, 'two_factor', TWO_FACTOR_MESSAGE)
    if (/HEROKU_API_KEY|token/i.test(reason)) return new PlatformError(401, 'unauthorized', UNAUTHORIZED_MESSAGE)
    return new PlatformError(0, 'securekey', reason)
  }

  if (statusCode === 401) return new PlatformError(401, 'unauthorized', UNAUTHORIZED_MESSAGE)

  const body = failure.body ?? failure.http?.body ?? {}
  const platformError = new PlatformError(
    statusCode,
    body.id ?? `http_${statusCode}`,
    body.message ?? `the Heroku API answered ${statusCode}`,
    body.resource,
  )
  platformError.confirmationApp = header(failureHeaders(error), 'X-Confirmation-Required')
  return platformError
}

/** Runs `task` over `items` with at most `limit` in flight; results keep the order of `items`. */
export async function mapPool<T, R>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = Array.from({length: items.length})
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const index = next++
      // eslint-disable-next-line no-await-in-loop
      results[index] = await task(items[index], index)
    }
  }

  await Promise.all(Array.from({length: Math.max(1, Math.min(limit, items.length))}, worker))
  return results
}

interface RequestOptions {
  body?: unknown
  headers?: Record<string, string>
  partial?: boolean
  readLike?: boolean
}

const INCLUDE_CONFIG_VARS = {'Accept-Inclusion': 'addon:plan,config_vars'}

export class PlatformApi {
  readonly concurrency: number
  /** RateLimit-Remaining from the last response, when the API sent one. */
  rateLimitRemaining?: number
  /** The platform's clock, from the Date header of the last response (ms since the epoch): timestamps it gives are compared with it. */
  serverTime?: number
  private readonly heroku: APIClient
  private readonly retries: number
  private readonly retryDelayMs: number

  constructor(heroku: APIClient, options: PlatformOptions = {}) {
    this.heroku = heroku
    quietHttpDebug(heroku)
    // 50 in flight (was 8), from bench/RESULTS.md: status at 200 apps and 50 ms latency reads in 4 waves, 25-30× faster
    // than one by one (pool 8: 7×, 32: 20×, 64: ~30×). The rate limit counts requests, not concurrency (1 + pages + N
    // tokens at any pool size), so the pool does not adapt to RateLimit-Remaining: a nearly empty pool fails alike.
    this.concurrency = options.concurrency ?? 50
    this.retries = options.retries ?? 2
    this.retryDelayMs = options.retryDelayMs ?? retryDelayFromEnv()
  }

  /**
   * APIClient answers a 401 by logging in again, which needs a terminal (without one it fails with "setRawMode is not
   * a function"), and with HEROKU_API_KEY set it throws a message without a status. Neither helps: then a 401 is
   * thrown as it came, and becomes the `unauthorized` error saying what to do.
   */
  private get retryAuth(): boolean {
    return Boolean(process.stdin.isTTY) && !process.env.HEROKU_API_KEY
  }

  addon(addon: string): Promise<Heroku.AddOn> {
    return this.read<Heroku.AddOn>(`/addons/${encodeURIComponent(addon)}`)
  }

  /** Every add-on the account can see, on every app (one request a page). */
  addons(): Promise<Heroku.AddOn[]> {
    return this.read<Heroku.AddOn[]>('/addons')
  }

  /** Add-ons the app owns and those of other apps attached to it. */
  addonsOf(app: string): Promise<Heroku.AddOn[]> {
    return this.read<Heroku.AddOn[]>(`/apps/${encodeURIComponent(app)}/addons`)
  }

  app(app: string): Promise<Heroku.App> {
    return this.read<Heroku.App>(`/apps/${encodeURIComponent(app)}`)
  }

  /** Every app the account can see, team apps included (one request a page). */
  apps(): Promise<Heroku.App[]> {
    return this.read<Heroku.App[]>('/apps')
  }

  attach(request: AttachRequest): Promise<Attachment> {
    const body = {
      addon: {name: request.addon}, app: {name: request.app}, confirm: request.confirm, name: request.name,
    }
    return this.write<Attachment>('POST', '/addon-attachments', {body, headers: INCLUDE_CONFIG_VARS})
  }

  /** Every attachment the account can see, on every app, with the config var names each sets (one request a page). */
  attachments(): Promise<Attachment[]> {
    return this.read<Attachment[]>('/addon-attachments', INCLUDE_CONFIG_VARS)
  }

  /** Every attachment of one add-on, on every app (the owner's included), with the config var names each sets. */
  attachmentsOf(addon: string): Promise<Attachment[]> {
    return this.read<Attachment[]>(`/addons/${encodeURIComponent(addon)}/addon-attachments`, INCLUDE_CONFIG_VARS)
  }

  /** Attachments living on one app. */
  attachmentsOn(app: string): Promise<Attachment[]> {
    return this.read<Attachment[]>(`/apps/${encodeURIComponent(app)}/addon-attachments`, INCLUDE_CONFIG_VARS)
  }

  configVars(app: string): Promise<ConfigVars> {
    return this.read<ConfigVars>(`/apps/${encodeURIComponent(app)}/config-vars`)
  }

  createAddon(request: CreateAddonRequest): Promise<Heroku.AddOn> {
    const body = {
      attachment: request.attachmentName ? {name: request.attachmentName} : undefined,
      confirm: request.confirm,
      name: request.name,
      plan: {name: request.plan},
    }
    return this.write<Heroku.AddOn>('POST', `/apps/${encodeURIComponent(request.app)}/addons`, {body})
  }

  /**
   * Destroys an add-on on its owner. Never sends `force`: with peers still attached the API refuses, and that refusal
   * is the last guard against cutting every peer off at once (see teardown.ts).
   */
  async destroyAddon(app: string, addon: string): Promise<DestroyResult> {
    const {body, statusCode} = await this.send<Heroku.AddOn>('DELETE', `/apps/${encodeURIComponent(app)}/addons/${encodeURIComponent(addon)}`, {body: {force: false}})
    return {addon: body, pending: statusCode === 202}
  }

  detach(attachmentId: string): Promise<Attachment> {
    return this.write<Attachment>('DELETE', `/addon-attachments/${encodeURIComponent(attachmentId)}`)
  }

  dynos(app: string): Promise<Heroku.Dyno[]> {
    return this.read<Heroku.Dyno[]>(`/apps/${encodeURIComponent(app)}/dynos`)
  }

  /** Runs `task` for every item through the pool (one wave when items ≤ concurrency). */
  each<T, R>(items: readonly T[], task: (item: T, index: number) => Promise<R>): Promise<R[]> {
    return mapPool(items, this.concurrency, task)
  }

  /** Whether an app feature (e.g. `preboot`) is on; a feature the app does not know is off. */
  async featureEnabled(app: string, feature: string): Promise<boolean> {
    try {
      return Boolean((await this.read<Heroku.AppFeature>(`/apps/${encodeURIComponent(app)}/features/${encodeURIComponent(feature)}`)).enabled)
    } catch (error) {
      if (isNotFound(error) && error.resource !== 'app') return false
      throw error
    }
  }

  plans(service: string): Promise<Heroku.Plan[]> {
    return this.read<Heroku.Plan[]>(`/addon-services/${encodeURIComponent(service)}/plans`)
  }

  /** What is left of the account's rate-limit pool; this request costs nothing. Also updates rateLimitRemaining. */
  async rateLimitLeft(): Promise<number | undefined> {
    const {remaining} = await this.read<{remaining?: number}>('/account/rate-limits')
    if (typeof remaining === 'number') this.rateLimitRemaining = remaining
    return this.rateLimitRemaining
  }

  releaseConfigVars(app: string, version: number | string): Promise<ConfigVars> {
    return this.read<ConfigVars>(`/apps/${encodeURIComponent(app)}/releases/${version}/config-vars`)
  }

  /** The newest `max` releases, newest first (one page, one request). */
  releases(app: string, max: number): Promise<Heroku.Release[]> {
    return this.read<Heroku.Release[]>(`/apps/${encodeURIComponent(app)}/releases`, {Range: `version ..; max=${max}, order=desc`}, true)
  }

  /** Add-ons matching a name, UUID or attachment name (relative to `app`); an empty list when none does. */
  async resolveAddon(addon: string, app?: string): Promise<Heroku.AddOn[]> {
    try {
      return (await this.send<Heroku.AddOn[]>('POST', '/actions/addons/resolve', {body: {addon, app}, readLike: true})).body
    } catch (error) {
      if (isNotFound(error) && error.resource !== 'app') return []
      throw error
    }
  }

  /**
   * Sets (or with null removes) config vars in one release. The API answers with the app's whole config, secrets
   * included: it is dropped here, never returned.
   */
  async setConfigVars(app: string, changes: Record<string, null | string>): Promise<void> {
    await this.write<ConfigVars>('PATCH', `/apps/${encodeURIComponent(app)}/config-vars`, {body: changes})
  }

  /** The apps of one team (by name or UUID), one request a page. */
  teamApps(team: string): Promise<Heroku.App[]> {
    return this.read<Heroku.App[]>(`/teams/${encodeURIComponent(team)}/apps`)
  }

  private noteHeaders(headers?: Headers): void {
    const remaining = Number(header(headers, 'RateLimit-Remaining'))
    if (Number.isFinite(remaining) && header(headers, 'RateLimit-Remaining') !== undefined) this.rateLimitRemaining = remaining
    const date = Date.parse(header(headers, 'Date') ?? '')
    if (Number.isFinite(date)) this.serverTime = date
  }

  private read<T>(path: string, headers?: Record<string, string>, partial = false): Promise<T> {
    return this.send<T>('GET', path, {headers, partial}).then(response => response.body)
  }

  /** `readLike` marks a request that changes nothing (GETs, the resolve actions): those are retried on 5xx too. */
  private async send<T>(method: string, path: string, options: RequestOptions = {}): Promise<{body: T, statusCode: number}> {
    const {body, headers, partial = false, readLike = method === 'GET'} = options
    for (let attempt = 0; ; attempt++) {
      try {
        // A fresh headers object each time: APIClient writes Authorization and Request-Id into the one it is given,
        // which would pin a shared constant (INCLUDE_CONFIG_VARS) to the first caller's token.
        // eslint-disable-next-line no-await-in-loop
        const response = await this.heroku.request<T>(path, {
          body, headers: headers && {...headers}, method, partial, retryAuth: this.retryAuth,
        })
        this.noteHeaders(response.headers)
        return {body: response.body, statusCode: response.statusCode}
      } catch (error) {
        const failure = toPlatformError(error)
        this.noteHeaders(failureHeaders(error))
        const retryable = failure.status === 429 || (readLike && failure.status >= 500)
        if (!retryable || attempt >= this.retries) throw failure
        // eslint-disable-next-line no-await-in-loop
        await pause(this.retryDelayMs * (2 ** attempt))
      }
    }
  }

  private async write<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.send<T>(method, path, {readLike: false, ...options})
    return response.body
  }
}
