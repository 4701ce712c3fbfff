/**
 * The account's token pool: every API call takes one, the pool refills continuously in real time
 * (`refillPerMinute`), and an empty pool answers 429. `GET /account/rate-limits` is free.
 */
export class RateLimiter {
  private lastRefill = performance.now()
  private tokens: number

  constructor(private readonly pool: number, private readonly refillPerMinute: number) {
    this.tokens = pool
  }

  get remaining(): number {
    this.refill()
    return Math.floor(this.tokens)
  }

  set remaining(n: number) {
    this.refill()
    this.tokens = Math.max(0, Math.min(this.pool, n))
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
    this.tokens = Math.min(this.pool, this.tokens + (((now - this.lastRefill) * this.refillPerMinute) / 60_000))
    this.lastRefill = now
  }
}
