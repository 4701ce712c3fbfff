/**
 * The one poll loop every --wait uses (status until in sync, provision until provisioned, teardown until gone, rotate
 * until every dyno runs the new key), and the one way to read how often it polls.
 *
 * Heroku's rate limit is one pool per account (4,500 requests, refilled about 75 a minute) shared by every tool of the
 * user, so a wait spends at most a third of what refills: pauses start at `initialMs` and grow ×1.5 up to `maxMs`, but
 * never run faster than `msPerRequest` per request the next poll makes (2.4 s: 1,500 requests an hour), so polls slow
 * down as the work per poll grows. While RateLimit-Remaining is below LOW_RATE_LIMIT the loop pauses, says so, and asks
 * the account (a free request) until the pool has refilled. HEROKU_SECUREKEY_WAIT_INTERVAL_MS sets the first pause
 * (milliseconds, or a duration such as `2s`) and scales the rest with it, so a test can poll every 50 ms. Heroku's own
 * CLI polls every 5 s (ps:wait: at least 10 s); starting at 2 s and backing off answers sooner and asks less over a
 * long wait. The gateway's retry pause has its own test knob, HEROKU_SECUREKEY_RETRY_DELAY_MS (core/platform-api.ts).
 */
import {parseDuration} from './duration.js'

export interface PollSchedule {
  initialMs: number
  maxMs: number
  /** The least pause per request a poll makes (the account budget above). */
  msPerRequest: number
}

/** A third of the account's hourly refill (4,500 an hour), spread over the hour: one request every 2.4 s. */
export const DEFAULT_POLL: PollSchedule = {initialMs: 2000, maxMs: 30_000, msPerRequest: 2400}

/**
 * Below this RateLimit-Remaining a wait pauses until the pool refills and status --all stops reading: the rest is left
 * to the user's other tools.
 */
export const LOW_RATE_LIMIT = 500

/** The pool refills at about 75 requests a minute: 800 ms a request, scaled like the schedule. */
const refillMsPerRequest = (schedule: PollSchedule) => (schedule.msPerRequest / DEFAULT_POLL.msPerRequest) * 800

/** The schedule from HEROKU_SECUREKEY_WAIT_INTERVAL_MS (see above), or the default. */
export function pollSchedule(env: Record<string, string | undefined> = process.env): PollSchedule {
  const raw = env.HEROKU_SECUREKEY_WAIT_INTERVAL_MS
  const initialMs = raw === undefined ? undefined : (/^\d+$/.test(raw.trim()) ? Number(raw) : parseDuration(raw))
  if (initialMs === undefined || initialMs <= 0) return DEFAULT_POLL
  return {initialMs, maxMs: initialMs * 15, msPerRequest: (initialMs * DEFAULT_POLL.msPerRequest) / DEFAULT_POLL.initialMs}
}

/** The pause before the next poll (pure; see above): the schedule's, or longer when the next poll asks for more. */
export function nextPollDelay(previousMs: number | undefined, schedule: PollSchedule, requestsPerPoll: number): number {
  const next = previousMs === undefined ? schedule.initialMs : Math.min(Math.round(previousMs * 1.5), schedule.maxMs)
  return Math.max(next, Math.round(requestsPerPoll * schedule.msPerRequest))
}

/** How long to let the pool refill from `remaining` to above LOW_RATE_LIMIT with room for one more poll (pure). */
export function refillDelay(remaining: number, schedule: PollSchedule, requestsPerPoll: number): number {
  return Math.round(Math.max(1, LOW_RATE_LIMIT + requestsPerPoll - remaining) * refillMsPerRequest(schedule))
}

/** Waits `ms`: between polls here, and between retries in the gateway. */
export const pause = (ms: number) => new Promise<void>(resolve => {
  setTimeout(resolve, ms)
})

/** The account's rate limit as the gateway last saw it, and a free way to ask again (PlatformApi is one). */
export interface RateLimitSource {
  rateLimitLeft(): Promise<number | undefined>
  readonly rateLimitRemaining?: number
}

export interface PollOptions<T> {
  /** Whether `value` is what the wait is for. */
  done(value: T): boolean
  /** Called while the loop pauses for a low rate limit, with what is left and the pause. */
  onPause?(remaining: number, pauseMs: number): void
  /** Called after every poll, with the pause before the next one (none after the last). */
  onPoll?(value: T, nextDelayMs?: number): void
  /** Where the account's RateLimit-Remaining is read (see above). */
  rateLimit?: RateLimitSource
  /** Requests the next poll will make after `value` (default 1): the pause grows with it. */
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
  const {rateLimit, schedule, sleep = pause, timeoutMs = Number.POSITIVE_INFINITY} = options
  const deadline = Date.now() + timeoutMs
  let delay: number | undefined
  for (let polls = 1; ; polls++) {
    // eslint-disable-next-line no-await-in-loop
    const value = await check()
    const done = options.done(value)
    if (done || deadline - Date.now() <= 0) {
      options.onPoll?.(value)
      return {done, polls, value}
    }

    const requests = options.requestsPerPoll?.(value) ?? 1
    delay = nextPollDelay(delay, schedule, requests)
    options.onPoll?.(value, Math.min(delay, deadline - Date.now()))
    // eslint-disable-next-line no-await-in-loop
    await sleep(Math.max(0, Math.min(delay, deadline - Date.now())))
    // eslint-disable-next-line no-await-in-loop
    await waitForRateLimit(rateLimit, options, deadline, requests)
  }
}

/** While the pool is below LOW_RATE_LIMIT (and the deadline not passed): say so, let it refill, ask again (free). */
async function waitForRateLimit<T>(rateLimit: RateLimitSource | undefined, options: PollOptions<T>, deadline: number, requests: number): Promise<void> {
  if (!rateLimit) return
  const {schedule, sleep = pause} = options
  let remaining = rateLimit.rateLimitRemaining
  while (remaining !== undefined && remaining < LOW_RATE_LIMIT && deadline - Date.now() > 0) {
    const ms = Math.min(refillDelay(remaining, schedule, requests), deadline - Date.now())
    options.onPause?.(remaining, ms)
    // eslint-disable-next-line no-await-in-loop
    await sleep(ms)
    // eslint-disable-next-line no-await-in-loop
    remaining = await rateLimit.rateLimitLeft().catch(() => rateLimit.rateLimitRemaining)
  }
}
