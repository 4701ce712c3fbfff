/**
 * Runs one plugin command in this process and captures what a user would see: stdout, stderr and the exit code.
 * HTTP goes wherever HEROKU_HOST points (nock's default api.heroku.com, or a sandbox on 127.0.0.1).
 *
 * Not @heroku-cli/test-utils: its latest release (0.1.1) is built on @oclif/core 2, @heroku-cli/command 11, chai 4 and
 * nock 13, and this project runs @oclif/core 4, @heroku-cli/command 13, chai 6 and nock 14; its runCommand would load a
 * second oclif. The capture below is the part of it this project needs.
 */
import {Config} from '@oclif/core'
import {ux} from '@oclif/core/ux'
import {fileURLToPath} from 'node:url'

export interface CommandResult {
  error?: Error
  exitCode: number
  stderr: string
  stdout: string
}

type RunnableCommand = {run(argv: string[], config: Config): Promise<unknown>}

const root = fileURLToPath(new URL('../..', import.meta.url))
let loaded: Promise<Config> | undefined

export async function runCommand(command: RunnableCommand, argv: string[], env: Record<string, string | undefined> = {}): Promise<CommandResult> {
  loaded ??= Config.load({root})
  const config = await loaded
  const saved = Object.fromEntries(Object.keys(env).map(name => [name, process.env[name]]))
  const output = {stderr: '', stdout: ''}
  const writes = {stderr: process.stderr.write, stdout: process.stdout.write}
  const capture = (stream: 'stderr' | 'stdout') => (chunk: string | Uint8Array, ...rest: unknown[]) => {
    output[stream] += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')
    const callback = rest.find(argument => typeof argument === 'function') as (() => void) | undefined
    callback?.()
    return true
  }

  // oclif's spinner keeps the stream writers it saw when it was created; point it at the capture too, so spinner text
  // is part of what tests read (and check for key material).
  const spinner = ux.action as unknown as {stdmockOrigs: typeof writes}
  const spinnerWrites = spinner.stdmockOrigs
  setEnv(env)
  process.stdout.write = capture('stdout') as typeof process.stdout.write
  process.stderr.write = capture('stderr') as typeof process.stderr.write
  spinner.stdmockOrigs = {stderr: process.stderr.write, stdout: process.stdout.write}
  try {
    await command.run(argv, config)
    return {exitCode: 0, ...output}
  } catch (error) {
    const failure = error as Error & {oclif?: {exit?: number}}
    const exitCode = failure.oclif?.exit ?? 1
    // oclif's handle() prints this in a real process; keep the same text so tests see what users see.
    if (exitCode !== 0) output.stderr += ` ›   Error: ${failure.message}\n`
    return {error: failure, exitCode, ...output}
  } finally {
    process.stdout.write = writes.stdout
    process.stderr.write = writes.stderr
    spinner.stdmockOrigs = spinnerWrites
    setEnv(saved)
  }
}

function setEnv(env: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[name]
    else process.env[name] = value
  }
}
