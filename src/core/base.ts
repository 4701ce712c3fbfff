/**
 * What every securekey command shares: the Platform API gateway built on this.heroku, and one way to end with an error.
 * SecurekeyError and PlatformError become a one-line message (with suggestions) and a non-zero exit, never a stack trace.
 * With --json, a command that fails before printing its document prints `{"error": {id, message, suggestions}}`
 * instead, so a script always gets one document on stdout; the message still goes to stderr.
 */
import {Command, flags} from '@heroku-cli/command'
import {ux} from '@oclif/core/ux'

import {SecurekeyError} from './errors.js'
import {PlatformApi, PlatformError} from './platform-api.js'

interface Failure {
  exit: number
  id: string
  message: string
  status?: number
  suggestions: string[]
  text: string
}

/** `NotFoundError` → `not_found`: the id of a plugin error in --json output. */
const errorId = (error: SecurekeyError): string =>
  error.constructor.name.replace(/Error$/, '').replaceAll(/([a-z])([A-Z])/g, '$1_$2').toLowerCase() || 'error'

function failureOf(error: unknown): Failure | undefined {
  if (error instanceof SecurekeyError) {
    return {
      exit: error.exit, id: errorId(error), message: error.message, suggestions: error.suggestions, text: error.message,
    }
  }

  if (error instanceof PlatformError) {
    return {
      exit: 1, id: error.id, message: error.message, status: error.status || undefined, suggestions: [], text: error.describe(),
    }
  }

  return undefined
}

/**
 * How often provision --wait and teardown --wait poll (Heroku's own CLI polls every 5 s). Hidden: it is for tests and the
 * demo, through HEROKU_SECUREKEY_WAIT_INTERVAL_MS.
 */
export const waitIntervalFlag = flags.integer({
  default: 5000, description: 'ms between polls while waiting', env: 'HEROKU_SECUREKEY_WAIT_INTERVAL_MS', hidden: true, min: 1,
})

export abstract class SecurekeyCommand extends Command {
  private gateway?: PlatformApi
  private printedJson = false

  protected get platform(): PlatformApi {
    this.gateway ??= new PlatformApi(this.heroku)
    return this.gateway
  }

  async catch(error: Error & {exitCode?: number, oclif?: {exit?: number}}): Promise<unknown> {
    if (ux.action.running) ux.action.stop('failed')
    const failure = failureOf(error)
    if (!failure) return super.catch(error)
    if (this.jsonEnabled() && !this.printedJson) {
      const {id, message, status, suggestions} = failure
      this.logJson({
        error: {
          id, message, status, suggestions,
        },
      })
    }

    this.error(failure.text, {exit: failure.exit, suggestions: failure.suggestions.length > 0 ? failure.suggestions : undefined})
  }

  logJson(json: unknown): void {
    this.printedJson = true
    super.logJson(json)
  }
}
