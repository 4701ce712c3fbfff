/**
 * What every securekey command shares: the Platform API gateway built on this.heroku, the progress display, and one
 * way to end with an error.
 *
 * Errors go through oclif's own machinery: SecurekeyError is a CLIError (message, suggestions, exit code), a failed API
 * call becomes one, and with --json `toErrorJson` prints `{"error": {id, message, status, suggestions}}`, or the
 * command's own document when the error carries one (a teardown that stopped, attach with a failed peer, status
 * --check), so a script always gets one document on stdout. The message still goes to stderr.
 */
import type {APIClient} from '@heroku-cli/command'

import {Command} from '@oclif/core'
import {ux} from '@oclif/core/ux'

import {loadColorLibrary, loadCommandLibrary, useCliRoot} from './cli-libraries.js'
import {useColors} from './color.js'
import {SecurekeyError} from './errors.js'
import {PlatformApi, PlatformError} from './platform-api.js'
import {type Progress} from './progress.js'

/**
 * Progress on stderr: oclif's spinner on a terminal. Without one, a step that only starts and stops prints one line
 * (`Attaching ...... done`), and a step with updates prints them one line each, since oclif's plain spinner would run
 * them together on a single line of a CI log.
 */
export function stderrProgress(terminal = Boolean(process.stderr.isTTY)): Progress {
  let action: string | undefined
  let updated = false
  return {
    start(text) {
      action = text
      updated = false
      if (terminal) ux.action.start(text)
    },
    stop(result) {
      if (terminal || !action) ux.action.stop(result)
      else if (updated) ux.stderr(`  ${result}`)
      else {
        ux.action.start(action)
        ux.action.stop(result)
      }

      action = undefined
    },
    update(status) {
      if (terminal) {
        ux.action.status = status
        return
      }

      if (!updated && action) ux.stderr(`${action}...`)
      updated = true
      ux.stderr(`  ${status}`)
    },
  }
}

/** HEROKU_DEBUG=1 or true, as @heroku-cli/command reads it. */
const on = (value: string | undefined): boolean => value === '1' || value?.toUpperCase() === 'TRUE'

/** A failed API call as the CLIError oclif prints: Heroku's message, its id and status; `Error ID:` where asked for. */
function asCliError(error: unknown): unknown {
  if (error instanceof PlatformError) return new SecurekeyError(error.describe())
  if (error instanceof SecurekeyError && error.apiErrorId) {
    return new SecurekeyError(`${error.message}\n\nError ID: ${error.apiErrorId}`, {exit: error.exit, id: error.id, suggestions: error.suggestions})
  }

  return error
}

/**
 * The base of every command. It builds @heroku-cli/command's APIClient (host, token, credential store, two-factor
 * prompts: all of it that library's) in init(), importing the library there: at the top of a command module it would
 * load its credential manager and @sentry/node, about 0.5 s, even for `--help` (bench/RESULTS.md). Inside the Heroku
 * CLI the library is the copy the CLI already loaded (cli-libraries.ts), as are the colours (color.ts).
 */
export abstract class SecurekeyCommand extends Command {
  protected readonly progress: Progress = stderrProgress()
  private client?: APIClient
  private gateway?: PlatformApi

  /** The APIClient, as @heroku-cli/command's Command makes it (HEROKU_DEBUG, HEROKU_DEBUG_HEADERS). */
  protected get heroku(): APIClient {
    if (!this.client) throw new Error('the API client is made in init()')
    return this.client
  }

  protected get platform(): PlatformApi {
    this.gateway ??= new PlatformApi(this.heroku)
    return this.gateway
  }

  async catch(error: Error & {exitCode?: number}): Promise<unknown> {
    if (ux.action.running) ux.action.stop('failed')
    if (this.jsonEnabled()) this.logJson(this.toErrorJson(error))
    throw asCliError(error)
  }

  async init(): Promise<void> {
    await super.init()
    useCliRoot(this.config.root)
    // Without Heroku's colours the output is plain, as when it is not a terminal; without its API client nothing works.
    const [command, colors] = await Promise.all([loadCommandLibrary(), loadColorLibrary().catch(() => {})])
    this.debug(`@heroku-cli/command from the ${command.from} (${command.url}), colours from ${colors ? `the ${colors.from} (${colors.url})` : 'nowhere'}`)
    if (colors) useColors(colors.library)
    const {APIClient} = command.library
    this.client = new APIClient(this.config, {debug: on(process.env.HEROKU_DEBUG), debugHeaders: on(process.env.HEROKU_DEBUG_HEADERS)})
    await this.client.getAuth()
  }

  protected toErrorJson(error: unknown): unknown {
    if (error instanceof SecurekeyError) {
      if (error.document !== undefined) return error.document
      return {
        error: {
          id: error.id, message: error.message, status: undefined, suggestions: error.suggestions,
        },
      }
    }

    if (error instanceof PlatformError) {
      return {
        error: {
          id: error.id, message: error.message, status: error.status || undefined, suggestions: [],
        },
      }
    }

    return super.toErrorJson(error)
  }
}
