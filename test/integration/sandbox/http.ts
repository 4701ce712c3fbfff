import type {Sandbox} from '../../../sandbox/index.js'

export interface RawResponse<T> {
  body: T
  headers: {get(name: string): null | string}
  status: number
}

/** Raw answers are read loosely on purpose: protocol tests poke at fields of error and list bodies alike. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any

/** Plain fetch against the sandbox, for protocol checks (statuses, headers) that an API client would hide. */
export function raw(sandbox: Sandbox) {
  return async <T = Loose>(method: string, path: string, options: {body?: unknown, headers?: Record<string, string>, token?: null | string} = {}): Promise<RawResponse<T>> => {
    const token = options.token === undefined ? sandbox.token : options.token
    const response = await fetch(`${sandbox.url}${path}`, {
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      headers: {
        Accept: 'application/vnd.heroku+json; version=3',
        ...(token === null ? {} : {Authorization: `Bearer ${token}`}),
        ...(options.body === undefined ? {} : {'Content-Type': 'application/json'}),
        ...options.headers,
      },
      method,
    })
    const text = await response.text()
    return {body: (text ? JSON.parse(text) : undefined) as T, headers: response.headers, status: response.status}
  }
}

export const KEY_PAIR = /^[0-9A-F]{64},[0-9A-F]{64}$/

export const latestOf = (value: string | undefined) => value?.split(',')[0]
