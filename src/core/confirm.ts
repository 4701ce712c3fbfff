/**
 * Every confirmation a command asks for, one way: a destructive step (teardown, rotate) and a replacement the API asks
 * to confirm (provision and attach onto a taken name).
 *
 * A step is agreed when `--confirm APP` names the app it changes; otherwise a terminal user is asked to type the app's
 * name (hux.confirmCommand), one prompt at a time; without a terminal the command stops, changing nothing, with a
 * non-zero exit and the flag to add. Heroku's own CLI exits 0 there having done nothing, which a script cannot tell
 * from success; this plugin never does that. A `--confirm` naming none of the apps a command changes is refused
 * before any request.
 *
 * The replacement flow: when an attachment name is already taken on an app (by another attachment or a config var set
 * by hand), the API answers with the error id `confirmation_required` (423 with X-Confirmation-Required in the sandbox,
 * 400 in some fixtures: we key on the id, never the status) and expects the same request again with `confirm: "<app>"`.
 * The request is always tried once without `confirm`, so a replacement only ever happens when the API says one is
 * needed and the user agreed to it for that very app.
 */
// hux (its index pulls in @oclif/table, ink and react) is imported only when a person is asked, from the running CLI
// (cli-libraries.ts): the command modules import this file (status too, through attach/self-managed), and --help and
// --confirm runs need none of it.
import type {prompt} from '@heroku/heroku-cli-util/hux'

import {ux} from '@oclif/core/ux'

import {loadHuxLibrary} from './cli-libraries.js'
import {ConfirmationRequiredError} from './errors.js'
import {PlatformError} from './platform-api.js'

export interface Confirmer {
  /** Values of --confirm: each names an app for which a replacement is agreed in advance. */
  confirmed: readonly string[]
  /** True when a person can be asked (stdin is a terminal). */
  interactive: boolean
  /** Asks for a typed answer; injectable so tests can play the user. */
  prompt: typeof prompt
}

export interface ConfirmationRequest {
  /** The app the user must name (the one the API returned in X-Confirmation-Required). */
  app: string
  /** The command line that confirms in advance, for the abort message. */
  rerun: string
  /** What confirming will do, in a sentence: shown before the prompt and in the abort message. */
  warning: string
}

/** How a replacement was agreed: by --confirm, or typed at the prompt. */
export type ConfirmedBy = 'flag' | 'prompt'

/**
 * Refuses a --confirm that names none of the apps the command changes, before any request (pure). `owner` is for
 * commands that change one owner's key: the message then says whose it is.
 */
export function checkConfirmations(confirmed: readonly string[], apps: readonly string[], owner?: {of: string}): void {
  for (const app of confirmed) {
    if (apps.includes(app)) continue
    if (owner) throw new ConfirmationRequiredError(`--confirm ${app} does not match ${apps[0]}, the app that owns ${owner.of}: nothing was changed.`)
    const which = apps.length === 1 ? 'the app' : 'any of the apps'
    throw new ConfirmationRequiredError(`--confirm ${app} does not match ${which} this command changes (${apps.join(', ')}): --confirm takes the app whose attachment name may be replaced.`)
  }
}

const lazyPrompt: typeof prompt = async (...args) => (await loadHuxLibrary()).library.prompt(...args)

export function terminalConfirmer(confirmed: readonly string[] = []): Confirmer {
  return {confirmed, interactive: Boolean(process.stdin.isTTY), prompt: lazyPrompt}
}

export function isConfirmationRequired(error: unknown): error is PlatformError {
  return error instanceof PlatformError && error.id === 'confirmation_required'
}

// Prompts from peers attached in parallel wait for each other: one question on the terminal at a time.
let promptQueue: Promise<unknown> = Promise.resolve()

/** Resolves when the step described by `request` is agreed; throws ConfirmationRequiredError otherwise. */
export async function confirmAction(request: ConfirmationRequest, confirmer: Confirmer): Promise<ConfirmedBy> {
  if (confirmer.confirmed.includes(request.app)) return 'flag'
  if (!confirmer.interactive) {
    throw new ConfirmationRequiredError(`${request.warning} Nothing was changed on ${request.app}. There is no terminal to confirm on: re-run with --confirm ${request.app}.`, {
      suggestions: [request.rerun],
    })
  }

  const asked = promptQueue.then(() => ask(request, confirmer))
  promptQueue = asked.catch(() => {})
  await asked
  return 'prompt'
}

async function ask(request: ConfirmationRequest, confirmer: Confirmer): Promise<void> {
  const {confirmCommand} = (await loadHuxLibrary()).library
  const question = () => confirmCommand({
    abortedMessage: `Nothing was changed on ${request.app}.`,
    comparison: request.app,
    promptFunction: confirmer.prompt,
    warningMessage: request.warning,
  })
  try {
    await (ux.action.running ? ux.action.pauseAsync(question) : question())
  } catch (error) {
    throw new ConfirmationRequiredError((error as Error).message, {suggestions: [request.rerun]})
  }
}

/**
 * Sends a request that may need confirming: once without `confirm`, and on `confirmation_required` once more with
 * `confirm` set to the app the API named, if the replacement is agreed. Any other failure is thrown as it came.
 */
export async function sendConfirmed<T>(
  send: (confirm?: string) => Promise<T>,
  request: Omit<ConfirmationRequest, 'warning'> & {warning: (apiMessage: string) => string},
  confirmer: Confirmer,
): Promise<{confirmedBy?: ConfirmedBy, result: T}> {
  try {
    return {result: await send()}
  } catch (error) {
    if (!isConfirmationRequired(error)) throw error
    const app = error.confirmationApp ?? request.app
    const confirmedBy = await confirmAction({app, rerun: request.rerun, warning: request.warning(error.message)}, confirmer)
    return {confirmedBy, result: await send(app)}
  }
}
