/* eslint-disable camelcase -- the --json document's snake_case fields */
import {expect} from 'chai'

import {type Sandbox, startSandbox} from '../../sandbox/index.js'
import {type CliResult, run} from '../helpers/heroku-cli.js'
import {expectNoKeyValue, text} from '../helpers/output.js'
import {keysIn} from '../helpers/sandbox-setup.js'

// The blog's set-up, done with Heroku's own commands: service-1 provisions securekey, service-2 and service-3 attach it
// as SERVICE_ONE_SECURE. Then the question the plugin exists for: does every app have the same key?
describe('heroku securekey:status with the real Heroku CLI', () => {
  let sandbox: Sandbox
  let addon: string
  let rotation: Promise<void> | undefined

  const heroku = (args: string[], env: Record<string, string> = {}) => run(args, {env: {...sandbox.env, ...env}})
  // The keys as of now: a rotation changes them.
  const expectNoSecret = (result: CliResult) => expectNoKeyValue(result, keysIn(sandbox, ['service-1', 'service-2', 'service-3']))

  before(async () => {
    sandbox = await startSandbox({seed: 'acceptance-status'})
    const created = await heroku(['addons:create', 'securekey', '-a', 'service-1'])
    expect(created.exitCode, created.stderr).to.equal(0)
    addon = sandbox.control.addons().find(found => found.addon_service?.name === 'securekey')!.name!
    for (const app of ['service-2', 'service-3']) {
      // eslint-disable-next-line no-await-in-loop
      const attached = await heroku(['addons:attach', addon, '-a', app, '--as', 'SERVICE_ONE_SECURE'])
      expect(attached.exitCode, attached.stderr).to.equal(0)
    }
  })

  after(async () => {
    sandbox.control.flushRotations()
    await rotation
    await sandbox?.close()
  })

  it('shows every app in sync after the set-up, from a peer', async () => {
    const result = await heroku(['securekey:status', '-a', 'service-2', '--check'])

    expect(result.exitCode, result.stderr).to.equal(0)
    expect(text(result)).to.include(`=== ${addon} (owner service-1, securekey:fortnightly, provisioned)`)
    expect(text(result)).to.match(/service-2\s+SERVICE_ONE_SECURE\s+SERVICE_ONE_SECURE_KEY\s+skfp1:[\da-f]{16}\s+skfp1:[\da-f]{16}\s+in sync/)
    expect(text(result)).to.match(/3\/3 apps in sync \(LATEST skfp1:[\da-f]{16}\)/)
    expectNoSecret(result)
  })

  it('after a rotation that has not reached service-3, shows it behind and the dynos service-2 still runs on the previous key', async () => {
    sandbox.control.holdDynos('service-2', ['web.1'])
    rotation = sandbox.control.rotate(addon, {delayMs: {'service-3': 10 * 60_000}})

    const result = await heroku(['securekey:status', '-a', 'service-2', '--dynos', '--check'])

    expect(result.exitCode).to.equal(1)
    expect(text(result)).to.match(/service-3\s+SERVICE_ONE_SECURE\s+SERVICE_ONE_SECURE_KEY\s+skfp1:\w+\s+skfp1:\w+\s+behind/)
    expect(text(result)).to.match(/2\/3 apps in sync \(LATEST skfp1:\w+\); behind: service-3/)
    expect(text(result)).to.match(/service-2: 1 of 3 dynos still run the previous key \(release v\d+: web\.1\)/)
    expect(text(result)).to.include('Not every app is in sync: service-3 (behind).')
    expectNoSecret(result)
  })

  it('prints the --json document, and --wait ends once the rotation reaches every app', async () => {
    const json = await heroku(['securekey:status', addon, '--json'])
    expect(json.exitCode, json.stderr).to.equal(0)
    const document = JSON.parse(json.stdout)
    expect(document.summary).to.deep.equal({
      all_in_sync: false, in_sync: 2, keys: 1, total: 3,
    })
    expectNoSecret(json)

    const flush = setTimeout(() => sandbox.control.flushRotations(), 3000)
    const waited = await heroku(['securekey:status', '-a', 'service-2', '--wait', '--timeout', '45s'], {HEROKU_SECUREKEY_WAIT_INTERVAL_MS: '200'})
    clearTimeout(flush)

    expect(waited.exitCode, waited.stderr).to.equal(0)
    expect(text(waited)).to.match(/3\/3 apps in sync/)
    expectNoSecret(waited)
  })
})
