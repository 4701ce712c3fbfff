/**
 * What every securekey command shares: the Platform gateway built on this.heroku, and one way to end with an error.
 * SecurekeyError and PlatformError become a one-line message (with suggestions) and a non-zero exit, never a stack trace.
 */
import {Command} from '@heroku-cli/command'
import {ux} from '@oclif/core/ux'

import {SecurekeyError} from './errors.js'
import {Platform, PlatformError} from './platform.js'

export abstract class SecurekeyCommand extends Command {
  private gateway?: Platform

  protected get platform(): Platform {
    this.gateway ??= new Platform(this.heroku)
    return this.gateway
  }

  async catch(error: Error & {exitCode?: number, oclif?: {exit?: number}}): Promise<unknown> {
    if (ux.action.running) ux.action.stop('failed')
    if (error instanceof SecurekeyError) {
      this.error(error.message, {exit: error.exit, suggestions: error.suggestions.length > 0 ? error.suggestions : undefined})
    }

    if (error instanceof PlatformError) {
      // A socket error has no status or API id worth showing; its message already names the cause.
      this.error(error.status ? `${error.message} (${error.id}, HTTP ${error.status})` : error.message, {exit: 1})
    }

    return super.catch(error)
  }
}
