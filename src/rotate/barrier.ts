/**
 * The barrier of a staged rotation: wait until every dyno of every holder (web, worker, and one-off `run.N` /
 * `scheduler.N` dynos, which keep the config they started with) runs a release whose key passes a test: accepts NEW
 * after the stage, signs with NEW after the promote, signs with the current key before a rotation starts.
 *
 * Like `status --dynos`, each dyno's key is the config var as of the release it runs. One poll: every holder's dynos
 * and newest release, through the pool (one wave), then the config of each release a dyno runs that was not read
 * before. A release's config never changes, so it is read once per rotation, whatever the number of polls.
 */
import type {KeyPrints} from '../status/compare.js'

import {describeFailure, type PlatformApi} from '../core/platform-api.js'
import {parseSecureKey} from '../runtime/key.js'
import {printsOf} from '../status/compare.js'

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

/** The command that moves a dyno on: a one-off dyno is stopped (it never restarts), any other is restarted. */
export function stragglerCommand(app: string, dyno: string): string {
  return ONE_OFF.test(dyno) ? `heroku ps:stop ${dyno} -a ${app}` : `heroku ps:restart ${dyno} -a ${app}`
}

export class DynoReader {
  private readonly releases = new Map<string, KeyPrints | undefined>()

  constructor(private readonly platform: PlatformApi, private readonly holders: ReadonlyArray<{app: string, var: string}>) {}

  /** One poll: the key every dyno of every holder runs. Throws the first failed read, naming its app. */
  async read(): Promise<DynoKey[]> {
    const {platform} = this
    const listed = await platform.each(this.holders, async holder => {
      try {
        const dynos = await platform.dynos(holder.app)
        return dynos.map(dyno => ({dyno: dyno.name!, release: dyno.release?.version ?? 0}))
      } catch (error) {
        throw new Error(`reading the dynos of ${holder.app} failed: ${describeFailure(error)}`)
      }
    })
    const wanted = this.holders.flatMap((holder, index) => listed[index].map(dyno => ({...holder, release: dyno.release})))
    .filter(({app, release}, index, all) => !this.releases.has(`${app}\n${release}`) && all.findIndex(other => other.app === app && other.release === release) === index)
    await platform.each(wanted, async ({app, release, var: keyVar}) => {
      try {
        const config = await platform.releaseConfigVars(app, release)
        this.releases.set(`${app}\n${release}`, printsOf(parseSecureKey(config[keyVar])))
      } catch (error) {
        throw new Error(`reading the config of release v${release} of ${app} failed: ${describeFailure(error)}`)
      }
    })
    return this.holders.flatMap((holder, index) => listed[index].map(dyno => ({
      app: holder.app, dyno: dyno.dyno, keys: this.releases.get(`${holder.app}\n${dyno.release}`), oneOff: ONE_OFF.test(dyno.dyno), release: dyno.release,
    })))
  }
}

/** The dynos that do not pass `ready`, as stragglers with the command that moves each on (pure). */
export function stragglers(dynos: readonly DynoKey[], ready: (keys: KeyPrints | undefined) => boolean): Straggler[] {
  return dynos.filter(dyno => !ready(dyno.keys)).map(dyno => ({
    app: dyno.app, command: stragglerCommand(dyno.app, dyno.dyno), dyno: dyno.dyno, release: dyno.release,
  }))
}
