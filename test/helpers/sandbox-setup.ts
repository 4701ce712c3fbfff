/**
 * Set-up for the integration tests: what a user would have done before running the command under test, done through the
 * sandbox's own HTTP API (as a client would), the environment runCommand needs to reach the sandbox, and the key values
 * the sandbox handed out, which no output may contain.
 */
import type {Sandbox} from '../../sandbox/index.js'

export interface Added {
  id: string
  name: string
}

/**
 * runCommand's environment for `sandbox`; a command that waits polls every `waitIntervalMs`, and the gateway retries
 * after 10 ms, then 20 ms (HEROKU_SECUREKEY_RETRY_DELAY_MS; 500 ms and 1 s by default): the same retries, sooner.
 */
export function sandboxEnv(sandbox: Sandbox, waitIntervalMs = 50): Record<string, string | undefined> {
  return {...sandbox.env, HEROKU_SECUREKEY_RETRY_DELAY_MS: '10', HEROKU_SECUREKEY_WAIT_INTERVAL_MS: String(waitIntervalMs)}
}

/** One Platform API request to the sandbox; an error status throws. */
export async function sandboxApi<T>(sandbox: Sandbox, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${sandbox.url}${path}`, {
    body: body === undefined ? undefined : JSON.stringify(body),
    headers: {Accept: 'application/vnd.heroku+json; version=3', Authorization: `Bearer ${sandbox.token}`, 'Content-Type': 'application/json'},
    method,
  })
  const json = await response.json()
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${JSON.stringify(json)}`)
  return json as T
}

/** An add-on of `plan` owned by `app` (the first step of the workflow, done by hand). */
export const provisioned = (sandbox: Sandbox, app = 'service-1', plan = 'securekey:fortnightly') =>
  sandboxApi<Added>(sandbox, 'POST', `/apps/${app}/addons`, {plan: {name: plan}})

/** `addon` attached to `app` as `as`. */
export const attachTo = (sandbox: Sandbox, addon: string, app: string, as = 'SERVICE_1_SECURE') =>
  sandboxApi<Added>(sandbox, 'POST', '/addon-attachments', {addon: {name: addon}, app: {name: app}, name: as})

/**
 * A securekey add-on owned by service-1 and attached to each of `peers` as `as`, one after another as a user would;
 * the request log is empty afterwards. Returns the add-on and its key values.
 */
export async function provisionWithPeers(sandbox: Sandbox, peers: string[], as = 'SERVICE_1_SECURE'): Promise<{addon: Added, keys: string[]}> {
  const addon = await provisioned(sandbox)
  for (const peer of peers) {
    // eslint-disable-next-line no-await-in-loop
    await attachTo(sandbox, addon.name, peer, as)
  }

  sandbox.control.clearRequests()
  return {addon, keys: keysIn(sandbox, ['service-1', ...peers])}
}

/**
 * Every key value in a *_KEY config var of `apps` (each of LATEST,PREVIOUS): none may appear in any output. Values shorter
 * than a key's 64 hex digits by far are left out: they are no key material and would match ordinary words.
 */
export function keysIn(sandbox: Sandbox, apps: string[]): string[] {
  const values = apps.flatMap(app => Object.entries(sandbox.control.configVars(app)).filter(([name]) => name.endsWith('_KEY')).map(([, value]) => value))
  return [...new Set(values.flatMap(value => value.split(',')))].filter(value => value.length >= 8)
}

/** Every request that could change something (GETs and the resolve actions change nothing), with its status. */
export const mutating = (sandbox: Sandbox) => sandbox.control.requests()
.filter(request => request.method !== 'GET' && !request.path.startsWith('/actions/'))
.map(request => `${request.method} ${request.path} ${request.status}`)
