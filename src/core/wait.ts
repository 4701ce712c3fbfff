/**
 * The one poll loop every --wait uses (status until in sync, provision until provisioned, teardown until gone, rotate
 * until every dyno runs the new key), and the one way to read how often it polls.
 *
 * Pauses start at `initialMs` and grow ×1.5 up to `maxMs`; when RateLimit-Remaining is low they become twice the cap,
 * since the account's pool refills at about 75 requests a minute and other tools share it. HEROKU_SECUREKEY_WAIT_INTERVAL_MS
 * sets the first pause (milliseconds, or a duration such as `2s`) and the cap stays 15 times it, so a test can poll every
 * 50 ms. Heroku's own CLI polls every 5 s; starting at 2 s and backing off answers sooner and asks less over a long wait.
 * The gateway's retry pause has its own test knob, HEROKU_SECUREKEY_RETRY_DELAY_MS (core/platform-api.ts).
 */
import {parseDuration} from './duration.js'

export interface PollSchedule {
  initialMs: number
  maxMs: number
}

export const DEFAULT_POLL: PollSchedule = {initialMs: 2000, maxMs: 30_000}

/** The schedule from HEROKU_SECUREKEY_WAIT_INTERVAL_MS (see above), or the default. */
export function pollSchedule(env: Record<string, string | undefined> = process.env): PollSchedule {
  const raw = env.HEROKU_SECUREKEY_WAIT_INTERVAL_MS
  const initialMs = raw === undefined ? undefined : (/^\d+$/.test(raw.trim()) ? Number(raw) : parseDuration(raw))
  if (initialMs === undefined || initialMs <= 0) return DEFAULT_POLL
  return {initialMs, maxMs: initialMs * 15}
}

/** The pause before the next poll (pure; see above). */
export function nextPollDelay(previousMs: number | undefined, schedule: PollSchedule, rate: {remaining?: number, requestsPerPoll: number}): number {
  const next = previousMs === undefined ? schedule.initialMs : Math.min(Math.round(previousMs * 1.5), schedule.maxMs)
  const low = Math.max(100, rate.requestsPerPoll * 10)
  if (rate.remaining !== undefined && rate.remaining < low) return schedule.maxMs * 2
  return next
}

/** Waits `ms`: between polls here, and between retries in the gateway. */
export const pause = (ms: number) => new Promise<void>(resolve => {
  setTimeout(resolve, ms)
})

export interface PollOptions<T> {
  /** Whether `value` is what the wait is for. */
  done(value: T): boolean
  /** Called after every poll, with the pause before the next one (none after the last). */
  onPoll?(value: T, nextDelayMs?: number): void
  /** The account's RateLimit-Remaining as last seen, read before each pause. */
  rateLimitRemaining?(): number | undefined
  /** Requests one poll makes, to judge whether RateLimit-Remaining is low (default 1). */
  requestsPerPoll?(value: T): number
  schedule: PollSchedule
  /** For tests: how to pause (default setTimeout). */
  sleep?(ms: number): Promise<void>
  /** Give up after this long (default: never). */
  timeoutMs?: number
}

export interface PollResult<T> {
  done: boolean
  polls: number
  value: T
}

/** Calls `check` until `done` says so or the timeout passes; the first check is immediate. */
export async function pollUntil<T>(check: () => Promise<T>, options: PollOptions<T>): Promise<PollResult<T>> {
  const {schedule, sleep = pause, timeoutMs = Number.POSITIVE_INFINITY} = options
  const deadline = Date.now() + timeoutMs
  let delay: number | undefined
  for (let polls = 1; ; polls++) {
    // eslint-disable-next-line no-await-in-loop
    const value = await check()
    const done = options.done(value)
    const left = deadline - Date.now()
    if (done || left <= 0) {
      options.onPoll?.(value)
      return {done, polls, value}
    }

    delay = nextPollDelay(delay, schedule, {remaining: options.rateLimitRemaining?.(), requestsPerPoll: options.requestsPerPoll?.(value) ?? 1})
    const wait = Math.min(delay, left)
    options.onPoll?.(value, wait)
    // eslint-disable-next-line no-await-in-loop
    await sleep(wait)
  }
}
