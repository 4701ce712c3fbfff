export interface RouteMatch {
  method?: string
  path?: RegExp | string
}

export interface Fault {
  body?: {id: string, message: string}
  count?: number
  method?: string
  path: RegExp | string
  /** Destroy the socket instead of answering. */
  reset?: boolean
  status?: number
}

interface LatencyRule {
  match: RouteMatch
  ms: number
}

/** A string path matches exactly (query excluded); a RegExp is tested against the path. */
function matches(match: RouteMatch, method: string, path: string): boolean {
  if (match.method && match.method.toUpperCase() !== method.toUpperCase()) return false
  if (match.path === undefined) return true
  if (typeof match.path === 'string') return match.path === path
  match.path.lastIndex = 0
  return match.path.test(path)
}

/**
 * Injected trouble for API requests (never for `/__sandbox/` control calls): error answers or
 * connection resets for the next N matching requests, and latency, global or per route.
 */
export class Faults {
  globalLatencyMs: number
  private faults: Array<Fault & {remaining: number}> = []
  private latencyRules: LatencyRule[] = []

  constructor(latencyMs = 0) {
    this.globalLatencyMs = latencyMs
  }

  add(fault: Fault): void {
    this.faults.push({...fault, remaining: fault.count ?? 1})
  }

  clear(): void {
    this.faults = []
    this.latencyRules = []
  }

  /** Latency for one request: the global latency plus the first matching route rule. */
  latencyFor(method: string, path: string): number {
    const rule = this.latencyRules.find(candidate => matches(candidate.match, method, path))
    return this.globalLatencyMs + (rule?.ms ?? 0)
  }

  /** Without a match, sets the global latency; with one, sets (or with 0 removes) that route's extra latency. */
  setLatency(ms: number, match?: RouteMatch): void {
    if (!match || (match.method === undefined && match.path === undefined)) {
      this.globalLatencyMs = ms
      return
    }

    const key = (m: RouteMatch) => `${m.method?.toUpperCase() ?? '*'} ${String(m.path)}`
    this.latencyRules = this.latencyRules.filter(rule => key(rule.match) !== key(match))
    if (ms > 0) this.latencyRules.unshift({match, ms})
  }

  /** The fault this request triggers, counting it down; undefined when none applies. */
  take(method: string, path: string): Fault | undefined {
    const fault = this.faults.find(candidate => candidate.remaining > 0 && matches(candidate, method, path))
    if (!fault) return undefined
    fault.remaining -= 1
    this.faults = this.faults.filter(candidate => candidate.remaining > 0)
    return fault
  }
}
