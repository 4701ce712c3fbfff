/**
 * npm run bench: what `securekey:status` costs as the number of apps holding a key grows, measured on the sandbox
 * with a simulated round trip, against the one-app-at-a-time way (`heroku config -a X` per app, as a person does it).
 * Counts requests and round-trip waves from the sandbox's request log, times the wall clock, and writes
 * bench/RESULTS.md. Also measures skfp1 fingerprints per second.
 *
 *   npm run bench                      # 3, 10, 50 and 200 peers, 50 ms simulated latency
 *   npm run bench -- --latency 100 --peers 10,100
 */
import type * as Heroku from '@heroku-cli/schema'

import {APIClient} from '@heroku-cli/command'
import {Config} from '@oclif/core'
import {randomBytes} from 'node:crypto'
import {writeFileSync} from 'node:fs'
import os from 'node:os'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'

import {type RequestLogEntry, type Sandbox, startSandbox} from '../sandbox/index.js'
import {PlatformApi} from '../src/core/platform-api.js'
import {fingerprint} from '../src/runtime/key.js'
import {compareAddons} from '../src/status/status.js'

const {values} = parseArgs({
  options: {
    latency: {default: '50', type: 'string'},
    peers: {default: '3,10,50,200', type: 'string'},
    runs: {default: '3', type: 'string'},
  },
})
const LATENCY_MS = Number(values.latency)
const PEER_COUNTS = values.peers.split(',').map(Number)
const RUNS = Number(values.runs)
const root = fileURLToPath(new URL('..', import.meta.url))

interface Measurement {
  ms: number
  requests: number
  waves: number
}

/** Round-trip waves: the longest chain of requests where each starts after the previous one ended. */
function waves(log: RequestLogEntry[]): number {
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

async function api(sandbox: Sandbox, method: string, path: string, body: unknown): Promise<Heroku.AddOn> {
  const response = await fetch(`${sandbox.url}${path}`, {
    body: JSON.stringify(body),
    headers: {Accept: 'application/vnd.heroku+json; version=3', Authorization: `Bearer ${sandbox.token}`, 'Content-Type': 'application/json'},
    method,
  })
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`)
  return response.json() as Promise<Heroku.AddOn>
}

async function measure(sandbox: Sandbox, task: () => Promise<unknown>): Promise<Measurement> {
  const samples: Measurement[] = []
  for (let run = 0; run < RUNS; run++) {
    sandbox.control.clearRequests()
    const started = performance.now()
    // eslint-disable-next-line no-await-in-loop
    await task()
    const ms = performance.now() - started
    const log = sandbox.control.requests()
    samples.push({ms, requests: log.length, waves: waves(log)})
  }

  samples.sort((a, b) => a.ms - b.ms)
  return samples[Math.floor(samples.length / 2)]
}

async function benchStatus(config: Config, peers: number): Promise<{oneByOne: Measurement, status: Measurement}> {
  const sandbox = await startSandbox({apps: peers + 1, latencyMs: LATENCY_MS, seed: `bench-${peers}`})
  try {
    const addon = await api(sandbox, 'POST', '/apps/service-1/addons', {plan: 'securekey:fortnightly'})
    for (let peer = 2; peer <= peers + 1; peer++) {
      // eslint-disable-next-line no-await-in-loop
      await api(sandbox, 'POST', '/addon-attachments', {addon: addon.name, app: `service-${peer}`, name: 'SERVICE_1_SECURE'})
    }

    Object.assign(process.env, sandbox.env)
    const client = new APIClient(config)
    const pooled = new PlatformApi(client)
    const sequential = new PlatformApi(client, {concurrency: 1})
    const status = await measure(sandbox, () => compareAddons(pooled, [addon]))
    // The manual way: list the attachments, then read each app's config, one after another.
    const oneByOne = await measure(sandbox, async () => {
      const attachments = await sequential.attachmentsOf(addon.id!)
      for (const attachment of attachments) {
        // eslint-disable-next-line no-await-in-loop
        await sequential.configVars(attachment.app!.name!)
      }
    })
    return {oneByOne, status}
  } finally {
    await sandbox.close()
  }
}

function benchFingerprints(): {perSecond: number} {
  const keys = Array.from({length: 20_000}, () => randomBytes(32).toString('hex').toUpperCase())
  const started = performance.now()
  for (const key of keys) fingerprint(key)
  return {perSecond: Math.round(keys.length / ((performance.now() - started) / 1000))}
}

async function main(): Promise<void> {
  const config = await Config.load({root})
  const rows: string[] = []
  for (const peers of PEER_COUNTS) {
    // eslint-disable-next-line no-await-in-loop
    const {oneByOne, status} = await benchStatus(config, peers)
    const cells = [
      peers + 1,
      status.requests,
      status.waves,
      status.ms.toFixed(0),
      oneByOne.requests,
      oneByOne.waves,
      oneByOne.ms.toFixed(0),
      `${(oneByOne.ms / status.ms).toFixed(1)}×`,
    ]
    const row = `| ${cells.join(' | ')} |`
    console.log(row)
    rows.push(row)
  }

  const {perSecond} = benchFingerprints()
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU'
  const report = `# Benchmark results

Produced by \`npm run bench\` (bench/run.ts) on ${new Date().toISOString().slice(0, 10)}: Node ${process.version},
${os.cpus().length} × ${cpu}. Median of ${RUNS} runs. The sandbox adds ${LATENCY_MS} ms to every response to stand in for
the round trip to api.heroku.com.

## securekey:status, default view (one add-on shared by every app)

\`status\` lists the attachments in one request, then reads every app's config vars through a pool of 8 requests in
flight. "One by one" is the same reads made sequentially, the way \`heroku config -a APP\` app after app does it.
Requests and waves come from the sandbox's request log (a wave: requests in flight together; the count is the longest
chain of requests that each started after the previous one ended).

| apps | status requests | status waves | status ms | one-by-one requests | one-by-one waves | one-by-one ms | speed-up |
|---:|---:|---:|---:|---:|---:|---:|---:|
${rows.join('\n')}

Both ways make the same requests: one listing of the attachments (one page per 200 attachments, so 2 pages at 201
apps) and one config-vars read per app. The pool turns N sequential round trips into about N / 8 waves (two waves in
all up to 8 apps). The one-by-one column leaves out what a person really pays per app, a CLI start-up of a second or
more for each \`heroku config\`, so the real gap is wider. The Heroku API's rate limit (a pool of 4500, refilled at 75 a
minute) is the ceiling that matters at scale: a status of 200 apps costs about 200 requests, whichever way.

## skfp1 fingerprints

${perSecond.toLocaleString('en-US')} fingerprints a second (HMAC-SHA256 of random 64-hex keys, one core): never the
bottleneck next to a round trip.
`
  writeFileSync(new URL('RESULTS.md', import.meta.url), report)
  console.log(`\nfingerprints/s: ${perSecond}\nwrote bench/RESULTS.md`)
}

await main()
