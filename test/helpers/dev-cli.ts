/**
 * Runs one plugin command in a process of its own: `node --import tsx bin/dev.js ...args`, the TypeScript sources as
 * `bin/dev.js` runs them, for what two runCommand calls in one process cannot do (run at the same time: they share
 * the stdout capture). Like heroku-cli.ts's children: an isolated HOME, none of the caller's HEROKU_*, XDG_* or
 * DEBUG variables, stdin a pipe (no terminal), and network-guard.mjs preloaded (a connection to anything but the
 * loopback stops the child, and the result's `blocked` names the host).
 */
import type {AddressInfo} from 'node:net'

import {spawn} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {createServer, request} from 'node:http'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'

import {type CliResult, collect, repoRoot} from './heroku-cli.js'

const devBin = join(repoRoot, 'bin', 'dev.js')
const guardUrl = pathToFileURL(fileURLToPath(new URL('network-guard.mjs', import.meta.url))).href

export interface DevResult extends CliResult {
  /** The host network-guard.mjs stopped the child from reaching, if any. */
  blocked?: string
}

/** `bin/dev.js ...args` with `env` added (HEROKU_HOST, HEROKU_API_KEY...); resolves whatever the exit code. */
export async function runDev(args: string[], env: Record<string, string | undefined>, timeoutMs = 60_000): Promise<DevResult> {
  const home = mkdtempSync(join(tmpdir(), 'heroku-securekey-dev-'))
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(HEROKU_|XDG_)|^(NODE_OPTIONS|DEBUG)$/.test(name)))
  const child = spawn(process.execPath, ['--no-deprecation', '--import', 'tsx', devBin, ...args], {
    cwd: repoRoot,
    env: {
      ...inherited, HOME: home, ...env, NODE_OPTIONS: `--import ${guardUrl}`,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  try {
    return await collect(child, `bin/dev.js ${args.join(' ')}`, {timeoutMs})
  } finally {
    rmSync(home, {force: true, recursive: true})
  }
}

export interface Barrier {
  close(): Promise<void>
  /** How many requests were held (at most `parties`). */
  held(): number
  /** http://127.0.0.1:PORT, to give the children as HEROKU_HOST. */
  url: string
}

/**
 * A pass-through proxy to `target` that holds the first `parties` requests matching `hold` until all of them have
 * arrived (or `timeoutMs` passed), then lets them through together: two runs started a second apart still both read
 * before either writes, which is the race, whatever the machine's load.
 */
export async function barrierProxy(target: string, hold: {method: string, path: string}, parties = 2, timeoutMs = 30_000): Promise<Barrier> {
  const waiting: Array<() => void> = []
  let held = 0
  let released = false
  const release = () => {
    released = true
    for (const go of waiting.splice(0)) go()
  }

  const server = createServer((incoming, answer) => {
    const forward = () => {
      const upstream = request(new URL(incoming.url!, target), {headers: incoming.headers, method: incoming.method}, response => {
        answer.writeHead(response.statusCode ?? 502, response.headers)
        response.pipe(answer)
      })
      upstream.on('error', () => answer.destroy())
      incoming.pipe(upstream)
    }

    if (!released && incoming.method === hold.method && incoming.url?.split('?')[0] === hold.path) {
      held++
      waiting.push(forward)
      if (waiting.length >= parties) release()
      return
    }

    forward()
  })
  const timer = setTimeout(release, timeoutMs)
  await new Promise<void>(resolve => {
    server.listen(0, '127.0.0.1', resolve)
  })
  return {
    close: () => new Promise<void>(resolve => {
      clearTimeout(timer)
      release()
      server.close(() => resolve())
      server.closeAllConnections()
    }),
    held: () => held,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  }
}

/**
 * A pass-through proxy to `target` for the lost-update order: it holds the first two requests matching `hold` (two
 * runs' writes) until both have arrived, so both runs read before either writes; then it lets one through at once and
 * the other `delayMs` later, so the first run has checked its write before the second lands. `first` picks the one to
 * let through first by its body (default: the first to arrive).
 */
export async function staggerProxy(target: string, hold: {method: string, path: string}, options: {delayMs: number, first?: (body: string) => boolean, timeoutMs?: number}): Promise<Barrier> {
  const waiting: Array<{body: Buffer, go: (body: Buffer) => void}> = []
  let held = 0
  let released = false
  const timers: NodeJS.Timeout[] = []
  const release = () => {
    if (released) return
    released = true
    const chosen = options.first ? waiting.findIndex(entry => options.first!(entry.body.toString())) : 0
    const order = chosen > 0 ? [waiting[chosen], ...waiting.filter((_, index) => index !== chosen)] : waiting
    for (const [index, entry] of order.entries()) timers.push(setTimeout(() => entry.go(entry.body), index * options.delayMs))
  }

  const server = createServer((incoming, answer) => {
    const forward = (body: Buffer) => {
      const upstream = request(new URL(incoming.url!, target), {headers: incoming.headers, method: incoming.method}, response => {
        answer.writeHead(response.statusCode ?? 502, response.headers)
        response.pipe(answer)
      })
      upstream.on('error', () => answer.destroy())
      upstream.end(body)
    }

    const chunks: Buffer[] = []
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk))
    incoming.on('end', () => {
      const body = Buffer.concat(chunks)
      if (!released && incoming.method === hold.method && incoming.url?.split('?')[0] === hold.path) {
        held++
        waiting.push({body, go: forward})
        if (waiting.length >= 2) release()
        return
      }

      forward(body)
    })
  })
  timers.push(setTimeout(release, options.timeoutMs ?? 30_000))
  await new Promise<void>(resolve => {
    server.listen(0, '127.0.0.1', resolve)
  })
  return {
    close: () => new Promise<void>(resolve => {
      release()
      for (const timer of timers) clearTimeout(timer)
      server.close(() => resolve())
      server.closeAllConnections()
    }),
    held: () => held,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  }
}
