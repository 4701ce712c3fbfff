import {randomUUID} from 'node:crypto'
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'

import type {Platform} from './platform.js'
import type {Reply, Router} from './router.js'

import {ApiError, badRequest, defaultErrorFor, endpointNotFound, rateLimited, unauthorized} from './errors.js'

export const CONTROL_PREFIX = '/__sandbox'
const FREE_PATHS = new Set(['/account/rate-limits'])

const sleep = (ms: number) => new Promise(resolve => {
  setTimeout(resolve, ms)
})

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

function parseJson(raw: Buffer): {error?: ApiError, value?: unknown} {
  if (raw.length === 0) return {}
  try {
    return {value: JSON.parse(raw.toString('utf8'))}
  } catch {
    return {error: badRequest('Invalid JSON in the request body.')}
  }
}

/**
 * The HTTP front: for API requests, injected latency and faults first, then the token, the rate limit
 * and the route; every answer carries `Request-Id` and `RateLimit-Remaining`; each API request is
 * logged. Control calls (`/__sandbox/...`) need the token too but skip faults, the pool and the log.
 */
export function sandboxServer(platform: Platform, api: Router, control: Router): Server {
  const send = (response: ServerResponse, requestId: string, reply: Reply) => {
    const body = reply.body === undefined ? '' : JSON.stringify(reply.body)
    response.writeHead(reply.status, {
      'Content-Length': Buffer.byteLength(body),
      'Content-Type': 'application/json',
      'RateLimit-Remaining': String(platform.rateLimiter.remaining),
      'Request-Id': requestId,
      ...reply.headers,
    })
    response.end(body)
  }

  const errorReply = (error: unknown): Reply => {
    if (error instanceof ApiError) return {body: error.body, headers: error.headers, status: error.status}
    const message = error instanceof Error ? error.message : String(error)
    return {body: {id: 'internal_server_error', message: `Sandbox error: ${message}`}, status: 500}
  }

  const dispatch = async (router: Router, request: IncomingMessage, path: string, query: URLSearchParams, body: unknown): Promise<Reply> => {
    const method = request.method ?? 'GET'
    const route = router.match(method, path)
    if (!route) throw endpointNotFound()
    return route.handler({body, headers: request.headers, method, params: route.params, path, query})
  }

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const start = performance.now()
    const time = new Date().toISOString()
    const requestId = randomUUID()
    const method = request.method ?? 'GET'
    const url = new URL(request.url ?? '/', 'http://127.0.0.1')
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname
    const raw = await readBody(request)
    const json = parseJson(raw)
    const authorized = tokenOf(request) === platform.settings.token

    if (path === CONTROL_PREFIX || path.startsWith(`${CONTROL_PREFIX}/`)) {
      let reply: Reply
      try {
        if (!authorized) throw unauthorized()
        if (json.error) throw json.error
        reply = await dispatch(control, request, path.slice(CONTROL_PREFIX.length) || '/', url.searchParams, json.value)
      } catch (error) {
        reply = errorReply(error)
      }

      send(response, requestId, reply)
      return
    }

    const log = (status: number) =>
      platform.log.add({
        ...(json.value === undefined ? {} : {body: json.value}),
        end: performance.now(),
        method,
        path,
        query: url.search.replace(/^\?/, ''),
        requestId,
        start,
        status,
        time,
      })

    const latency = platform.faults.latencyFor(method, path)
    if (latency > 0) await sleep(latency)
    const fault = platform.faults.take(method, path)
    if (fault?.reset) {
      log(0)
      request.socket.destroy()
      return
    }

    let reply: Reply
    try {
      if (fault) {
        const status = fault.status ?? 503
        throw new ApiError(status, fault.body?.id ?? defaultErrorFor(status).id, fault.body?.message ?? defaultErrorFor(status).message)
      }

      if (!authorized) throw unauthorized()
      if (!FREE_PATHS.has(path) && !platform.rateLimiter.take()) throw rateLimited()
      if (json.error) throw json.error
      reply = await dispatch(api, request, path, url.searchParams, json.value)
    } catch (error) {
      reply = errorReply(error)
    }

    send(response, requestId, reply)
    log(reply.status)
  }

  return createServer((request, response) => {
    handle(request, response).catch(error => {
      if (!response.headersSent) send(response, randomUUID(), errorReply(error))
    })
  })
}
