import type {Timers} from './timers.js'

interface PendingRestart {
  due: number
  key: string
  run: () => void
}

/**
 * Work due later (late dyno restarts, the platform's own delays), run in the order of their due
 * times (ties in the order they were added). One timer for the soonest: separate timers a
 * millisecond apart may fire out of order, and the seeded order must hold. `now` is the clock the
 * due times are on: `performance.now()` by default, or the sandbox clock, which `runDue` catches up
 * with after it jumps.
 */
export class RestartQueue {
  private pending: PendingRestart[] = []
  private timer?: NodeJS.Timeout

  constructor(private readonly timers: Timers, private readonly now: () => number = () => performance.now()) {}

  /** Runs `run` at `from + delayMs` (ms on this queue's clock). */
  add(key: string, from: number, delayMs: number, run: () => void): void {
    const due = from + delayMs
    const at = this.pending.findIndex(restart => restart.due > due)
    this.pending.splice(at === -1 ? this.pending.length : at, 0, {due, key, run})
    this.schedule()
  }

  cancel(key: string): void {
    const before = this.pending.length
    this.pending = this.pending.filter(restart => restart.key !== key)
    if (this.pending.length !== before) this.schedule()
  }

  has(key: string): boolean {
    return this.pending.some(restart => restart.key === key)
  }

  /** Runs now, in order, everything due by now (including what those runs add that is due already). */
  runDue(): void {
    while (this.pending.length > 0 && this.pending[0].due <= this.now()) this.pending.shift()!.run()
    this.schedule()
  }

  /** The soonest restart, and every other one due by now, in order. */
  private fire(): void {
    this.timer = undefined
    const limit = Math.max(this.now(), this.pending[0]?.due ?? 0)
    while (this.pending.length > 0 && this.pending[0].due <= limit) this.pending.shift()!.run()
    this.schedule()
  }

  private schedule(): void {
    if (this.timer !== undefined) this.timers.cancel(this.timer)
    this.timer = undefined
    if (this.pending.length === 0) return
    this.timer = this.timers.after(Math.max(0, Math.ceil(this.pending[0].due - this.now())), () => this.fire())
  }
}
