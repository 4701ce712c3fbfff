/**
 * The barrier of a staged rotation: wait until every process that could hold the key runs a release whose key passes
 * the step's test (accepts NEW after the stage, signs with NEW after the promote, signs with the current key before a
 * rotation starts). What it knows about Heroku's dynos (platform-api facts; docs/rotation.md says why each choice):
 *
 * - Each dyno's key is the config var as of the release it runs; a release's config never changes, so it is read once
 *   per rotation, whatever the number of polls.
 * - **Preboot**: after a release the listed web dynos are the new ones while the old ones still serve, unlisted, for
 *   about three minutes (boot timeout + 2 min). On an app with preboot (one feature read per holder per run), a web
 *   dyno counts only once `prebootMs` has passed since the platform created it, both times on the platform's clock
 *   (its Date header), so a re-run does not wait again for a window that is over.
 * - **Release phase**: a release whose release command failed is never deployed, so its dynos keep the old key: the
 *   barrier stops at once naming the release. One still `pending` is waited for, within the timeout.
 * - **One-off dynos** (`run.N`, `scheduler.N`) keep their release until they exit: waited for, and named with the
 *   command that stops them, except the dyno this rotation runs in (`DYNO`, and its command runs securekey:rotate),
 *   which would otherwise wait for itself. `release.N` dynos run the release command of the newest release: left out,
 *   as `heroku ps:wait` leaves them out; the release's status speaks for them.
 * - A dyno that runs no process (`crashed`, `idle`, `down`) holds no key while down and comes back on the app's newest
 *   release: it passes when that release passes. A dyno that does not say which release it runs never passes.
 * - **Rate limit**: once an app has passed, polls read only the apps that have not (two requests each), then one full
 *   read of every holder confirms before the barrier passes. Pauses follow core/wait.ts (the account's budget).
 */
import type {KeyPrints, Reading} from '../key/compare.js'

import {type PlatformApi} from '../core/platform-api.js'
import {type Progress} from '../core/progress.js'
import {type PollSchedule, pollUntil} from '../core/wait.js'
import {printsOf} from '../key/compare.js'
import {
  type DynoOnRelease, isDown, isReleaseDyno, isWeb, moveOnCommand, prebootUntil, releaseUnknown,
} from '../key/dynos.js'
import {type GoneHolder, goneHolder} from '../key/gone-holder.js'
import {
  addTo, type AppDynos, listDynos, readAtReleases, readPreboot, releaseKey,
} from '../key/readings.js'

export interface Straggler {
  app: string
  /** What moves it on (a restart, or a stop for a one-off dyno); none when only time does. */
  command?: string
  dyno: string
  /** Why it does not pass yet, in a few words. */
  reason: string
  release: number
}

/** Where the rotation runs, when in a dyno: `DYNO` (e.g. scheduler.4242). */
export interface Runner {
  dyno?: string
}

/** What one read of an app tells the barrier (pure input of `appVerdict`). */
export interface AppRead {
  app: string
  configVar: string
  dynos: readonly DynoOnRelease[]
  newest?: {status: string, version: number}
  /** The parsed var as of each release read, by version. */
  readings: ReadonlyMap<number, Reading | undefined>
}

export interface BarrierRules {
  /** The platform's clock now (ms). */
  now: number
  preboot: boolean
  prebootMs: number
  ready(keys: KeyPrints | undefined): boolean
  runner: Runner
}

/** A reason to stop at once: waiting cannot help. */
export interface Halt {
  app: string
  /** The holder is deleted or out of reach (key/gone-holder.ts). */
  gone?: GoneHolder
  message: string
  suggestions: string[]
}

const clock = (ms: number) => new Date(ms).toISOString().slice(11, 19)

/** Whether `dyno` is the one this rotation runs in: its name is DYNO and its command runs securekey:rotate. */
export const isRunner = (dyno: DynoOnRelease, runner: Runner): boolean => Boolean(runner.dyno) && dyno.name === runner.dyno && /securekey:rotate/.test(dyno.command ?? '')

/** The dynos of one app that do not pass yet, or why the barrier must stop at once (pure). */
export function appVerdict(read: AppRead, rules: BarrierRules): {halt?: Halt, left: Straggler[]} {
  const {app, configVar, newest} = read
  const keysAt = (version: number) => {
    const reading = read.readings.get(version)
    return reading?.kind === 'read' ? printsOf(reading.key) : undefined
  }

  const newestPasses = newest?.status === 'succeeded' && rules.ready(keysAt(newest.version))
  const left: Straggler[] = []
  for (const dyno of read.dynos) {
    if (isReleaseDyno(dyno) || isRunner(dyno, rules.runner)) continue
    const at = {app, dyno: dyno.name, release: dyno.release}
    if (releaseUnknown(dyno)) {
      left.push({...at, reason: 'does not say which release it runs, so its key cannot be proven'})
      continue
    }

    if (isDown(dyno)) {
      if (!newestPasses) left.push({...at, command: moveOnCommand(app, dyno.name), reason: `is ${dyno.state} and would come back on v${newest?.version ?? '?'}, which does not pass yet`})
      continue
    }

    if (!rules.ready(keysAt(dyno.release))) {
      const waiting = newest?.status === 'pending' && newest.version > dyno.release ? `; v${newest.version} is in its release phase` : ''
      left.push({...at, command: moveOnCommand(app, dyno.name), reason: `runs v${dyno.release}${waiting}`})
      continue
    }

    if (rules.preboot && isWeb(dyno)) {
      const until = prebootUntil(dyno, rules.prebootMs)
      if (!Number.isFinite(until)) left.push({...at, reason: 'preboot: its start time is unknown, so the old web dynos may still serve'})
      else if (until > rules.now) left.push({...at, reason: `preboot: the web dynos it replaced may serve until ${clock(until)} UTC`})
    }
  }

  if (left.length > 0 && newest?.status === 'failed') {
    const fix = `heroku releases:retry -a ${app}`
    return {
      halt: {
        app, message: `Release v${newest.version} of ${app} failed its release phase, so no dyno of ${app} boots on it and its dynos keep the old key. Fix the release command, release again (${fix}), then run the same command.`, suggestions: [`heroku releases:info v${newest.version} -a ${app}`, fix],
      },
      left,
    }
  }

  // The newest release a dyno already runs lacks the var: the key was removed under the rotation.
  const atNewest = newest && read.dynos.some(dyno => dyno.release === newest.version) ? read.readings.get(newest.version) : undefined
  if (newest && atNewest?.kind === 'read' && atNewest.key === undefined) {
    return {
      halt: {app, message: `${configVar} is no longer set on ${app} (release v${newest.version} removed it): the key was torn down or changed during the rotation.`, suggestions: []},
      left,
    }
  }

  return {left}
}

export interface BarrierOptions {
  holders: ReadonlyArray<{app: string, configVar: string}>
  label: string
  poll: PollSchedule
  prebootMs: number
  progress: Progress
  ready(keys: KeyPrints | undefined): boolean
  runner: Runner
  timeoutMs: number
}

export type BarrierResult = {halt: Halt, left: Straggler[], passed: false} | {left: Straggler[], passed: boolean}

/** One read of some holders: each app's dynos that do not pass, and the first reason to stop at once, if any. */
interface Read {
  halt?: Halt
  left: Map<string, Straggler[]>
}

/** The releases whose config a holder's verdict needs: its newest, and each one a dyno runs. */
const versionsOf = (found: AppDynos): number[] => [...new Set([found.newest?.version ?? 0, ...found.dynos.map(dyno => dyno.release)])].filter(version => version > 0)

/**
 * Reads the holders' dynos poll after poll for one rotation; release configs and preboot settings are read once per
 * run and kept across its barriers.
 */
export class DynoReader {
  private readonly cache = new Map<string, Map<string, Reading>>()
  private preboot?: Map<string, boolean>

  constructor(private readonly platform: PlatformApi) {}

  /** Waits until every dyno of every holder passes `ready`, the timeout passes, or waiting cannot help. */
  async barrier(options: BarrierOptions): Promise<BarrierResult> {
    const {holders, progress} = options
    const apps = [...new Set(holders.map(holder => holder.app))]
    const lastLeft = new Map<string, Straggler[]>()
    let pending = apps
    let halt: Halt | undefined
    /** Reads `some` apps, keeping what each still lacks; the dynos of every app left, as last read. */
    const readApps = async (some: readonly string[]): Promise<Straggler[]> => {
      const read = await this.read(options, some)
      for (const [app, left] of read.left) lastLeft.set(app, left)
      halt = read.halt
      return apps.flatMap(app => lastLeft.get(app) ?? [])
    }

    progress.start(options.label)
    const check = async (): Promise<Straggler[]> => {
      const partial = pending.length < apps.length
      let left = await readApps(pending)
      // Apps that passed are not read again until none is left; then one full read confirms.
      if (left.length === 0 && partial && !halt) left = await readApps(apps)
      pending = apps.filter(app => (lastLeft.get(app) ?? []).length > 0)
      return left
    }

    const {done, value} = await pollUntil(check, {
      done: left => left.length === 0 || halt !== undefined,
      onPause: (remaining, ms) => progress.update(`pausing ${Math.ceil(ms / 1000)}s: the account has ${remaining} API requests left (below 500), leaving them to its other tools`),
      onPoll: (left, next) => next !== undefined && progress.update(`${left.length} dyno${left.length === 1 ? '' : 's'} to go: ${left.slice(0, 3).map(dyno => `${dyno.app} ${dyno.dyno} (${dyno.reason})`).join(', ')}${left.length > 3 ? ', …' : ''}`),
      rateLimit: this.platform,
      requestsPerPoll: () => pending.length * 2,
      schedule: options.poll,
      timeoutMs: options.timeoutMs,
    })
    if (halt) {
      progress.stop(`stopped: ${halt.app}`)
      return {halt, left: value, passed: false}
    }

    progress.stop(done ? 'done' : `${value.length} dyno${value.length === 1 ? '' : 's'} did not get there`)
    return {left: done ? [] : value, passed: done}
  }

  /** Preboot per holder app, read once per run (one request each). */
  private async prebootOf(options: BarrierOptions): Promise<Map<string, boolean>> {
    if (!this.preboot) {
      this.preboot = await readPreboot(this.platform, [...new Set(options.holders.map(holder => holder.app))])
    }

    return this.preboot
  }

  /** One read of `apps`: dynos and newest release (through the pool, one wave), then the release configs not read before. */
  private async read(options: BarrierOptions, apps: readonly string[]): Promise<Read> {
    const {platform} = this
    const holders = options.holders.filter(holder => apps.includes(holder.app))
    const preboot = await this.prebootOf(options)
    const listed = await listDynos(platform, apps)
    const wanted = new Map<string, Set<string>>()
    const halts: Halt[] = []
    const readable: Array<{found: AppDynos, holder: {app: string, configVar: string}}> = []
    for (const holder of holders) {
      const found = listed.get(holder.app)!
      if ('error' in found) {
        // A holder that is gone stops the rotation at once; any other failure is the poll's, and the run stops there.
        const lost = goneHolder(holder.app, found.failure)
        if (!lost) throw new Error(`reading the dynos of ${holder.app} failed: ${found.error}`)
        halts.push({
          app: holder.app, gone: lost, message: `${holder.app} holds ${holder.configVar} but cannot be read any more.`, suggestions: [],
        })
        continue
      }

      readable.push({found, holder})
      for (const version of versionsOf(found)) addTo(wanted, releaseKey(holder.app, version), holder.configVar)
    }

    const readings = await readAtReleases(platform, wanted, this.cache)
    const left = new Map<string, Straggler[]>()
    const now = platform.serverTime ?? Date.now()
    for (const {found, holder} of readable) {
      const byVersion = new Map(versionsOf(found).map(version => [version, readings.get(releaseKey(holder.app, version))?.get(holder.configVar)]))
      const unreadable = [...byVersion].find(([, reading]) => reading?.kind === 'unreachable')
      if (unreadable) throw new Error(`reading the config of release v${unreadable[0]} of ${holder.app} failed: ${(unreadable[1] as {reason: string}).reason}`)
      const verdict = appVerdict({
        app: holder.app, configVar: holder.configVar, dynos: found.dynos, newest: found.newest, readings: byVersion,
      }, {
        now, preboot: preboot.get(holder.app) ?? false, prebootMs: options.prebootMs, ready: options.ready, runner: options.runner,
      })
      if (verdict.halt) halts.push(verdict.halt)
      left.set(holder.app, [...left.get(holder.app) ?? [], ...verdict.left])
    }

    return {halt: halts[0], left}
  }
}
