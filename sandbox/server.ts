import {randomUUID} from 'node:crypto'
import {
  createServer, type IncomingMessage, type Server, type ServerResponse,
} from 'node:http'

import type {Platform} from './platform.js'
import type {Reply, Router} from './router.js'

import {
  ApiError, badRequest, defaultErrorFor, endpointNotFound, rateLimited, unauthorized,
} from './errors.js'

const CONTROL_PREFIX = '/__sandbox'
const FREE_PATHS = new Set(['/account/rate-limits'])

const sleep = (ms: number) => new Promise(resolve => {
  setTimeout(resolve, ms)
})

/** One request as read off the wire, before any rule applies. */
interface Incoming {
  authorized: boolean
  body: {error?: ApiError, value?: unknown}
  method: string
  path: string
  request: IncomingMessage
  requestId: string
  search: string
  start: number
  time: string
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

/** `Authorization: Bearer <token>`, or Basic with the token as password (what a ~/.netrc login sends). */
function tokenOf(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization ?? ''
  const [scheme, value = ''] = header.split(' ')
  if (/^bearer$/i.test(scheme)) return value.trim()
  if (/^basic$/i.test(scheme)) return Buffer.from(value, 'base64').toString('utf8').split(':').slice(1).join(':')
  return undefined
}

function parseJson(raw: Buffer): Incoming['body'] {
  if (raw.length === 0) return {}
  try {
    return {value: JSON.parse(raw.toString('utf8'))}
  } catch {
    return {error: badRequest('Invalid JSON in the request body.')}
  }
}

function errorReply(error: unknown): Reply {
  if (error instanceof ApiError) return {body: error.body, headers: error.headers, status: error.status}
  const message = error instanceof Error ? error.message : String(error)
  return {body: {id: 'internal_server_error', message: `Sandbox error: ${message}`}, status: 500}
}

async function dispatch(router: Router, incoming: Incoming, path: string): Promise<Reply> {
  if (incoming.body.error) throw incoming.body.error
  const route = router.match(incoming.method, path)
  if (!route) throw endpointNotFound()
  const {body, method, request, search} = incoming
  return route.handler({
    body: body.value, headers: request.headers, method, params: route.params, path, query: new URLSearchParams(search),
  })
}

/**
 * The HTTP front: for API requests, injected latency and faults first, then the token, the rate limit
 * and the route; every answer carries `Request-Id`, `RateLimit-Remaining` and a `Date` on the sandbox clock; each API request is
 * logged. Control calls (`/__sandbox/...`) need the token too but skip faults, the pool and the log.
 */
export function sandboxServer(platform: Platform, api: Router, control: Router): Server {
  const send = (response: ServerResponse, requestId: string, reply: Reply) => {
    const body = reply.body === undefined ? '' : JSON.stringify(reply.body)
    response.writeHead(reply.status, {
      'Content-Length': Buffer.byteLength(body),
      'Content-Type': 'application/json',
      // The sandbox clock (advanceClock moves it), as Heroku's Date header gives the platform's own.
      Date: new Date(platform.state.now()).toUTCString(),
      'RateLimit-Remaining': String(platform.rateLimiter.remaining),
      'Request-Id': requestId,
      ...reply.headers,
    })
    response.end(body)
  }

  const answerControl = async (incoming: Incoming): Promise<Reply> => {
    try {
      if (!incoming.authorized) throw unauthorized()
      return await dispatch(control, incoming, incoming.path.slice(CONTROL_PREFIX.length) || '/')
    } catch (error) {
      return errorReply(error)
    }
  }

  /** The answer to an API request, or 'reset' when an injected fault drops the connection. */
  const answerApi = async (incoming: Incoming): Promise<'reset' | Reply> => {
    const {method, path} = incoming
    const latency = platform.faults.latencyFor(method, path)
    if (latency > 0) await sleep(latency)
    const fault = platform.faults.take(method, path)
    if (fault?.reset) return 'reset'
    try {
      if (fault) {
        const status = fault.status ?? 503
        const {id, message} = {...defaultErrorFor(status), ...fault.body}
        throw new ApiError(status, id, message)
      }

      if (!incoming.authorized) throw unauthorized()
      if (!FREE_PATHS.has(path) && !platform.rateLimiter.take()) throw rateLimited()
      return await dispatch(api, incoming, path)
    } catch (error) {
      return errorReply(error)
    }
  }

  const log = (incoming: Incoming, status: number) =>
    platform.log.add({
      ...(incoming.body.value === undefined ? {} : {body: incoming.body.value}),
      end: performance.now(),
      method: incoming.method,
      path: incoming.path,
      query: incoming.search,
      requestId: incoming.requestId,
      start: incoming.start,
      status,
      time: incoming.time,
    })

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const start = performance.now()
    const time = new Date().toISOString()
    const url = new URL(request.url ?? '/', 'http://127.0.0.1')
    const incoming: Incoming = {
      authorized: tokenOf(request) === platform.settings.token,
      body: parseJson(await readBody(request)),
      method: request.method ?? 'GET',
      path: url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname,
      request,
      requestId: randomUUID(),
      search: url.search.replace(/^\?/, ''),
      start,
      time,
    }

    if (incoming.path === CONTROL_PREFIX || incoming.path.startsWith(`${CONTROL_PREFIX}/`)) {
      send(response, incoming.requestId, await answerControl(incoming))
      return
    }

    const reply = await answerApi(incoming)
    if (reply === 'reset') {
      log(incoming, 0)
      request.socket.destroy()
      return
    }

    send(response, incoming.requestId, reply)
    log(incoming, reply.status)
  }

  return createServer((request, response) => {
    handle(request, response).catch(error => {
      if (!response.headersSent) send(response, randomUUID(), errorReply(error))
    })
  })
}
