import {expect} from 'chai'

import {type Sandbox, startSandbox} from '../../sandbox/index.js'
import {run} from '../helpers/heroku-cli.js'
import {expectNoKeyValue, unwrapped} from '../helpers/output.js'
import {type Added, provisionWithPeers} from '../helpers/sandbox-setup.js'

// The blog's set-up: service-1 provisions securekey, service-2 and service-3 attach it as SERVICE_ONE_SECURE. Its
// clean-up is here one plugin command, checked with Heroku's own `heroku addons` and `heroku config`.
describe('heroku securekey:teardown with the real Heroku CLI', () => {
  let sandbox: Sandbox
  let addon: Added
  let keys: string[]

  before(async () => {
    sandbox = await startSandbox({apps: 3})
    const shared = await provisionWithPeers(sandbox, ['service-2', 'service-3'], 'SERVICE_ONE_SECURE')
    addon = shared.addon
    keys = shared.keys
  })

  after(async () => {
    await sandbox?.close()
  })

  it('stops without a terminal and without --confirm, exiting 1 with nothing changed', async () => {
    const result = await run(['securekey:teardown', '-a', 'service-1'], {env: sandbox.env})

    expect(result.exitCode, result.stderr).to.equal(1)
    // oclif wraps long error lines at the terminal width, each continuation starting with ' ›'.
    expect(unwrapped(result.stderr)).to.include('There is no terminal to confirm on: re-run with --confirm service-1.')
    expect(sandbox.control.requests().filter(request => request.method !== 'GET')).to.deep.equal([])
    expect(sandbox.control.attachments()).to.have.length(3)
    expectNoKeyValue(result, keys)
  })

  it('detaches every peer and destroys the add-on: `heroku addons` and `heroku config` show nothing left', async () => {
    const teardown = await run(['securekey:teardown', '-a', 'service-1', '--confirm', 'service-1'], {env: sandbox.env})

    expect(teardown.exitCode, teardown.stderr).to.equal(0)
    expect(teardown.stdout).to.include('Detached SERVICE_ONE_SECURE from service-2: SERVICE_ONE_SECURE_KEY removed')
    expect(teardown.stdout).to.include('Detached SERVICE_ONE_SECURE from service-3: SERVICE_ONE_SECURE_KEY removed')
    expect(teardown.stdout).to.include(`Destroyed ${addon.name} on service-1: teardown complete.`)
    expectNoKeyValue(teardown, keys)

    const [addons, config] = await Promise.all([run(['addons', '-a', 'service-1'], {env: sandbox.env}), run(['config', '-a', 'service-2'], {env: sandbox.env})])

    expect(addons.exitCode, addons.stderr).to.equal(0)
    expect(addons.stdout).to.include('No add-ons for app service-1.')
    expect(config.exitCode, config.stderr).to.equal(0)
    expect(config.stdout).to.include('=== service-2 Config Vars')
    expect(config.stdout).to.include('NODE_ENV')
    expect(config.stdout).not.to.include('SERVICE_ONE_SECURE_KEY')
  })
})
