import type {IncomingHttpHeaders} from 'node:http'

import {badRequest} from './errors.js'

export interface RequestContext {
  body: unknown
  headers: IncomingHttpHeaders
  method: string
  params: Record<string, string>
  path: string
  query: URLSearchParams
}

export interface Reply {
  body?: unknown
  headers?: Record<string, string>
  status: number
}

export type Handler = (context: RequestContext) => Promise<Reply> | Reply

interface Route {
  handler: Handler
  method: string
  segments: string[]
}

/** Method + path patterns such as `/apps/:app/addons/:addon`; each `:name` matches one segment. */
export class Router {
  private readonly routes: Route[] = []

  add(method: string, pattern: string, handler: Handler): this {
    this.routes.push({handler, method, segments: pattern.split('/').filter(Boolean)})
    return this
  }

  /** The matching handler and its params; `undefined` when no route has that path (for any method). */
  match(method: string, path: string): undefined | {handler: Handler, params: Record<string, string>} {
    const parts = path.split('/').filter(Boolean)
    for (const route of this.routes) {
      if (route.method !== method || route.segments.length !== parts.length) continue
      const params: Record<string, string> = {}
      const matched = route.segments.every((segment, i) => {
        if (segment.startsWith(':')) {
          try {
            params[segment.slice(1)] = decodeURIComponent(parts[i])
          } catch {
            throw badRequest(`Invalid path segment: ${parts[i]}`)
          }

          return true
        }

        return segment === parts[i]
      })
      if (matched) return {handler: route.handler, params}
    }

    return undefined
  }
}

export const ok = (body: unknown, status = 200): Reply => ({body, status})
