// Runs the real Heroku CLI (the `heroku` devDependency) with this plugin linked from source, against a local server.
//
// Every child gets an isolated HOME (one per mocha process, linked once on first use, removed at exit), none of the
// caller's HEROKU_* or XDG_* variables (test/setup.ts's plain-output settings do pass through), and network-guard.mjs
// preloaded: a connection to anything but the loopback stops the CLI with a marker that `run` turns into a
// NetworkGuardError naming the host. That is how a test learns that HEROKU_HOST was not honoured (the CLI silently
// falls back to api.heroku.com) instead of passing by accident.
import {type ChildProcessWithoutNullStreams, spawn} from 'node:child_process'
import {
  mkdirSync, mkdtempSync, rmSync, writeFileSync,
} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'

export const repoRoot = dirname(dirname(dirname(fileURLToPath(import.meta.url))))
const herokuBin = join(repoRoot, 'node_modules', 'heroku', 'bin', 'run.js')
const guardUrl = pathToFileURL(fileURLToPath(new URL('network-guard.mjs', import.meta.url))).href

// Kept in step with network-guard.mjs (plain JavaScript, which the typecheck does not read).
export const GUARD_MARKER = '[network-guard] blocked'
export const GUARD_EXIT_CODE = 86

export interface CliResult {
  exitCode: number
  stderr: string
  stdout: string
}

export interface RunOptions {
  /** Added to the child's environment: HEROKU_HOST, HEROKU_API_KEY, HEROKU_PARTICLEBOARD_URL and the like. */
  env?: Record<string, string>
  /** Written to the child's stdin, which is then closed. stdin is a pipe, never a TTY. */
  input?: string
  /** Kill the CLI after this long (default 60 s: a busy machine or c8 slows every invocation several times). */
  timeoutMs?: number
}

export class NetworkGuardError extends Error {
  constructor(
    readonly host: string,
    readonly args: string[],
    readonly result: CliResult,
  ) {
    super(`heroku ${args.join(' ')} tried to reach ${host}, which is not the local server: is HEROKU_HOST set to http://127.0.0.1:<port>?\n--- stderr ---\n${result.stderr}`)
    this.name = 'NetworkGuardError'
  }
}

/** The variables that point the CLI (and @heroku-cli/command inside the plugin) at a local server. */
export function serverEnv(url: string, token: string): Record<string, string> {
  return {HEROKU_API_KEY: token, HEROKU_HOST: url, HEROKU_PARTICLEBOARD_URL: url}
}

let home: string | undefined
let linked: Promise<string> | undefined

function createHome(): string {
  const dir = mkdtempSync(join(tmpdir(), 'heroku-securekey-home-'))
  mkdirSync(join(dir, '.cache', 'heroku'), {recursive: true})
  writeFileSync(join(dir, '.cache', 'heroku', 'terms-of-service'), '')
  process.once('exit', removeHome)
  return dir
}

/** Removes the isolated HOME when the process exits. */
function removeHome(): void {
  if (home) rmSync(home, {force: true, recursive: true})
  home = undefined
  linked = undefined
}

function childEnv(dir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(HEROKU_|XDG_)|^(NODE_OPTIONS|DEBUG)$/.test(name)))
  return {
    ...inherited,
    DISABLE_TELEMETRY: 'true',
    HEROKU_DISABLE_AUTOUPDATE: 'true',
    HEROKU_SKIP_NEW_VERSION_CHECK: 'true',
    HOME: dir,
    XDG_CACHE_HOME: join(dir, '.cache'),
    XDG_CONFIG_HOME: join(dir, '.config'),
    XDG_DATA_HOME: join(dir, '.local', 'share'),
    XDG_STATE_HOME: join(dir, '.local', 'state'),
    ...extra,
    // Last, so that a caller cannot drop the guard by accident.
    NODE_OPTIONS: `--import ${guardUrl}`,
  }
}

/**
 * What a child prints, and how it ends: killed after `timeoutMs` (the error names `label` and shows both streams), its
 * `input` written to stdin, and the host network-guard.mjs stopped it from reaching, if any.
 */
export function collect(child: ChildProcessWithoutNullStreams, label: string, options: {input?: string, timeoutMs: number}): Promise<CliResult & {blocked?: string}> {
  return new Promise((resolve, reject) => {
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk
    })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk
    })
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${label} did not finish within ${options.timeoutMs} ms\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`))
    }, options.timeoutMs)
    child.on('error', error => {
      clearTimeout(timer)
      reject(error)
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      const blocked = stderr.split('\n').find(line => line.startsWith(GUARD_MARKER))
      resolve({
        blocked: blocked?.slice(GUARD_MARKER.length).trim().split(' ')[0], exitCode: code ?? (signal ? 128 : 1), stderr, stdout,
      })
    })
    child.stdin.on('error', () => {}) // the child may exit before reading its input
    child.stdin.end(options.input ?? '')
  })
}

async function spawnCli(dir: string, args: string[], options: RunOptions): Promise<CliResult> {
  // --no-deprecation as in the CLI's own shebang; process.execPath so the CLI runs on the Node that runs the tests.
  const child = spawn(process.execPath, ['--no-deprecation', herokuBin, ...args], {
    cwd: dir,
    env: childEnv(dir, options.env),
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  const {blocked, ...result} = await collect(child, `heroku ${args.join(' ')}`, {input: options.input, timeoutMs: options.timeoutMs ?? 60_000})
  if (blocked) throw new NetworkGuardError(blocked, args, result)
  return result
}

/** The isolated HOME with this repository linked as a plugin; created and linked once, on first use. */
export function linkedHome(): Promise<string> {
  linked ??= (async () => {
    home = createHome()
    const result = await spawnCli(home, ['plugins:link', '--no-install', repoRoot], {timeoutMs: 120_000})
    if (result.exitCode !== 0) {
      throw new Error(`heroku plugins:link --no-install ${repoRoot} exited ${result.exitCode}\n${result.stderr}`)
    }

    return home
  })()
  return linked
}

/**
 * Runs `heroku ...args` with the plugin linked. Resolves with the exit code and output whatever the exit code;
 * rejects with NetworkGuardError if the CLI tried to reach a host other than the loopback.
 */
export async function run(args: string[], options: RunOptions = {}): Promise<CliResult> {
  return spawnCli(await linkedHome(), args, options)
}
