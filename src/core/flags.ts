import {Errors, Flags} from '@oclif/core'

import {app, remote} from './app-flag.js'
import {isBareNumber, parseDuration} from './duration.js'

/**
 * A flag that takes a duration as users type it (`90s`, `5m`, `1h30m`, `14d`), parsed to milliseconds. A refusal is a
 * CLIError with exit 2, as oclif's own flag errors are: oclif prefixes it with `Parsing --flag` and prints it with its
 * marker, where a plain Error would exit 1 without one.
 */
export const durationFlag = Flags.custom<number>({
  async parse(input) {
    if (isBareNumber(input)) {
      throw new Errors.CLIError(`Expected a duration with a unit, got "${input}": say ${input}d, ${input}h, ${input}m or ${input}s.`, {exit: 2})
    }

    const ms = parseDuration(input)
    if (ms === undefined || ms <= 0) throw new Errors.CLIError(`Expected a duration like 90s, 5m, 1h30m or 14d, got "${input}".`, {exit: 2})
    return ms
  },
})

/** The flags the commands take: oclif's, and -a/--app, -r/--remote as Heroku's commands take them (app-flag.ts). */
export const flags = {
  app, boolean: Flags.boolean, remote, string: Flags.string,
}
