/**
 * What kind of process a listed dyno is, as the barrier (rotate/barrier.ts) and `status --dynos` both read it. Pure.
 *
 * - one-off dynos (`run.N` from `heroku run`, `scheduler.N` from Heroku Scheduler) keep their release until they exit:
 *   a restart never moves them, a stop ends them;
 * - `release.N` runs the release command of the newest release (its status speaks for it);
 * - a dyno that is `crashed`, `idle` (an eco dyno asleep) or `down` runs no process, so it holds no key; the platform
 *   brings it back on the app's newest release;
 * - a dyno that does not say which release it runs (release 0 here: a Fir app) cannot be proven to run any key;
 * - with preboot, the old web dynos keep serving, unlisted, for the boot timeout + 2 minutes after the new ones start.
 */
/** A dyno as the dynos list gives it, reduced to what the comparison and the barrier need. */
export interface DynoOnRelease {
  command?: string
  /** When the platform started it (ISO time, the platform's clock). */
  createdAt?: string
  name: string
  /** The release it runs; 0 when the dyno does not say (a Fir app). */
  release: number
  /** `starting`, `up`, `crashed`, `idle` or `down`. */
  state?: string
  type?: string
}

/** Heroku's preboot window is the boot timeout (up to 180 s when raised) plus two minutes; this covers the longest. */
export const DEFAULT_PREBOOT_WAIT_MS = 5 * 60_000

const ONE_OFF = /^(run|scheduler)\.\d+$/
const RELEASE_DYNO = /^release\.\d+$/
const NOT_RUNNING = new Set(['crashed', 'down', 'idle'])

export const isOneOff = (dyno: Pick<DynoOnRelease, 'name'>): boolean => ONE_OFF.test(dyno.name)

export const isReleaseDyno = (dyno: Pick<DynoOnRelease, 'name' | 'type'>): boolean => RELEASE_DYNO.test(dyno.name) || dyno.type === 'release'

export const isDown = (dyno: Pick<DynoOnRelease, 'state'>): boolean => NOT_RUNNING.has(dyno.state ?? '')

export const releaseUnknown = (dyno: Pick<DynoOnRelease, 'release'>): boolean => dyno.release === 0

export const isWeb = (dyno: Pick<DynoOnRelease, 'name' | 'type'>): boolean => dyno.type === 'web' || dyno.name.startsWith('web.')

/** Until when (ms, the platform's clock) the web dynos `dyno` replaced under preboot may still serve; NaN when unknown. */
export const prebootUntil = (dyno: Pick<DynoOnRelease, 'createdAt'>, windowMs: number): number => Date.parse(dyno.createdAt ?? '') + windowMs

/**
 * The command that moves a dyno on: a one-off dyno is stopped (it never restarts), any other is restarted. The dyno
 * goes in --dyno-name: CLI 11 warns that a DYNO argument is deprecated.
 */
export function moveOnCommand(app: string, dyno: string): string {
  return `heroku ${ONE_OFF.test(dyno) ? 'ps:stop' : 'ps:restart'} --dyno-name ${dyno} -a ${app}`
}
