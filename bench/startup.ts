/**
 * npm run bench:startup: what the plugin adds to the real Heroku CLI's start-up, installed as a user installs it.
 *
 * 1. Packs the plugin in a throw-away copy of this working tree (package.json, tsconfig.json, bin/, src/, README.md), or
 *    of a commit with --ref (git archive): prepack's build and oclif manifest (not its `oclif readme`), then
 *    `npm pack --ignore-scripts`. The .tgz must hold
 *    oclif.manifest.json. This checkout gets no dist/, no oclif.manifest.json and no rewrite of docs/commands.md
 *    (prepack's `oclif readme` writes it).
 * 2. Installs the .tgz into the Heroku CLI of node_modules (the heroku devDependency) with
 *    `heroku plugins:install file:….tgz` in a throw-away HOME: npm fetches the plugin's dependencies from the registry
 *    (`npm config get registry`), as it would for a user; --prefer-offline, so a warm npm cache makes it quick. The
 *    installed package.json must list oclif.manifest.json and the file must be there (with a manifest, oclif does not
 *    import a command module to list commands).
 * 3. Times, alternating A B A B after one warm-up each, PAIRS pairs (default 9) of:
 *      heroku securekey:status --help           vs  heroku addons:info --help
 *      heroku securekey:status -a service-1     vs  heroku config -a service-2      (sandbox, 3 apps hold a key, 0 ms)
 *    Wall time of each process (the targets are on it) and its CPU time (bench/cpu-usage.mjs), which a loaded machine
 *    disturbs much less.
 * 4. The breakdown: cumulative import times, in a fresh node, of what each command module pulls in: from the installed
 *    plugin's directory (its own @oclif/core; @heroku-cli/command and @heroku/heroku-cli-util are the CLI's, see
 *    src/core/cli-libraries.ts) and from the Heroku CLI's directory (addons:info's module). Also the size on disk of
 *    what the install added (du of the CLI's plugins directory) and whether @sentry/node is among it.
 *
 * bench/network-guard.mjs is preloaded into every process: nothing but 127.0.0.1 is reachable, except the npm
 * registry's host during step 2 (BENCH_NETWORK_ALLOW). Writes its section of bench/RESULTS.md. About 3 minutes on 2
 * cores, so not part of `npm run bench`.
 *
 *   npm run bench:startup [-- --pairs 9 --ref HEAD --keep]   (--keep leaves the throw-away directory for inspection)
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
import {collect} from '../test/helpers/heroku-cli.js'
import {provisionWithPeers} from '../test/helpers/sandbox-setup.js'
import {writeSection} from './section.js'

const {values} = parseArgs({
  options: {
    keep: {default: false, type: 'boolean'},
    pairs: {default: '9', type: 'string'},
    ref: {type: 'string'},
  },
})
const PAIRS = Math.max(7, Number(values.pairs))
const IMPORT_RUNS = 7
const root = fileURLToPath(new URL('..', import.meta.url))
const herokuRoot = join(root, 'node_modules', 'heroku')
const herokuBin = join(herokuRoot, 'bin', 'run.js')
const guard = fileURLToPath(new URL('network-guard.mjs', import.meta.url))
const cpuUsage = fileURLToPath(new URL('cpu-usage.mjs', import.meta.url))
const GUARD_MARKER = '[bench network-guard] blocked'
const CPU_MARKER = '[bench cpu] '
const work = mkdtempSync(join(os.tmpdir(), 'securekey-startup-'))
const home = join(work, 'home')

function sh(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  const result = spawnSync(command, args, {
    cwd, encoding: 'utf8', env, maxBuffer: 64 * 1024 * 1024,
  })
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}\n${result.stdout}\n${result.stderr}`)
  return result.stdout
}

/** npm's own settings, read once from this checkout (before cliEnv drops the npm_* variables `npm run` sets). */
const npmCache = sh('npm', ['config', 'get', 'cache'], root).trim()
const npmRegistry = sh('npm', ['config', 'get', 'registry'], root).trim()

const PACKED = ['package.json', 'tsconfig.json', 'bin', 'src', 'README.md']

/** What is packed: the working tree, or `--ref`'s commit (with its abbreviated hash). */
const packedFrom = values.ref ? `${values.ref} (${sh('git', ['rev-parse', '--short', values.ref], root).trim()})` : 'the working tree'

/** The packed plugin, from a copy of the working tree or of --ref. */
function pack(): string {
  const copy = join(work, 'plugin')
  mkdirSync(copy)
  if (values.ref) {
    const archive = join(work, 'source.tar')
    sh('git', ['archive', '--output', archive, values.ref, ...PACKED], root)
    sh('tar', ['-xf', archive, '-C', copy], work)
    rmSync(archive)
  } else {
    for (const entry of PACKED) cpSync(join(root, entry), join(copy, entry), {recursive: true})
  }

  symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'))
  // prepack's build and manifest (not `oclif readme`: it rewrites docs/commands.md, which the .tgz does not ship).
  sh('npm', ['run', 'build'], copy)
  sh(join(root, 'node_modules', '.bin', 'oclif'), ['manifest'], copy)
  rmSync(join(copy, 'node_modules'))
  sh('npm', ['pack', '--ignore-scripts', '--pack-destination', work], copy)
  const tgz = readdirSync(work).find(name => name.endsWith('.tgz'))
  if (!tgz) throw new Error('npm pack made no .tgz')
  const listing = sh('tar', ['-tzf', join(work, tgz)], work).split('\n')
  if (!listing.includes('package/oclif.manifest.json')) throw new Error(`${tgz} has no oclif.manifest.json`)
  return join(work, tgz)
}

function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(HEROKU_|XDG_|npm_|BENCH_)|^(NODE_OPTIONS|DEBUG)$/.test(name)))
  return {
    ...inherited,
    DISABLE_TELEMETRY: 'true',
    HEROKU_DISABLE_AUTOUPDATE: 'true',
    HEROKU_SKIP_NEW_VERSION_CHECK: 'true',
    HOME: home,
    /* eslint-disable camelcase -- npm's own variable names */
    // plugins:install runs npm: the caller's cache, cached metadata first, no audit, fund or update check.
    npm_config_audit: 'false',
    npm_config_cache: npmCache,
    npm_config_fund: 'false',
    npm_config_prefer_offline: 'true',
    npm_config_registry: npmRegistry,
    npm_config_update_notifier: 'false',
    /* eslint-enable camelcase */
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_STATE_HOME: join(home, '.local', 'state'),
    ...extra,
    NODE_OPTIONS: `--import ${guard} --import ${cpuUsage}`,
  }
}

interface Run {
  /** CPU time, user + system, of every node process in the run (ms). */
  cpuMs: number
  ms: number
  stderr: string
  stdout: string
}

async function heroku(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const started = performance.now()
  const child = spawn(process.execPath, ['--no-deprecation', herokuBin, ...args], {cwd: home, env: cliEnv(env), stdio: ['pipe', 'pipe', 'pipe']})
  const {exitCode, stderr, stdout} = await collect(child, `heroku ${args.join(' ')}`, {timeoutMs: 120_000})
  const ms = performance.now() - started
  const lines = stderr.split('\n')
  const blocked = lines.find(line => line.startsWith(GUARD_MARKER))
  const cpuMs = lines.filter(line => line.startsWith(CPU_MARKER)).reduce((sum, line) => sum + Number(line.slice(CPU_MARKER.length)), 0)
  if (blocked) throw new Error(`heroku ${args.join(' ')} tried to reach the network: ${blocked}`)
  if (exitCode !== 0) throw new Error(`heroku ${args.join(' ')} exited ${exitCode}\n${stdout}\n${stderr}`)
  return {
    cpuMs, ms, stderr, stdout,
  }
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

interface Comparison {
  a: Stats
  aCpu: Stats
  as: number[]
  b: Stats
  bCpu: Stats
  bs: number[]
  pairRatio: Stats
  ratio: number
}

/** A B A B …, after one warm-up of each; returns both series and the per-pair ratios. */
async function alternate(a: string[], b: string[], env: Record<string, string>): Promise<Comparison> {
  await heroku(a, env)
  await heroku(b, env)
  const runsA: Run[] = []
  const runsB: Run[] = []
  for (let pair = 0; pair < PAIRS; pair++) {
    /* eslint-disable no-await-in-loop */
    runsA.push(await heroku(a, env))
    runsB.push(await heroku(b, env))
    /* eslint-enable no-await-in-loop */
  }

  const as = runsA.map(run => run.ms)
  const bs = runsB.map(run => run.ms)
  const sa = stats(as)
  const sb = stats(bs)
  return {
    a: sa,
    aCpu: stats(runsA.map(run => run.cpuMs)),
    as,
    b: sb,
    bCpu: stats(runsB.map(run => run.cpuMs)),
    bs,
    pairRatio: stats(as.map((ms, index) => ms / bs[index])),
    ratio: sa.median / sb.median,
  }
}

interface ImportStep {
  cpuMs: number
  label: string
  ms: number
}

/**
 * Cumulative import times in one fresh node per run (IMPORT_RUNS runs, median per step), resolving bare specifiers from
 * `dir` as the modules there would: each step is what importing it adds to the steps before (wall and CPU ms).
 */
function importSteps(dir: string, steps: Array<{label: string, specifier: string}>): ImportStep[] {
  const script = `const steps = JSON.parse(process.argv[1]); const out = []
for (const s of steps) {
  const c = process.cpuUsage(); const t = performance.now(); await import(s); const u = process.cpuUsage(c)
  out.push([performance.now() - t, (u.user + u.system) / 1000])
}
console.log(JSON.stringify(out))`
  const specifiers = JSON.stringify(steps.map(step => step.specifier))
  const runs = Array.from({length: IMPORT_RUNS}, () => JSON.parse(sh(process.execPath, ['--input-type=module', '-e', script, specifiers], dir, cliEnv())) as Array<[number, number]>)
  return steps.map((step, index) => ({
    cpuMs: stats(runs.map(run => run[index][1])).median, label: step.label, ms: stats(runs.map(run => run[index][0])).median,
  }))
}

const fmt = (s: Stats) => `${s.median.toFixed(0)} (${s.min.toFixed(0)}–${s.max.toFixed(0)})`
const list = (samples: number[]) => samples.map(ms => ms.toFixed(0)).join(' ')

async function main(): Promise<void> {
  const began = performance.now()
  mkdirSync(join(home, '.cache', 'heroku'), {recursive: true})
  writeFileSync(join(home, '.cache', 'heroku', 'terms-of-service'), '')
  let sandbox: Sandbox | undefined
  try {
    const tgz = pack()
    const packS = (performance.now() - began) / 1000
    console.log(`packed ${tgz} in ${packS.toFixed(0)} s`)
    const installStarted = performance.now()
    await heroku(['plugins:install', `file:${tgz}`], {BENCH_NETWORK_ALLOW: new URL(npmRegistry).hostname})
    const installS = (performance.now() - installStarted) / 1000
    const plugins = await heroku(['plugins'])
    console.log(`installed in ${installS.toFixed(0)} s: ${plugins.stdout.trim()}`)
    const pluginsDir = join(home, '.local', 'share', 'heroku', 'node_modules')
    const pluginDir = join(pluginsDir, 'heroku-securekey')
    // What the install put on disk: the plugin and every dependency npm placed beside it (the CLI's own modules are elsewhere).
    const installedMb = Number(sh('du', ['-sk', pluginsDir], root).split('\t')[0]) / 1024
    const installedPackages = sh('find', [pluginsDir, '-name', 'package.json', '-path', '*/node_modules/*', '-not', '-path', '*/node_modules/*/node_modules/*/node_modules/*'], root)
    .split('\n').filter(line => /node_modules\/(?:@[^/]+\/)?[^/@]+\/package\.json$/.test(line)).length
    const sentry = existsSync(join(pluginsDir, '@sentry', 'node'))
    console.log(`installed: ${installedMb.toFixed(0)} MB, ${installedPackages} packages, @sentry/node ${sentry ? 'present' : 'absent'}`)
    const installed = JSON.parse(readFileSync(join(pluginDir, 'package.json'), 'utf8')) as {files?: string[]}
    if (!installed.files?.includes('oclif.manifest.json') || !existsSync(join(pluginDir, 'oclif.manifest.json'))) {
      throw new Error(`the installed plugin has no oclif.manifest.json (${pluginDir})`)
    }

    const help = await alternate(['securekey:status', '--help'], ['addons:info', '--help'], {})
    console.log(`--help: ${fmt(help.a)} vs ${fmt(help.b)} → ${help.ratio.toFixed(2)}`)

    sandbox = await startSandbox({apps: 3, seed: 'startup'})
    await provisionWithPeers(sandbox, ['service-2', 'service-3'])
    const check = await heroku(['securekey:status', '-a', 'service-1'], sandbox.env)
    if (!/in sync/.test(check.stdout)) throw new Error(`securekey:status printed no "in sync":\n${check.stdout}`)
    const run = await alternate(['securekey:status', '-a', 'service-1'], ['config', '-a', 'service-2'], sandbox.env)
    console.log(`run: ${fmt(run.a)} vs ${fmt(run.b)} → ${run.ratio.toFixed(2)}`)

    const inPlugin = (path: string) => join(pluginDir, path)
    const pluginImports = importSteps(pluginDir, [
      {label: '@oclif/core (the plugin\'s own copy)', specifier: '@oclif/core'},
      {label: '+ dist/commands/securekey/status.js (the rest of what it imports: what --help loads)', specifier: inPlugin('dist/commands/securekey/status.js')},
      {label: '+ dist/status/view.js (the table and colours, imported in run(); the colours are the CLI\'s in the CLI)', specifier: inPlugin('dist/status/view.js')},
    ])
    const cliImports = importSteps(herokuRoot, [
      {label: '@oclif/core', specifier: '@oclif/core'},
      {label: '+ @sentry/node', specifier: '@sentry/node'},
      {label: '+ @heroku-cli/command (the rest of it)', specifier: '@heroku-cli/command'},
      {label: '+ dist/commands/addons/info.js (with @heroku/heroku-cli-util, @oclif/table)', specifier: join(herokuRoot, 'dist', 'commands', 'addons', 'info.js')},
      {label: '+ dist/commands/config/index.js', specifier: join(herokuRoot, 'dist', 'commands', 'config', 'index.js')},
    ])
    const totalS = (performance.now() - began) / 1000
    const verdict = (ratio: number, target: number) => (ratio <= target
      ? `**met** (≤ ${target.toFixed(2)})`
      : `**missed** by ${(ratio - target).toFixed(2)} (target ${target.toFixed(2)})`)
    const row = (a: string, b: string, c: Comparison, target: number) => [
      a,
      b,
      fmt(c.a),
      fmt(c.b),
      c.ratio.toFixed(2),
      `${c.pairRatio.median.toFixed(2)} (${c.pairRatio.min.toFixed(2)}–${c.pairRatio.max.toFixed(2)})`,
      `${c.aCpu.median.toFixed(0)} / ${c.bCpu.median.toFixed(0)} = ${(c.aCpu.median / c.bCpu.median).toFixed(2)}`,
      verdict(c.ratio, target),
    ].join(' | ')
    const importRows = (rows: ImportStep[]) => rows.map(r => `| ${r.label} | ${r.ms.toFixed(0)} | ${r.cpuMs.toFixed(0)} |`).join('\n')
    const cliVersion = sh(process.execPath, [herokuBin, '--version'], root, cliEnv()).trim().split(' ')[0]
    const machine = `Node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, ${os.type().toLowerCase()} ${os.release()}`

    const body = `## Start-up in the real Heroku CLI (\`npm run bench:startup\`, bench/startup.ts)

Run on ${new Date().toISOString().slice(0, 10)}: ${machine}; ${cliVersion}; the plugin packed from ${packedFrom};
load average ${os.loadavg().map(l => l.toFixed(1)).join(' ')} at the end; whole run ${totalS.toFixed(0)} s (pack ${packS.toFixed(0)} s,
\`heroku plugins:install file:….tgz\` ${installS.toFixed(0)} s with the dependencies from ${new URL(npmRegistry).hostname}). Installed:
${installedMb.toFixed(0)} MB in the CLI's plugins directory (\`du\`), ${installedPackages} packages, @sentry/node ${sentry ? 'among them' : 'not among them'}. The
installed plugin has oclif.manifest.json (listed in its package.json's files). Wall time of the whole \`heroku\` process, ms: median
(min–max) of ${PAIRS} runs taken in alternation A B A B after one warm-up each; "per pair" is A/B within each pair; CPU is
the median user + system time of the same runs. The targets are on wall time. The timed runs reach only 127.0.0.1.

| A | B | A ms | B ms | A/B (medians) | A/B per pair, median (min–max) | CPU ms, A / B | target |
|---|---|---:|---:|---:|---:|---:|---|
| ${row('`heroku securekey:status --help`', '`heroku addons:info --help`', help, 1.1)} |
| ${row('`heroku securekey:status -a service-1` (3 apps hold the key)', '`heroku config -a service-2`', run, 1.15)} |

Every run, wall ms (A, then B): --help: ${list(help.as)} / ${list(help.bs)}; status: ${list(run.as)} / ${list(run.bs)}.

Where it goes: cumulative import times in a fresh \`node\`, median of ${IMPORT_RUNS} (each row: what it adds to the rows above it).
Both commands' modules are imported for --help too: their \`--app\` flag has a dynamic default (HEROKU_APP, git remotes),
so oclif loads the command to show it. In the CLI process, the CLI's own @oclif/core, @heroku-cli/command and
@sentry/node are already loaded by its init hooks before any command module; the plugin takes @heroku-cli/command and
@heroku/heroku-cli-util from the CLI (src/core/cli-libraries.ts: optional peer dependencies, not installed with it), so
of these only @oclif/core is its own copy.

| from the installed plugin's directory | wall ms | CPU ms |
|---|---:|---:|
${importRows(pluginImports)}

| from the Heroku CLI's directory | wall ms | CPU ms |
|---|---:|---:|
${importRows(cliImports)}
`
    writeSection('startup', body)
    console.log(body)
  } finally {
    await sandbox?.close()
    if (values.keep) console.log(`kept ${work}`)
    else rmSync(work, {force: true, recursive: true})
    for (const leftover of ['oclif.manifest.json', 'dist']) {
      if (existsSync(join(root, leftover))) console.warn(`note: ${leftover} exists in ${root} (not made by this script)`)
    }
  }
}

await main()
