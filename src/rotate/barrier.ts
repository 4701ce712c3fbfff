/**
 * The barrier of a staged rotation: wait until every dyno of every holder (web, worker, and one-off `run.N` /
 * `scheduler.N` dynos, which keep the config they started with) runs a release whose key passes a test: accepts NEW
 * after the stage, signs with NEW after the promote, signs with the current key before a rotation starts.
 *
 * Like `status --dynos`, and with its readers (status/readings.ts), each dyno's key is the config var as of the release
 * it runs. One poll: every holder's dynos and newest release, through the pool (one wave), then the config of each
 * release a dyno runs that was not read before. A release's config never changes, so it is read once per rotation,
 * whatever the number of polls.
 */
import type {KeyPrints, Reading} from '../key/compare.js'

import {type PlatformApi} from '../core/platform-api.js'
import {printsOf} from '../key/compare.js'
import {
  addTo, type AppDynos, listDynos, readAtReleases, releaseKey,
} from '../key/readings.js'

export interface DynoKey {
  app: string
  dyno: string
  /** The key the dyno runs; undefined when its release has no usable value. */
  keys?: KeyPrints
  oneOff: boolean
  release: number
}

export interface Straggler {
  app: string
  /** What restarts or stops it. */
  command: string
  dyno: string
  release: number
}

const ONE_OFF = /^(run|scheduler|release)\.\d+$/

/**
 * The command that moves a dyno on: a one-off dyno is stopped (it never restarts), any other is restarted. The dyno
 * goes in --dyno-name: CLI 11 warns that a DYNO argument is deprecated.
 */
export function stragglerCommand(app: string, dyno: string): string {
  return `heroku ${ONE_OFF.test(dyno) ? 'ps:stop' : 'ps:restart'} --dyno-name ${dyno} -a ${app}`
}

/** Reads, poll after poll, the key every dyno of every holder runs; release configs are read once per rotation. */
export class DynoReader {
  private readonly cache = new Map<string, Map<string, Reading>>()

  constructor(private readonly platform: PlatformApi, private readonly holders: ReadonlyArray<{app: string, configVar: string}>) {}

  /** One poll. Throws on the first holder whose dynos or release config could not be read, naming it. */
  async read(): Promise<DynoKey[]> {
    const {holders, platform} = this
    // Every release a dyno runs is read (and cached), the newest included: the barrier needs no newest-release list.
    const listed = await listDynos(platform, holders.map(holder => holder.app), false)
    const wanted = new Map<string, Set<string>>()
    for (const holder of holders) {
      const found = listed.get(holder.app)!
      if ('error' in found) throw new Error(`reading the dynos of ${holder.app} failed: ${found.error}`)
      for (const dyno of found.dynos) addTo(wanted, releaseKey(holder.app, dyno.release), holder.configVar)
    }

    const readings = await readAtReleases(platform, wanted, this.cache)
    return holders.flatMap(holder => (listed.get(holder.app) as AppDynos).dynos.map(dyno => {
      const reading = readings.get(releaseKey(holder.app, dyno.release))?.get(holder.configVar)
      if (reading?.kind === 'unreachable') throw new Error(`reading the config of release v${dyno.release} of ${holder.app} failed: ${reading.reason}`)
      return {
        app: holder.app, dyno: dyno.name, keys: reading?.kind === 'read' ? printsOf(reading.key) : undefined, oneOff: ONE_OFF.test(dyno.name), release: dyno.release,
      }
    }))
  }
}

/** The dynos that do not pass `ready`, as stragglers with the command that moves each on (pure). */
export function stragglers(dynos: readonly DynoKey[], ready: (keys: KeyPrints | undefined) => boolean): Straggler[] {
  return dynos.filter(dyno => !ready(dyno.keys)).map(dyno => ({
    app: dyno.app, command: stragglerCommand(dyno.app, dyno.dyno), dyno: dyno.dyno, release: dyno.release,
  }))
}
