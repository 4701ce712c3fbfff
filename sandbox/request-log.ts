export interface RequestLogEntry {
  /** Parsed JSON body of the request, for assertions. */
  body?: unknown
  /** performance.now() when the answer was finished (monotonic, ms). */
  end: number
  method: string
  /** Without the query string. */
  path: string
  query: string
  requestId: string
  /** performance.now() when the request arrived (monotonic, ms). */
  start: number
  /** HTTP status answered; 0 when the connection was reset on purpose. */
  status: number
  /** Wall-clock ISO time of arrival. */
  time: string
}

/** Every API request the sandbox answered, in arrival order (control calls excluded). */
export class RequestLog {
  private entries: RequestLogEntry[] = []

  add(entry: RequestLogEntry): void {
    this.entries.push(entry)
  }

  all(): RequestLogEntry[] {
    return this.entries.map(entry => ({...entry}))
  }

  clear(): void {
    this.entries = []
  }
}
