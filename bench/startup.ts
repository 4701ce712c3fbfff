/**
 * npx tsx bench/startup.ts: what the plugin adds to the real Heroku CLI's start-up, as a user installs it.
 *
 * 1. Packs the plugin in a throw-away copy of this working tree (package.json, tsconfig.json, bin/, src/, README.md):
 *    prepack's build and oclif manifest, then `npm pack` with the production dependencies bundled (copied from this
 *    checkout's node_modules) so that installing needs no registry. The shared tree gets no dist/, no
 *    oclif.manifest.json and no README rewrite (never run `npm pack` in a shared checkout: prepack's oclif readme
 *    rewrites README.md).
 * 2. Installs the .tgz into the Heroku CLI of node_modules (the heroku devDependency) with `heroku plugins:install
 *    file:…` in a throw-away HOME, npm offline from the local npm cache. Every process is started with
 *    bench/network-guard.mjs preloaded: nothing may reach a host other than 127.0.0.1.
 * 3. Times, alternating A B A B (after one warm-up each), PAIRS pairs of:
 *      heroku securekey:status --help           vs  heroku addons:info --help
 *      heroku securekey:status -a service-1     vs  heroku config -a service-2      (sandbox, 3 apps, zero latency)
 * 4. The breakdown: import time of @heroku-cli/command, @oclif/core and the command module, each in a fresh node.
 *
 *   npx tsx bench/startup.ts [--pairs 9] [--npm-cache ~/.npm]
 *
 * Status: the install succeeds, but the installed plugin cannot find its bundled @heroku-cli/command (MODULE_NOT_FOUND);
 * see bench/RESULTS.md. Not yet a working benchmark.
 */
import {spawn, spawnSync} from 'node:child_process'
import {
  // eslint-disable-next-line n/no-unsupported-features/node-builtins -- experimental on Node 20 but works; stable from 22.3
  cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync,
} from 'node:fs'
import os from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'

import {type Sandbox, startSandbox} from '../sandbox/index.js'
import {writeSection} from './section.js'

const {values} = parseArgs({
  options: {
    'npm-cache': {default: process.env.npm_config_cache ?? join(os.homedir(), '.npm'), type: 'string'},
    pairs: {default: '9', type: 'string'},
  },
})
const PAIRS = Math.max(7, Number(values.pairs))
const root = fileURLToPath(new URL('..', import.meta.url))
const herokuBin = join(root, 'node_modules', 'heroku', 'bin', 'run.js')
const guard = fileURLToPath(new URL('network-guard.mjs', import.meta.url))
const work = mkdtempSync(join(os.tmpdir(), 'securekey-startup-'))
const home = join(work, 'home')

function sh(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  const result = spawnSync(command, args, {
    cwd, encoding: 'utf8', env, maxBuffer: 64 * 1024 * 1024,
  })
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}\n${result.stdout}\n${result.stderr}`)
  return result.stdout
}

/** The packed plugin, from a copy of the working tree. */
function pack(): string {
  const copy = join(work, 'plugin')
  mkdirSync(copy)
  for (const entry of ['package.json', 'tsconfig.json', 'bin', 'src', 'README.md']) cpSync(join(root, entry), join(copy, entry), {recursive: true})
  symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'))
  // prepack's build and manifest (not `oclif readme`: it rewrites README.md, which the package does not ship).
  sh('npm', ['run', 'build'], copy)
  sh(join(root, 'node_modules', '.bin', 'oclif'), ['manifest'], copy)
  // The production dependencies are bundled into the .tgz (copied from this checkout's node_modules), so that
  // plugins:install needs no registry: npm offline cannot install them from a cache that lacks their metadata.
  const production = sh('npm', ['ls', '--omit=dev', '--all', '--parseable'], root).trim().split('\n').slice(1)
  rmSync(join(copy, 'node_modules'))
  for (const path of production) cpSync(path, join(copy, path.slice(root.length + 1)), {dereference: false, recursive: true})
  const manifest = JSON.parse(readFileSync(join(copy, 'package.json'), 'utf8')) as {bundleDependencies?: string[], dependencies: Record<string, string>}
  manifest.bundleDependencies = Object.keys(manifest.dependencies)
  writeFileSync(join(copy, 'package.json'), JSON.stringify(manifest, null, 2))
  sh('npm', ['pack', '--ignore-scripts', '--pack-destination', work], copy)
  rmSync(join(copy, 'oclif.manifest.json'))
  const tgz = readdirSync(work).find(name => name.endsWith('.tgz'))
  if (!tgz) throw new Error('npm pack made no .tgz')
  return join(work, tgz)
}

function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(HEROKU_|XDG_|npm_)|^(NODE_OPTIONS|DEBUG)$/.test(name)))
  return {
    ...inherited,
    DISABLE_TELEMETRY: 'true',
    HEROKU_DISABLE_AUTOUPDATE: 'true',
    HEROKU_SKIP_NEW_VERSION_CHECK: 'true',
    HOME: home,
    /* eslint-disable camelcase -- npm's own variable names */
    npm_config_audit: 'false',
    npm_config_cache: values['npm-cache'],
    npm_config_fund: 'false',
    npm_config_offline: 'true',
    // plugins:install runs npm: offline, from the local cache, no audit, fund or update check.
    npm_config_update_notifier: 'false',
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_STATE_HOME: join(home, '.local', 'state'),
    /* eslint-enable camelcase */
    ...extra,
    NODE_OPTIONS: `--import ${guard}`,
  }
}

function heroku(args: string[], env: Record<string, string> = {}): Promise<{code: number, ms: number, stderr: string, stdout: string}> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(process.execPath, ['--no-deprecation', herokuBin, ...args], {cwd: home, env: cliEnv(env), stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk
    })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk
    })
    child.on('error', reject)
    child.on('close', code => {
      const ms = performance.now() - started
      if (code === 0) {
        resolve({
          code: code ?? 0, ms, stderr, stdout,
        })
      } else {
        reject(new Error(`heroku ${args.join(' ')} exited ${code}\n${stderr}`))
      }
    })
  })
}

interface Stats {
  max: number
  median: number
  min: number
}

function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b)
  const middle = sorted.length / 2
  const median = sorted.length % 2 ? sorted[Math.floor(middle)] : (sorted[middle - 1] + sorted[middle]) / 2
  return {max: sorted.at(-1)!, median, min: sorted[0]}
}

/** A B A B …, after one warm-up of each; returns both series and the per-pair ratios. */
async function alternate(a: string[], b: string[], env: Record<string, string>): Promise<{a: Stats, b: Stats, pairRatio: Stats, ratio: number}> {
  await heroku(a, env)
  await heroku(b, env)
  const as: number[] = []
  const bs: number[] = []
  for (let pair = 0; pair < PAIRS; pair++) {
    /* eslint-disable no-await-in-loop */
    as.push((await heroku(a, env)).ms)
    bs.push((await heroku(b, env)).ms)
    /* eslint-enable no-await-in-loop */
  }

  const sa = stats(as)
  const sb = stats(bs)
  return {
    a: sa, b: sb, pairRatio: stats(as.map((ms, index) => ms / bs[index])), ratio: sa.median / sb.median,
  }
}

/** Median ms to import each module in a fresh node (7 runs), from the installed plugin's directory. */
function importTimes(pluginDir: string): Array<{label: string, ms: number}> {
  const measure = (label: string, specifiers: string[]) => {
    const script = `const t=performance.now();for (const s of ${JSON.stringify(specifiers)}) await import(s);console.log(performance.now()-t)`
    const samples = Array.from({length: 7}, () => Number(sh(process.execPath, ['--input-type=module', '-e', script], pluginDir, cliEnv())))
    return {label, ms: stats(samples).median}
  }

  const command = join(pluginDir, 'dist', 'commands', 'securekey', 'status.js')
  return [
    measure('node, nothing imported', []),
    measure('@oclif/core', ['@oclif/core']),
    measure('@heroku-cli/command', ['@heroku-cli/command']),
    measure('@heroku-cli/command + @oclif/core', ['@heroku-cli/command', '@oclif/core']),
    measure('dist/commands/securekey/status.js (all it imports)', [command]),
  ]
}

const fmt = (s: Stats) => `${s.median.toFixed(0)} (${s.min.toFixed(0)}–${s.max.toFixed(0)})`

async function main(): Promise<void> {
  const began = performance.now()
  mkdirSync(join(home, '.cache', 'heroku'), {recursive: true})
  writeFileSync(join(home, '.cache', 'heroku', 'terms-of-service'), '')
  let sandbox: Sandbox | undefined
  try {
    const tgz = pack()
    console.log(`packed ${tgz} at ${((performance.now() - began) / 1000).toFixed(0)} s`)
    const installStarted = performance.now()
    await heroku(['plugins:install', `file:${tgz}`])
    const installS = (performance.now() - installStarted) / 1000
    const plugins = await heroku(['plugins'])
    console.log(`installed in ${installS.toFixed(0)} s: ${plugins.stdout.trim()}`)
    const pluginDir = join(home, '.local', 'share', 'heroku', 'node_modules', 'heroku-securekey')
    if (!existsSync(join(pluginDir, 'oclif.manifest.json'))) throw new Error(`the installed plugin has no oclif.manifest.json (${pluginDir})`)

    const help = await alternate(['securekey:status', '--help'], ['addons:info', '--help'], {})
    console.log(`--help: ${fmt(help.a)} vs ${fmt(help.b)} → ${help.ratio.toFixed(2)}`)

    sandbox = await startSandbox({apps: 3, seed: 'startup'})
    const api = (method: string, path: string, body: unknown) => fetch(`${sandbox!.url}${path}`, {
      body: JSON.stringify(body),
      headers: {Accept: 'application/vnd.heroku+json; version=3', Authorization: `Bearer ${sandbox!.token}`, 'Content-Type': 'application/json'},
      method,
    }).then(response => response.json() as Promise<{name: string}>)
    const addon = await api('POST', '/apps/service-1/addons', {plan: 'securekey:fortnightly'})
    for (const app of ['service-2', 'service-3']) {
      // eslint-disable-next-line no-await-in-loop
      await api('POST', '/addon-attachments', {addon: addon.name, app, name: 'SERVICE_1_SECURE'})
    }

    const run = await alternate(['securekey:status', '-a', 'service-1'], ['config', '-a', 'service-2'], sandbox.env)
    console.log(`run: ${fmt(run.a)} vs ${fmt(run.b)} → ${run.ratio.toFixed(2)}`)
    const imports = importTimes(pluginDir)
    const totalS = (performance.now() - began) / 1000
    const verdict = (ratio: number, target: number) => (ratio <= target ? `**met** (≤ ${target.toFixed(2)})` : `**missed** by ${(ratio - target).toFixed(2)} (target ${target.toFixed(2)})`)

    const body = `## Start-up in the real Heroku CLI (\`npx tsx bench/startup.ts\`)

Run on ${new Date().toISOString().slice(0, 10)}: Node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model}; heroku CLI
${sh(process.execPath, [herokuBin, '--version'], root, cliEnv()).trim().split(' ')[0]}; whole run ${totalS.toFixed(0)} s (not part of \`npm run bench\`, which it would push past 3 minutes).
The plugin was packed (\`npm pack\`: build, oclif manifest) and installed with \`heroku plugins:install file:….tgz\`
(${installS.toFixed(0)} s, npm offline) into a throw-away HOME. Wall time of the whole \`heroku\` process, ms: median (min–max) of
${PAIRS} runs taken in alternation A B A B after one warm-up each; "per pair" is the median of A/B within each pair.

| A | B | A ms | B ms | A/B (medians) | A/B per pair, median (min–max) | target |
|---|---|---:|---:|---:|---:|---|
| \`heroku securekey:status --help\` | \`heroku addons:info --help\` | ${fmt(help.a)} | ${fmt(help.b)} | ${help.ratio.toFixed(2)} | ${help.pairRatio.median.toFixed(2)} (${help.pairRatio.min.toFixed(2)}–${help.pairRatio.max.toFixed(2)}) | ${verdict(help.ratio, 1.1)} |
| \`heroku securekey:status -a service-1\` (3 apps) | \`heroku config -a service-2\` | ${fmt(run.a)} | ${fmt(run.b)} | ${run.ratio.toFixed(2)} | ${run.pairRatio.median.toFixed(2)} (${run.pairRatio.min.toFixed(2)}–${run.pairRatio.max.toFixed(2)}) | ${verdict(run.ratio, 1.15)} |

Import time in a fresh \`node\` from the installed plugin's directory (the plugin's own copies of its dependencies),
median of 7, ms:

| imported | ms |
|---|---:|
${imports.map(row => `| ${row.label} | ${row.ms.toFixed(0)} |`).join('\n')}
`
    writeSection('startup', body)
    console.log(body)
  } finally {
    await sandbox?.close()
    rmSync(work, {force: true, recursive: true})
    for (const leftover of ['oclif.manifest.json', 'dist']) {
      if (existsSync(join(root, leftover))) console.warn(`note: ${leftover} exists in ${root} (not made by this script)`)
    }
  }
}

await main()
