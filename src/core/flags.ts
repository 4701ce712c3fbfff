import {Flags} from '@oclif/core'

import {app, remote} from './app-flag.js'
import {parseDuration} from './duration.js'

/** A flag that takes a duration as users type it (`90s`, `5m`, `1h30m`, `14d`), parsed to milliseconds. */
export const durationFlag = Flags.custom<number>({
  async parse(input) {
    const ms = parseDuration(input)
    if (ms === undefined || ms <= 0) throw new Error(`Expected a duration like 90s, 5m or 1h30m, got "${input}".`)
    return ms
  },
})

/** The flags the commands take: oclif's, and -a/--app, -r/--remote as Heroku's commands take them (app-flag.ts). */
export const flags = {
  app, boolean: Flags.boolean, remote, string: Flags.string,
}
