/**
 * Errors a user can act on. Each message is a sentence naming the app or add-on; `suggestions` carry the next command
 * to run. The base command prints them through oclif with a non-zero exit, without a stack trace.
 */
export class SecurekeyError extends Error {
  readonly exit: number
  readonly suggestions: string[]

  constructor(message: string, options: {exit?: number, suggestions?: string[]} = {}) {
    super(message)
    this.name = 'SecurekeyError'
    this.exit = options.exit ?? 1
    this.suggestions = options.suggestions ?? []
  }
}

/** Nothing matched: no such add-on, or the app holds no securekey add-on. */
export class NotFoundError extends SecurekeyError {}

/** More than one add-on matched where the command needs exactly one. */
export class AmbiguousError extends SecurekeyError {}

/** The add-on exists but belongs to another service than securekey. */
export class WrongServiceError extends SecurekeyError {}

/** A destructive or replacing step needs a confirmation that was not given (and no terminal could ask for it). */
export class ConfirmationRequiredError extends SecurekeyError {}
