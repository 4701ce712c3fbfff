/**
 * npm run bench: what securekey's fan-out commands cost as the number of apps grows, on the sandbox with a simulated
 * round trip, beside a one-request-at-a-time baseline doing the same work. Writes its section of bench/RESULTS.md.
 *
 * Drives the library functions the commands call (the same gateway, src/core/platform-api.ts):
 *   status          statusTargets(-a service-1) + readStatus               N apps hold one add-on
 *   status --dynos  the same with {dynos: true}                            every 10th app keeps web.2 on an old release
 *   attach          planAttach(--from service-1) + executeAttach           N peers, none attached yet
 *   teardown        teardownTarget(-a service-1) + planTeardown + executeTeardown   N peers attached
 *   rotate          (only if src/rotate exists; see ROTATE below)
 * "pooled" is the gateway as the commands build it (default pool). "baseline" is the same functions with the pool at 1
 * and every request serialised at the client (so even the two reads --dynos makes per app go one after the other).
 * Each measurement comes from the sandbox's request log: requests, round-trip waves (the longest chain of requests
 * each starting after the previous one ended), and peak concurrency (most requests in flight at one instant).
 *
 *   npm run bench                                   # N = 1,10,50,200 at 50 ms, plus the pool sweep and rate-limit runs
 *   npm run bench -- --latency 100 --apps 10,50 --runs 5 --no-sweep
 *   npm run bench -- --fleet                        # only status --all on a seeded fleet (50, 200, 500 apps): its own section
 *   npm run bench -- --barrier                      # only the rotation barrier's request budget (H = 5, 20, 50): its own section
 */
import type * as Heroku from '@heroku-cli/schema'

import {APIClient} from '@heroku-cli/command'
import {Config} from '@oclif/core'
import {randomBytes} from 'node:crypto'
import {existsSync} from 'node:fs'
import os from 'node:os'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'

import {type RequestLogEntry, type Sandbox, startSandbox} from '../sandbox/index.js'
import {
  attachTarget, checkAttachInput, executeAttach, planAttach,
} from '../src/attach/attach.js'
import {type Confirmer} from '../src/core/confirm.js'
import {PlatformApi} from '../src/core/platform-api.js'
import {pollSchedule} from '../src/core/wait.js'
import {readFleet} from '../src/fleet/fleet.js'
import {fingerprint} from '../src/runtime/key.js'
import {readStatus, statusTargets} from '../src/status/status.js'
import {executeTeardown, planTeardown, teardownTarget} from '../src/teardown/teardown.js'
import {writeSection} from './section.js'

const {values} = parseArgs({
  options: {
    apps: {default: '1,10,50,200', type: 'string'},
    barrier: {default: false, type: 'boolean'},
    fleet: {default: false, type: 'boolean'},
    'fleet-apps': {default: '50,200,500', type: 'string'},
    latency: {default: '50', type: 'string'},
    'no-sweep': {default: false, type: 'boolean'},
    pools: {default: '4,8,16,32,50,64', type: 'string'},
    runs: {default: '3', type: 'string'},
  },
})
const LATENCY_MS = Number(values.latency)
const APP_COUNTS = values.apps.split(',').map(Number)
const RUNS = Number(values.runs)
const POOLS = values.pools.split(',').map(Number)
const root = fileURLToPath(new URL('..', import.meta.url))

interface Measurement {
  ms: number
  peak: number
  requests: number
  status429: number
  waves: number
}

/** Round-trip waves: the longest chain of requests where each starts after the previous one ended. */
export function waves(log: readonly RequestLogEntry[]): number {
  const chainEndingAt: number[] = []
  const sorted = [...log].sort((a, b) => a.start - b.start)
  for (const [index, entry] of sorted.entries()) {
    let longest = 0
    for (let before = 0; before < index; before++) {
      if (sorted[before].end <= entry.start) longest = Math.max(longest, chainEndingAt[before])
    }

    chainEndingAt[index] = longest + 1
  }

  return Math.max(0, ...chainEndingAt)
}

/** The most requests in flight at one instant (an end at the same instant as a start counts first). */
export function peakConcurrency(log: readonly RequestLogEntry[]): number {
  const events = log.flatMap(entry => [[entry.start, 1], [entry.end, -1]] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1])
  let now = 0
  let peak = 0
  for (const [, delta] of events) {
    now += delta
    peak = Math.max(peak, now)
  }

  return peak
}

const summarize = (log: readonly RequestLogEntry[], ms: number): Measurement => ({
  ms, peak: peakConcurrency(log), requests: log.length, status429: log.filter(entry => entry.status === 429).length, waves: waves(log),
})

const median = (samples: Measurement[]): Measurement => [...samples].sort((a, b) => a.ms - b.ms)[Math.floor(samples.length / 2)]

/** An APIClient whose requests go strictly one after another: the baseline's "one request at a time". */
function oneAtATime(client: APIClient): APIClient {
  let tail: Promise<unknown> = Promise.resolve()
  return new Proxy(client, {
    get(target, property) {
      if (property !== 'request') return Reflect.get(target, property, target)
      return (...args: Parameters<APIClient['request']>) => {
        const run = tail.then(() => target.request(...args))
        tail = run.catch(() => {})
        return run
      }
    },
  })
}

let config: Config

function gateways(sandbox: Sandbox, pool?: number): {baseline: PlatformApi, pooled: PlatformApi} {
  Object.assign(process.env, sandbox.env)
  const client = new APIClient(config)
  return {
    baseline: new PlatformApi(oneAtATime(client), {concurrency: 1}),
    pooled: new PlatformApi(client, pool === undefined ? {} : {concurrency: pool}),
  }
}

async function api<T>(sandbox: Sandbox, method: string, path: string, body: unknown): Promise<T> {
  const response = await fetch(`${sandbox.url}${path}`, {
    body: JSON.stringify(body),
    headers: {Accept: 'application/vnd.heroku+json; version=3', Authorization: `Bearer ${sandbox.token}`, 'Content-Type': 'application/json'},
    method,
  })
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`)
  return response.json() as Promise<T>
}

/**
 * A sandbox with apps service-1..service-(peers+1), a securekey add-on on service-1 and, when `attached`, every other
 * app attached to it as SERVICE_1_SECURE. Staged at zero latency; the latency is switched on before it is returned.
 */
async function stage(peers: number, options: {attached: boolean, heldEvery?: number, prepare?: (sandbox: Sandbox) => Promise<void>}): Promise<{sandbox: Sandbox}> {
  const sandbox = await startSandbox({apps: peers + 1, seed: `bench-${peers}`})
  await (options.prepare ? options.prepare(sandbox) : addAddon(sandbox, peers, options));
  sandbox.control.setLatency(LATENCY_MS)
  sandbox.control.clearRequests()
  return {sandbox}
}

async function addAddon(sandbox: Sandbox, peers: number, options: {attached: boolean, heldEvery?: number}): Promise<void> {
  const addon = await api<Heroku.AddOn>(sandbox, 'POST', '/apps/service-1/addons', {plan: 'securekey:fortnightly'})
  if (options.attached) {
    for (let peer = 2; peer <= peers + 1; peer++) {
      if (options.heldEvery && peer % options.heldEvery === 0) sandbox.control.holdDynos(`service-${peer}`, ['web.2'])
      // eslint-disable-next-line no-await-in-loop
      await api(sandbox, 'POST', '/addon-attachments', {addon: addon.name, app: `service-${peer}`, name: 'SERVICE_1_SECURE'})
    }
  }
}

/** Times `task` and reads the request log it left. */
async function timed(sandbox: Sandbox, task: () => Promise<unknown>): Promise<Measurement> {
  sandbox.control.clearRequests()
  const started = performance.now()
  await task()
  const ms = performance.now() - started
  return summarize(sandbox.control.requests(), ms)
}

/** Reads: one staged sandbox, RUNS pooled runs (median) and one baseline run. */
async function benchReads(apps: number, read: (platform: PlatformApi) => Promise<unknown>, heldEvery?: number): Promise<Row> {
  const {sandbox} = await stage(apps - 1, {attached: true, heldEvery})
  try {
    const {baseline, pooled} = gateways(sandbox)
    const samples: Measurement[] = []
    // eslint-disable-next-line no-await-in-loop
    for (let run = 0; run < RUNS; run++) samples.push(await timed(sandbox, () => read(pooled)))
    return {apps, baseline: await timed(sandbox, () => read(baseline)), pooled: median(samples)}
  } finally {
    await sandbox.close()
  }
}

/** Writes: a fresh staged sandbox for every run. `phase` says where the part the targets talk about starts. */
async function benchWrites(peers: number, attached: ((sandbox: Sandbox) => Promise<void>) | boolean, task: (platform: PlatformApi, mark: () => void) => Promise<unknown>, options: {inspect?: (log: RequestLogEntry[]) => string, runs?: number, withBaseline?: boolean} = {}): Promise<Row> {
  const once = async (which: 'baseline' | 'pooled'): Promise<{execute: Measurement, note?: string, whole: Measurement}> => {
    const {sandbox} = await stage(peers, typeof attached === 'boolean' ? {attached} : {attached: true, prepare: attached})
    try {
      const platform = gateways(sandbox)[which]
      let executeFrom = 0
      const whole = await timed(sandbox, () => task(platform, () => {
        executeFrom = performance.now()
      }))
      const log = sandbox.control.requests()
      const after = log.filter(entry => entry.start >= executeFrom)
      return {execute: summarize(after, 0), note: options.inspect?.(log), whole}
    } finally {
      await sandbox.close()
    }
  }

  const samples: Array<{execute: Measurement, note?: string, whole: Measurement}> = []
  // eslint-disable-next-line no-await-in-loop
  for (let run = 0; run < (options.runs ?? RUNS); run++) samples.push(await once('pooled'))
  samples.sort((a, b) => a.whole.ms - b.whole.ms)
  const pooled = samples[Math.floor(samples.length / 2)]
  const baseline = options.withBaseline === false ? undefined : (await once('baseline')).whole
  return {
    apps: peers, baseline, executeWaves: pooled.execute.waves, note: pooled.note, pooled: pooled.whole,
  }
}

const confirmer = (apps: string[]): Confirmer => ({
  confirmed: apps, interactive: false, prompt: () => Promise.reject(new Error('no prompt in the bench')),
})
const peerNames = (peers: number) => Array.from({length: peers}, (_, index) => `service-${index + 2}`)

const status = (platform: PlatformApi, dynos = false) => async () => readStatus(platform, await statusTargets(platform, {app: 'service-1'}), {dynos})

async function attach(platform: PlatformApi, peers: number, mark: () => void): Promise<void> {
  const input = {confirm: [], from: 'service-1', peers: peerNames(peers)}
  const checked = checkAttachInput(input)
  const {key} = await attachTarget(platform, input, checked)
  if (key.kind !== 'addon') throw new Error('attach: service-1 should own an add-on')
  const plan = await planAttach(platform, key, input, checked)
  mark()
  const outcome = await executeAttach(platform, plan, confirmer([]))
  const failed = outcome.peers.filter(peer => peer.status !== 'attached')
  if (failed.length > 0) throw new Error(`attach: ${failed.length} peers not attached: ${failed[0].message}`)
}

async function teardown(platform: PlatformApi, mark: () => void): Promise<void> {
  const target = await teardownTarget(platform, {app: 'service-1'})
  if (!target) throw new Error('teardown: nothing to tear down')
  if (target.key.kind !== 'addon') throw new Error('teardown: service-1 should own an add-on')
  const plan = planTeardown(target.key, target.attachments)
  mark()
  const result = await executeTeardown(platform, plan)
  if (!result.complete) throw new Error(`teardown stopped: ${result.stopped?.message}`)
}

/** A self-managed key on service-1 (securekey:provision --self-managed) set on every peer (securekey:attach --from). */
async function selfManagedKey(sandbox: Sandbox, peers: number): Promise<void> {
  const {pooled} = gateways(sandbox)
  const {provisionSelfManaged} = await import('../src/provision/self-managed.js')
  const {attachSelfManaged} = await import('../src/attach/self-managed.js')
  await provisionSelfManaged(pooled, {app: 'service-1', confirmer: confirmer([]), dryRun: false})
  if (peers === 0) return
  const input = {confirm: [], from: 'service-1', peers: peerNames(peers)}
  const target = await attachTarget(pooled, input, checkAttachInput(input))
  if (target.key.kind !== 'self-managed') throw new Error('rotate: service-1 should own a self-managed key, not an add-on')
  await attachSelfManaged(pooled, {configs: target.configs, key: target.key}, {confirmer: confirmer([]), dryRun: false, peers: input.peers})
}

/** securekey:rotate -a service-1 --confirm service-1, with the command's own poll schedule. */
async function rotateKey(platform: PlatformApi): Promise<void> {
  const {rotate} = await import('../src/rotate/rotate.js')
  const outcome = await rotate(platform, {
    app: 'service-1', confirmer: confirmer(['service-1']), dryRun: false, poll: pollSchedule(), timeoutMs: 60_000,
  })
  if (outcome.status !== 'rotated') throw new Error(`rotate: ${outcome.status} ${outcome.stopped?.message ?? ''}`)
}

/** Teardown's order from the log: the detaches' peak in flight, and whether the destroy started after every detach ended. */
function teardownOrder(log: RequestLogEntry[]): string {
  const detaches = log.filter(entry => entry.method === 'DELETE' && entry.path.startsWith('/addon-attachments/'))
  const destroy = log.find(entry => entry.method === 'DELETE' && /^\/apps\/[^/]+\/addons\//.test(entry.path))
  const lastDetach = Math.max(...detaches.map(entry => entry.end))
  const after = destroy !== undefined && destroy.start >= lastDetach
  return `${detaches.length} detaches, ${peakConcurrency(detaches)} at once; destroy ${after ? 'after all of them' : 'NOT after all of them'}`
}

interface Row {
  apps: number
  /** Absent when left out for the time budget. */
  baseline?: Measurement
  /** Waves after the resolution and planning reads (attach and teardown). */
  executeWaves?: number
  /** What the row's own check found (teardown: detach concurrency and the destroy's order). */
  note?: string
  pooled: Measurement
}

const pages = (attachments: number) => Math.ceil(attachments / 200)

const statusBudget = (apps: number) => 1 + pages(apps) + apps
const verdict = (ok: boolean) => (ok ? '**met**' : '**missed**')

function table(rows: Row[], label: string, budget: (apps: number) => number | undefined | void, withExecute = false): string {
  const notes = rows.some(row => row.note)
  const head = `| ${label} | ms | requests (budget) | waves${withExecute ? ' (after plan)' : ''} | peak in flight | one-at-a-time ms | requests | waves | peak | speed-up |${notes ? ' check |' : ''}`
  const none = {
    ms: Number.NaN, peak: '–', requests: '–', waves: '–',
  }
  const lines = rows.map(({apps, baseline: measured, executeWaves, note, pooled}) => {
    const baseline = measured ?? none
    return `| ${[
      apps,
      pooled.ms.toFixed(0),
      budget(apps) === undefined ? pooled.requests : `${pooled.requests} (${budget(apps)})`,
      withExecute ? `${pooled.waves} (${executeWaves})` : pooled.waves,
      pooled.peak,
      baseline.ms.toFixed(0),
      baseline.requests,
      baseline.waves,
      baseline.peak,
      measured ? `${(baseline.ms / pooled.ms).toFixed(1)}×` : '(not run)',
      ...(notes ? [note ?? ''] : []),
    ].join(' | ').replace('NaN', '–')} |`
  })
  return [head, `|${'---:|'.repeat(10)}${notes ? '---|' : ''}`, ...lines].join('\n')
}

/** Status at `apps` apps with each pool size: the decision's evidence. */
async function sweep(apps: number, one: Measurement): Promise<string[]> {
  const {sandbox} = await stage(apps - 1, {attached: true})
  try {
    const lines: string[] = []
    lines.push(`| 1 (one at a time, from the status table) | ${one.ms.toFixed(0)} | ${one.requests} | ${one.waves} | ${one.peak} | 1.0× |`)
    for (const pool of POOLS) {
      const {pooled} = gateways(sandbox, pool)
      const samples: Measurement[] = []
      // Small pools take seconds a run and vary little: one run each.
      // eslint-disable-next-line no-await-in-loop
      for (let run = 0; run < (pool <= 8 ? 1 : RUNS); run++) samples.push(await timed(sandbox, status(pooled)))
      const m = median(samples)
      lines.push(`| ${pool} | ${m.ms.toFixed(0)} | ${m.requests} | ${m.waves} | ${m.peak} | ${(one.ms / m.ms).toFixed(1)}× |`)
      console.log(`pool ${pool}: ${m.ms.toFixed(0)} ms, ${m.waves} waves`)
    }

    return lines
  } finally {
    await sandbox.close()
  }
}

/**
 * The rate limit with a nearly empty pool: status at `apps` apps when RateLimit-Remaining is `remaining`, for a small
 * and a large pool. Counts the 429s, the requests, and the holders left unreachable.
 */
async function rateLimited(apps: number, remaining: number): Promise<string[]> {
  const lines: string[] = []
  for (const pool of [8, 50]) {
    // eslint-disable-next-line no-await-in-loop
    const {sandbox} = await stage(apps - 1, {attached: true})
    try {
      const platform = gateways(sandbox, pool).pooled
      sandbox.control.setRateLimitRemaining(remaining)
      let unreachable = 0
      // eslint-disable-next-line no-await-in-loop
      const m = await timed(sandbox, async () => {
        const statuses = await status(platform)()
        unreachable = statuses[0].comparison.summary.states.unreachable
      })
      lines.push(`| ${pool} | ${m.ms.toFixed(0)} | ${m.requests} | ${m.status429} | ${unreachable} of ${apps} |`)
    } finally {
      // eslint-disable-next-line no-await-in-loop
      await sandbox.close()
    }
  }

  return lines
}

function benchFingerprints(): number {
  const keys = Array.from({length: 20_000}, () => randomBytes(32).toString('hex').toUpperCase())
  const started = performance.now()
  for (const key of keys) fingerprint(key)
  return Math.round(keys.length / ((performance.now() - started) / 1000))
}

/** Leaves the last few reads of a 200-app status without a token (each retried twice, 0.5 s then 1 s apart). */
const RATE_LIMIT_REMAINING = 190
const ROTATE = existsSync(new URL('../src/commands/securekey/rotate.ts', import.meta.url))

/**
 * status --all on a fleet seeded by the sandbox (sandbox/fleet.ts): pooled (median of RUNS) against the same reads one
 * request at a time, at each size of --fleet-apps. Writes its own section.
 */
async function benchFleet(): Promise<void> {
  config = await Config.load({root})
  const began = performance.now()
  const rows: Row[] = []
  const notes: string[] = []
  for (const apps of values['fleet-apps'].split(',').map(Number)) {
    /* eslint-disable no-await-in-loop */
    const sandbox = await startSandbox({apps, seed: `bench-fleet-${apps}`})
    try {
      const fleet = await sandbox.control.seedFleet()
      sandbox.control.setLatency(LATENCY_MS)
      const {baseline, pooled} = gateways(sandbox)
      const samples: Measurement[] = []
      for (let run = 0; run < RUNS; run++) samples.push(await timed(sandbox, () => readFleet(pooled)))
      const addonKeys = fleet.keys.filter(key => key.kind === 'addon').length
      const log = sandbox.control.requests()
      const configReads = log.filter(entry => /^\/apps\/[^/]+\/config-vars$/.test(entry.path)).length
      notes.push(`| ${apps} | ${fleet.keys.length} (${addonKeys} add-on) | ${log.filter(entry => !entry.path.includes('/apps/')).length} | ${configReads} | ${log.filter(entry => entry.path.includes('/releases')).length} |`)
      rows.push({apps, baseline: await timed(sandbox, () => readFleet(baseline)), pooled: median(samples)})
    } finally {
      await sandbox.close()
    }

    console.log(`fleet of ${apps} done at ${((performance.now() - began) / 1000).toFixed(0)} s`)
    /* eslint-enable no-await-in-loop */
  }

  const body = `## status --all on a seeded fleet (\`npm run bench -- --fleet\`, bench/run.ts)

Run on ${new Date().toISOString().slice(0, 10)}: Node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}; whole run
${((performance.now() - began) / 1000).toFixed(0)} s; ${LATENCY_MS} ms added to every API response. The sandbox seeds the fleet
(\`seedFleet()\`: keys of 2 to 4 holders, add-on and self-managed in turn, every fifth app idle). Pooled: \`readFleet\` through
the gateway as the command builds it (pool of 50), median of ${RUNS} runs; one at a time: the same reads with the pool at 1
and every request serialised, which is what reading every app's config one by one costs (plus the same lists and ages).

${table(rows, 'N apps', () => {})}

Where the requests go (last pooled run): account-wide lists (apps, add-ons, attachments, one page each up to 200),
one config read per app, and the add-on keys' ages from their owners' releases (1 + a binary search each).

| N apps | keys | lists | config reads | releases reads (ages) |
|---:|---:|---:|---:|---:|
${notes.join('\n')}
`
  writeSection('fleet', body)
  console.log(body)
}

const BARRIER_HOLDERS = [5, 20, 50]
const STRAGGLER_POLLS = 10

/**
 * The rotation barrier's requests (src/rotate/barrier.ts) for H holders of a self-managed key, one of whose dynos
 * stays on the old release for STRAGGLER_POLLS polls of its app and then restarts: the sandbox's request log counts
 * every request the barrier sends, by kind. Polls are paced fast here: the count, not the time, is measured.
 */
async function benchBarrier(): Promise<void> {
  config = await Config.load({root})
  const {DynoReader} = await import('../src/rotate/barrier.js')
  const {printsOf} = await import('../src/key/compare.js')
  const {parseSecureKey} = await import('../src/runtime/key.js')
  const rows: string[] = []
  for (const holders of BARRIER_HOLDERS) {
    /* eslint-disable no-await-in-loop */
    const sandbox = await startSandbox({apps: holders, seed: `bench-barrier-${holders}`})
    try {
      await selfManagedKey(sandbox, holders - 1)
      const {pooled} = gateways(sandbox)
      const owner = sandbox.control.configVars('service-1').SECURE_KEY
      const staged = `${owner.split(',')[0]},${randomBytes(32).toString('hex').toUpperCase()}`
      const newPrint = printsOf(parseSecureKey(staged))!.previous
      const straggler = `service-${holders}`
      sandbox.control.holdDynos(straggler, ['web.1'])
      const list = [{app: 'service-1', configVar: 'SECURE_KEY'}, ...peerNames(holders - 1).map(app => ({app, configVar: 'SERVICE_1_SECURE_KEY'}))]
      for (const {app, configVar} of list) sandbox.control.setConfigVar(app, configVar, staged)
      sandbox.control.clearRequests()
      const stragglerReads = () => sandbox.control.requests().filter(entry => entry.path === `/apps/${straggler}/dynos`).length
      // The first read sees the straggler, then STRAGGLER_POLLS polls of its app alone; then it restarts.
      const release = setInterval(() => {
        if (stragglerReads() >= 1 + STRAGGLER_POLLS) {
          sandbox.control.releaseDynos(straggler)
          clearInterval(release)
        }
      }, 1)
      const result = await new DynoReader(pooled).barrier({
        holders: list,
        label: 'barrier',
        poll: {initialMs: 5, maxMs: 5, msPerRequest: 0},
        prebootMs: 0,
        progress: {start() {}, stop() {}, update() {}},
        ready: keys => keys?.previous === newPrint || keys?.latest === newPrint,
        runner: {},
        timeoutMs: 60_000,
      })
      clearInterval(release)
      if (!result.passed) throw new Error(`barrier at H=${holders} did not pass`)
      const log = sandbox.control.requests()
      const count = (test: (path: string) => boolean) => log.filter(entry => test(entry.path)).length
      const dynoReads = count(path => path.endsWith('/dynos'))
      const releaseLists = count(path => path.endsWith('/releases'))
      const features = count(path => path.endsWith('/features/preboot'))
      const configs = count(path => /\/releases\/\d+\/config-vars$/.test(path))
      const polls = stragglerReads()
      const everyAppEveryPoll = (holders * 2 * polls) + configs
      rows.push(`| ${holders} | ${polls - 2} | ${log.length} | ${features} | ${dynoReads} + ${releaseLists} | ${configs} | ${(3 * holders) + (2 * (polls - 2)) + (2 * holders) + configs} | ${everyAppEveryPoll} |`)
    } finally {
      await sandbox.close()
    }
    /* eslint-enable no-await-in-loop */
  }

  const body = `## The rotation barrier's request budget (\`npm run bench -- --barrier\`, bench/run.ts)

${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores, Node ${process.version}. H holders of a self-managed key, all staged
("CUR,NEW") at once; one web dyno of the last holder stays on the old release until its app has been read
${STRAGGLER_POLLS} times after the first read, then restarts. Requests counted by the sandbox's log over the whole barrier. Expected:
3H for the first read (preboot once per holder, dynos and newest release of each), 2 per poll of the straggler's app
alone, 2H for the confirming full read, and each release config once (one new release per holder here).

| H holders | polls of the straggler's app alone | requests | preboot reads | dyno + release lists | release configs | 3H + 2P + 2H + configs | reading every holder every poll (before) |
|---|---|---|---|---|---|---|---|
${rows.join('\n')}

Reading every holder at every poll (what the barrier did before this round) would cost 2H per poll: at H = 50 and a
30-minute barrier polled every 30 s, 60 polls × 100 = 6,000 requests, more than the account's whole pool (4,500). Now
the same wait costs 3H + 2·60 + 2H = 370 requests, and its pauses keep it under 1,500 an hour whatever H.`
  writeSection('barrier', body)
  console.log(body)
}

async function main(): Promise<void> {
  if (values.fleet) {
    await benchFleet()
    return
  }

  if (values.barrier) {
    await benchBarrier()
    return
  }

  config = await Config.load({root})
  const began = performance.now()
  const pool = new PlatformApi(new APIClient(config)).concurrency
  await benchReads(3, platform => status(platform)()) // warm-up: the first run pays for loading and JIT
  const statusRows: Row[] = []
  const dynosRows: Row[] = []
  const attachRows: Row[] = []
  const teardownRows: Row[] = []
  const rotateRows: Row[] = []
  for (const apps of APP_COUNTS) {
    /* eslint-disable no-await-in-loop */
    statusRows.push(await benchReads(apps, platform => status(platform)()))
    dynosRows.push(await benchReads(apps, platform => status(platform, true)(), 10))
    attachRows.push(await benchWrites(apps, false, (platform, mark) => attach(platform, apps, mark), {runs: apps >= 200 ? 1 : RUNS}))
    teardownRows.push(await benchWrites(apps, true, (platform, mark) => teardown(platform, mark), {inspect: teardownOrder, runs: apps >= 200 ? 1 : RUNS}))
    // The 3-minute budget: rotate's one-at-a-time baseline is measured up to 10 peers only (at 50 it is ~460 sequential
    // requests, 24 s; at 200 ~1,800, a minute and a half), and rotate at 200 runs pooled once.
    if (ROTATE) rotateRows.push(await benchWrites(apps, sandbox => selfManagedKey(sandbox, apps), platform => rotateKey(platform), {runs: apps >= 200 ? 1 : RUNS, withBaseline: apps <= 10}))
    /* eslint-enable no-await-in-loop */
    console.log(`N=${apps} done at ${((performance.now() - began) / 1000).toFixed(0)} s`)
  }

  const sweepApps = Math.max(...APP_COUNTS)
  const sweepLines = values['no-sweep'] ? [] : await sweep(sweepApps, statusRows.find(row => row.apps === sweepApps)!.baseline!)
  const limitLines = values['no-sweep'] ? [] : await rateLimited(sweepApps, RATE_LIMIT_REMAINING)
  const perSecond = benchFingerprints()
  const totalS = (performance.now() - began) / 1000

  const at = (rows: Row[], apps: number) => rows.find(row => row.apps === apps)
  const ratio = (row?: Row) => (row?.baseline ? row.baseline.ms / row.pooled.ms : Number.NaN)
  const targets: string[] = []
  for (const [apps, want] of [[50, 10], [200, 25]] as const) {
    const got = ratio(at(statusRows, apps))
    if (!Number.isNaN(got)) targets.push(`| status at ${apps} apps ≥ ${want}× one by one | ${got.toFixed(1)}× | ${verdict(got >= want)}${got >= want ? '' : ` by ${(want - got).toFixed(1)}×`} |`)
  }

  const overBudget = statusRows.filter(row => row.pooled.requests > statusBudget(row.apps))
  targets.push(`| status: never more than 1 + pages + N requests | ${statusRows.map(row => `${row.pooled.requests}/${statusBudget(row.apps)}`).join(', ')} | ${verdict(overBudget.length === 0)} |`)
  const teardownFit = teardownRows.filter(row => row.apps <= pool)
  targets.push(
    `| teardown, N ≤ pool: ≤ 4 waves after planning (detach ‖, relist, destroy) | ${teardownFit.map(row => `N=${row.apps}: ${row.executeWaves}`).join(', ')} | ${verdict(teardownFit.every(row => (row.executeWaves ?? 99) <= 4))} |`,
    `| teardown: detaches concurrently (min(N, pool) at once), destroy after all | ${teardownRows.map(row => `N=${row.apps}: ${row.note}`).join('; ')} | ${verdict(teardownRows.every(row => row.note?.endsWith('after all of them') && row.note.includes(`, ${Math.min(row.apps, pool)} at once`)))} |`,
  )
  const attachFit = attachRows.filter(row => row.apps + 1 <= pool)
  targets.push(`| attach, N + 1 ≤ pool: ≤ 4 waves after planning (attach ‖, read ‖) | ${attachFit.map(row => `N=${row.apps}: ${row.executeWaves} (${row.pooled.waves} in all)`).join(', ')} | ${verdict(attachFit.every(row => (row.executeWaves ?? 99) <= 4))} |`)

  const cpu = os.cpus()[0]?.model ?? 'unknown CPU'
  const body = `## Fan-out commands (\`npm run bench\`, bench/run.ts)

Run on ${new Date().toISOString().slice(0, 10)}: Node ${process.version}, ${os.cpus().length} × ${cpu}, ${os.platform()} ${os.release()};
whole run ${totalS.toFixed(0)} s. The sandbox (in the same process) adds ${LATENCY_MS} ms to every API response, standing in
for the round trip to api.heroku.com. Pool = ${pool} (PlatformApi's default). Pooled figures are the median of ${RUNS} runs
(the run with the median wall time; one run for attach, teardown and rotate at 200, for the 3-minute budget); the
one-at-a-time baseline is one run of the same functions with the pool at 1 and every request serialised at the client. Requests, waves and peak come from the sandbox's request log: waves = the
longest chain of requests each starting after the previous one ended; peak = most requests in flight at one instant.
Each command is driven through the library functions the command calls, starting from \`-a service-1\` (or
\`--from service-1\`), so the resolution request is included.

### status (N apps hold one add-on: the owner and N − 1 peers); budget 1 + pages + N

${table(statusRows, 'N apps', statusBudget)}

### status --dynos (every 10th app keeps web.2 on the release before its attach); budget 1 + pages + N + 3N + held (each app's dynos, newest release and preboot, and each older release a dyno runs)

${table(dynosRows, 'N apps', apps => 1 + pages(apps) + (4 * apps) + Math.floor(apps / 10))}

### attach --from service-1 to N peers; budget 1 resolve + 1 listing + 1 owner config (its self-managed keys) + N app checks (GET /apps/{peer}) + N attaches + (N + 1) config reads

${table(attachRows, 'N peers', peers => 4 + (3 * peers), true)}

### teardown -a service-1 with N peers; budget 1 + 1 owner config (its self-managed keys) + pages + N detaches + 1 relisting + 1 destroy

${table(teardownRows, 'N peers', peers => 2 + pages(peers + 1) + peers + 2, true)}

${ROTATE
  ? `### rotate -a service-1 --confirm service-1 over N + 1 holders (self-managed key set on N peers)

Two writes per holder (stage "CUR,NEW", promote "NEW,CUR") with the dyno barriers between them; restarts are instant
in the sandbox, so every barrier passes on its first check (no polling pause).

${table(rotateRows, 'N peers', () => {})}`
  : '(No src/commands/securekey/rotate.ts when this ran: rotate is not measured.)'}

### Targets

| target | measured | |
|---|---|---|
${targets.join('\n')}

${sweepLines.length > 0
  ? `### Pool size: status at ${sweepApps} apps, ${LATENCY_MS} ms

| pool | ms | requests | waves | peak | speed-up vs one at a time |
|---:|---:|---:|---:|---:|---:|
${sweepLines.join('\n')}

### The rate limit: status at ${sweepApps} apps with RateLimit-Remaining at ${RATE_LIMIT_REMAINING} (refill 75/min)

| pool | ms | requests sent | 429s | holders unreachable |
|---:|---:|---:|---:|---:|
${limitLines.join('\n')}
`
  : ''}
### skfp1 fingerprints

${perSecond.toLocaleString('en-US')} fingerprints a second (HMAC-SHA256 of random 64-hex keys, one core): never the
bottleneck next to a round trip.
`
  writeSection('run', body)
  console.log(body)
  console.log(`wrote bench/RESULTS.md (${totalS.toFixed(0)} s)`)
}

await main()
