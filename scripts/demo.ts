/**
 * npm run demo: the whole securekey story on a local sandbox, told as a tutorial. Each step prints the command, then
 * what the plugin itself prints. Nothing leaves 127.0.0.1 and no account is needed.
 */
import {Config} from '@oclif/core'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {startSandbox} from '../sandbox/index.js'

const root = fileURLToPath(new URL('..', import.meta.url))
/** Apps the fleet of step 8 adds: enough for both kinds of key and a key out of sync, few enough to read at a glance. */
const FLEET_APPS = 18
const SERVICE_2_LAG_MS = Number(process.env.DEMO_LAG_MS ?? 4000)

function say(text: string): void {
  process.stdout.write(`\n${text.trim().split('\n').map(line => `# ${line.trim()}`).join('\n')}\n`)
}

/**
 * Runs `heroku <args>` with this checkout's plugin, the way a user would type it, in this process: the commands are
 * the plugin's own (loaded from the TypeScript sources), only the start-up of a new process per command is saved.
 * Errors print as the Heroku CLI prints them, and the exit code is the command's.
 */
async function heroku(config: Config, args: string[]): Promise<number> {
  process.stdout.write(`$ heroku ${args.join(' ')}\n`)
  try {
    await config.runCommand(args[0], args.slice(1))
    return 0
  } catch (error) {
    const failure = error as Error & {oclif?: {exit?: number}}
    process.stderr.write(`${prettyPrint(failure)}\n`)
    return failure.oclif?.exit ?? 1
  }
}

function prettyPrint(error: Error & {suggestions?: string[]}): string {
  const lines = [`Error: ${error.message}`]
  if (error.suggestions?.length) lines.push('Try this:', ...error.suggestions.map(suggestion => `  * ${suggestion}`))
  return lines.map(line => ` ›   ${line}`).join('\n')
}

async function main(): Promise<void> {
  const sandbox = await startSandbox({seed: 'demo'})
  const home = mkdtempSync(path.join(tmpdir(), 'securekey-demo-'))
  // What a user pastes from `npm run sandbox`; NODE_ENV=development lets oclif load the plugin from src/ without a build.
  Object.assign(process.env, sandbox.env, {
    HEROKU_SECUREKEY_WAIT_INTERVAL_MS: process.env.HEROKU_SECUREKEY_WAIT_INTERVAL_MS ?? '1000',
    HOME: home,
    NODE_ENV: 'development',
    // Tables and long lines as a terminal of 120 columns shows them, wherever the demo runs (the README quotes it).
    OCLIF_TABLE_COLUMN_OVERRIDE: process.env.OCLIF_TABLE_COLUMN_OVERRIDE ?? '120',
  })
  const config = await Config.load({root})
  const run = async (args: string[], expectedExit = 0) => {
    const code = await heroku(config, args)
    if (code !== expectedExit) throw new Error(`heroku ${args.join(' ')} exited ${code}, expected ${expectedExit}`)
  }

  try {
    say(`A local sandbox of the Heroku Platform API is running at ${sandbox.url} with three apps:
      service-1, service-2 and service-3. Every command below talks to it over HTTP, exactly as it would to Heroku.`)

    say('1. service-1 owns the secret: provision securekey on it. Safe to run again: a second run creates nothing.')
    await run(['securekey:provision', '-a', 'service-1'])

    say(`2. service-2 calls service-1 and needs the same key. Attach it under its own name, so that service-2 reads
      SERVICE_ONE_SECURE_KEY and keeps SECURE_KEY free for a securekey of its own. The plugin reads the value back
      and compares fingerprints: no key is ever printed.`)
    await run(['securekey:attach', '--from', 'service-1', '-a', 'service-2', '--as', 'SERVICE_ONE_SECURE'])

    say('3. Who holds the key, and do they agree? status compares skfp1 fingerprints, never the keys.')
    await run(['securekey:status', '-a', 'service-2'])

    const addon = sandbox.control.addons().find(candidate => candidate.addon_service?.name === 'securekey')
    if (!addon?.name) throw new Error('the demo add-on is missing')
    say(`4. Every 14 days securekey rotates: "<new>,<old LATEST>" is written to each app, one after another. The
      sandbox stages one now: service-1 gets the new key at once, service-2 only later, and two of service-2's
      dynos will be slow to restart. service-2 is behind: its LATEST is service-1's PREVIOUS. Servers accept both
      keys, so nothing breaks yet. --check (exit 1 unless in sync) suits CI and cron.`)
    sandbox.control.holdDynos('service-2', ['web.1', 'web.2'])
    const rotation = sandbox.control.rotate(addon.name, {delayMs: {'service-2': 10 * 60 * 1000}})
    await run(['securekey:status', '-a', 'service-2', '--check'], 1)

    say(`--wait polls, backing off, until every app agrees. The sandbox lets service-2 catch up in ${SERVICE_2_LAG_MS / 1000} s.`)
    const catchUp = setTimeout(() => sandbox.control.flushRotations(), SERVICE_2_LAG_MS)
    try {
      await run(['securekey:status', '-a', 'service-2', '--wait', '--timeout', '2m'])
    } finally {
      clearTimeout(catchUp)
    }

    await rotation

    say('5. The config agrees, but do the running dynos? --dynos looks at the release each dyno runs.')
    await run(['securekey:status', '-a', 'service-2', '--dynos'])

    say(`Two dynos still run the previous key: \`heroku ps:restart -a service-2\` fixes that (the sandbox restarts them now).
      6. Teardown in the right order: detach every peer, then destroy on the owner, without force. --dry-run shows
      the plan and changes nothing; --confirm names the owner, as heroku addons:destroy does.`)
    sandbox.control.releaseDynos('service-2')
    await run(['securekey:teardown', '-a', 'service-1', '--confirm', 'service-1'])

    say(`7. No add-on needed: a self-managed key has the same format and the same commands, kept by the plugin in plain
      config vars, and securekey:rotate can rotate it on demand. The sandbox's dynos now take up to 1.5 s to restart.`)
    sandbox.control.setRestartDelay({maxMs: 1500, minMs: 200, seed: 'demo'})
    await run(['securekey:provision', '-a', 'service-1', '--self-managed'])
    await run(['securekey:attach', '--from', 'service-1', '-a', 'service-2', '-a', 'service-3'])

    say(`A staged rotation: every app first accepts the new key while still signing with the current one; once every
      dyno runs that, every app signs with the new key. No request between the apps is refused on the way.
      (--dry-run shows the plan first.)`)
    await run(['securekey:rotate', '-a', 'service-1', '--confirm', 'service-1'])
    await run(['securekey:status', '-a', 'service-2'])

    say(`8. Every key of the account at once, both kinds: the sandbox seeds a small fleet of teams' apps (service-4 to
      service-${3 + FLEET_APPS}), some out of sync, one overdue. --check would exit 1 here.`)
    await sandbox.control.seedFleet({apps: FLEET_APPS})
    await run(['securekey:status', '--all'])

    say('Done. The sandbox stops now; `npm run sandbox` keeps one running for your own experiments.')
  } finally {
    await sandbox.close()
    rmSync(home, {force: true, recursive: true})
  }
}

try {
  await main()
} catch (error) {
  process.stderr.write(`\ndemo failed: ${(error as Error).message}\n`)
  process.exitCode = 1
}
