import type {SandboxControl} from '../../sandbox/index.js'

/** An app that keeps the shared key in a plain config var, as "LATEST,PREVIOUS". */
export interface KeyHolder {
  app: string
  configVar: string
}

export interface RefusedPairs {
  /** Ordered pairs (a, b) of running dynos, listed or unlisted, on different apps where a signs with a key. */
  pairs: number
  /** Those of them where b accepts neither of its keys for a's signature: `app/dyno` names only, never values. */
  refused: Array<{from: string, to: string}>
}

interface RunningDyno {
  accepts: Set<string>
  app: string
  name: string
  signs: string | undefined
}

/**
 * Every running dyno (`up` or `starting`) of every holder app, one-off ones and the old web dynos
 * preboot keeps serving unlisted included, with the keys of the release it truly runs. An unlisted
 * one is named `app/web.1 (unlisted v7)`.
 */
function runningDynos(control: SandboxControl, holders: KeyHolder[]): RunningDyno[] {
  return holders.flatMap(({app, configVar}) => control.runningDynos(app).map(dyno => {
    const value = control.releaseConfigVars(app, dyno.version)[configVar] ?? ''
    const [latest, previous] = value.split(',').map(key => key.trim())
    return {
      accepts: new Set([latest, previous].filter(Boolean)),
      app,
      name: dyno.listed ? `${app}/${dyno.name}` : `${app}/${dyno.name} (unlisted v${dyno.version})`,
      signs: latest || undefined,
    }
  }))
}

/**
 * How many cross-app calls would be refused right now: a dyno signs with the LATEST key of the
 * release it runs, and a dyno accepts the LATEST and PREVIOUS keys of its own. A rotation is safe
 * when this stays empty at every moment (see `control.onEvent`).
 */
export function refusedPairs(control: SandboxControl, holders: KeyHolder[]): RefusedPairs {
  const dynos = runningDynos(control, holders)
  const refused: RefusedPairs['refused'] = []
  let pairs = 0
  for (const from of dynos) {
    if (from.signs === undefined) continue
    for (const to of dynos) {
      if (to.app === from.app) continue
      pairs++
      if (!to.accepts.has(from.signs)) refused.push({from: from.name, to: to.name})
    }
  }

  return {pairs, refused}
}
