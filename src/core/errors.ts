/**
 * Errors a user can act on. Each message is a sentence naming the app or add-on; `suggestions` carry the next command
 * to run. They are oclif CLIErrors, so oclif prints them (message, then "Try this:" suggestions) with their exit code and
 * no stack trace.
 *
 * `id` is public: it is `error.id` in the `{"error": {...}}` document every command prints with --json when it fails.
 * It is written here, never derived from a class name, so that renaming a class cannot change the JSON contract.
 *
 * | id                      | when                                                                            |
 * |-------------------------|---------------------------------------------------------------------------------|
 * | `invalid_input`         | what was typed cannot be right (a name, a flag, contradicting arguments)        |
 * | `not_found`             | no such app, add-on or key, or the app holds none                                |
 * | `ambiguous`             | several add-ons or keys match where one is needed                               |
 * | `wrong_service`         | the add-on named belongs to another service                                     |
 * | `not_owner`             | the app given holds the key but does not own it                                 |
 * | `confirmation_required` | a destructive or replacing step was not confirmed                               |
 * | `not_in_sync`           | status --check / --wait: not every holder is in sync                            |
 * | `stopped`               | a command stopped midway (teardown, rotate); a re-run continues                 |
 * | `failed`                | some apps failed while others succeeded (attach)                                |
 * | `unauthorized`          | no token, or a token the API refuses                                            |
 * | `not_managed`           | rotate on an add-on key, which only its provider can change                     |
 * | `invalid_record`        | a self-managed key's record was edited into something the plugin cannot trust     |
 * | `changed_meanwhile`     | another command changed the key's record while this one ran; nothing was lost   |
 * | `rotation_in_progress`  | a rotation of the key is under way; the command would race it                    |
 * | `securekey`             | anything else the plugin refuses                                                |
 * Failed API calls keep the API's own id (`forbidden`, `rate_limit`, ...), or `network_error`.
 *
 * A command that fails after building its --json document attaches it (`document`): the base command prints that
 * document instead of `{"error": ...}`, so a script always gets the command's documented shape.
 */
import {Errors} from '@oclif/core'

export type ErrorId = 'ambiguous' | 'changed_meanwhile' | 'confirmation_required' | 'failed' | 'invalid_input' | 'invalid_record'
	| 'not_found' | 'not_in_sync' | 'not_managed' | 'not_owner' | 'rotation_in_progress' | 'securekey' | 'stopped' | 'unauthorized' | 'wrong_service'

export interface SecurekeyErrorOptions {
  /**
   * The Heroku API's error id behind this error, printed as `Error ID: <id>` under the message as Heroku's commands
   * print it (stderr only: --json's document has the plugin's `id`).
   */
  apiErrorId?: string
  /** The command's --json document, printed instead of the error document. */
  document?: unknown
  exit?: number
  id?: ErrorId
  suggestions?: string[]
}

export class SecurekeyError extends Errors.CLIError {
  readonly apiErrorId?: string
  readonly document?: unknown
  readonly exit: number
  readonly id: ErrorId
  declare suggestions: string[]

  /**
   * oclif prints an error as `<name>: <message>`, so `name` stays CLIError's `Error`: under the Heroku CLI every
   * message then reads ` ›   Error: …` as the CLI's own commands do, never with a class name.
   */
  constructor(message: string, options: SecurekeyErrorOptions = {}) {
    const suggestions = options.suggestions ?? []
    super(message, {exit: options.exit ?? 1, suggestions: suggestions.length > 0 ? suggestions : undefined})
    this.apiErrorId = options.apiErrorId
    this.document = options.document
    this.exit = options.exit ?? 1
    this.id = options.id ?? 'securekey'
    this.suggestions = suggestions
  }
}

/** The subclasses fix the id; `instanceof` checks stay readable where the code decides on the kind. */
const withId = (id: ErrorId) => class extends SecurekeyError {
  constructor(message: string, options: Omit<SecurekeyErrorOptions, 'id'> = {}) {
    super(message, {...options, id})
  }
}

/** What was typed cannot be right. */
export class InvalidInputError extends withId('invalid_input') {}

/** Nothing matched: no such add-on, or the app holds no securekey key. */
export class NotFoundError extends withId('not_found') {}

/** More than one add-on matched where the command needs exactly one. */
export class AmbiguousError extends withId('ambiguous') {}

/** The add-on exists but belongs to another service than securekey. */
export class WrongServiceError extends withId('wrong_service') {}

/** A destructive or replacing step needs a confirmation that was not given (and no terminal could ask for it). */
export class ConfirmationRequiredError extends withId('confirmation_required') {}

/** The app given holds the key but does not own it. */
export class NotOwnerError extends withId('not_owner') {}

/** A self-managed key's record that claims to be ours but cannot be trusted (record.ts recordProblem). */
export class InvalidRecordError extends withId('invalid_record') {}

/** Another command changed a key's record between this command's read and its write (record-write.ts). */
export class ChangedMeanwhileError extends withId('changed_meanwhile') {}
