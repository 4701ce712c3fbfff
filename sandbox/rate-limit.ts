/**
 * The account's token pool: every API call takes one, the pool refills continuously in real time
 * (`refillPerMinute`; `advanceClock` does not refill it), and an empty pool answers 429.
 * `GET /account/rate-limits` is free.
 */
export class RateLimiter {
  private lastRefill = performance.now()
  private tokens: number

  constructor(private capacity: number, private perMinute: number) {
    this.tokens = capacity
  }

  get pool(): number {
    return this.capacity
  }

  get refillPerMinute(): number {
    return this.perMinute
  }

  get remaining(): number {
    this.refill()
    return Math.floor(this.tokens)
  }

  set remaining(n: number) {
    this.refill()
    this.tokens = Math.max(0, Math.min(this.capacity, n))
  }

  /** Changes any of the pool's size, its refill rate and what is left (what is left is capped by the new size). */
  configure(settings: {pool?: number, refillPerMinute?: number, remaining?: number}): void {
    for (const [key, value] of Object.entries(settings)) {
      if (value !== undefined && !(Number.isFinite(value) && value >= 0)) throw new Error(`Rate limit ${key} must be a number >= 0, not ${value}.`)
    }

    this.refill()
    if (settings.pool !== undefined) this.capacity = settings.pool
    if (settings.refillPerMinute !== undefined) this.perMinute = settings.refillPerMinute
    this.tokens = Math.min(this.capacity, settings.remaining ?? this.tokens)
  }

  /** Takes one token; false when the pool is empty. */
  take(): boolean {
    this.refill()
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }

  private refill(): void {
    const now = performance.now()
    this.tokens = Math.min(this.capacity, this.tokens + (((now - this.lastRefill) * this.perMinute) / 60_000))
    this.lastRefill = now
  }
}
