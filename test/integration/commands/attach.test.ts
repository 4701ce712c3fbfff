/* eslint-disable camelcase -- the --json documents are snake_case */
import {expect} from 'chai'

import {type Sandbox, startSandbox} from '../../../sandbox/index.js'
import Attach from '../../../src/commands/securekey/attach.js'
import {fingerprint} from '../../../src/runtime/key.js'
import {expectNoKeyValue} from '../../helpers/output.js'
import {runCommand} from '../../helpers/run-command.js'
import {
  keysIn, mutating, provisioned, sandboxApi,
} from '../../helpers/sandbox-setup.js'
import {withoutTerminal} from '../../helpers/terminal.js'

const APPS = ['service-1', 'service-2', 'service-3', 'service-4']

const attachedAs = (sandbox: Sandbox, name: string) => sandbox.control.attachments().filter(attachment => attachment.name === name).map(attachment => attachment.app?.name).sort()

describe('securekey:attach against the sandbox', () => {
  let sandbox: Sandbox
  let env: Record<string, string | undefined>

  withoutTerminal()

  beforeEach(async () => {
    sandbox = await startSandbox({apps: APPS, forbiddenApps: ['locked-app']})
    env = sandbox.env
  })

  afterEach(async () => {
    await sandbox.close()
  })

  it('gives each peer the owner\'s key as SERVICE_1_SECURE_KEY and confirms it by fingerprint', async () => {
    await provisioned(sandbox)
    sandbox.control.clearRequests()

    const result = await runCommand(Attach, ['--from', 'service-1', '-a', 'service-2', '-a', 'service-3'], env)

    expect(result.exitCode, result.stderr).to.equal(0)
    const owner = sandbox.control.configVars('service-1').SECURE_KEY
    for (const peer of ['service-2', 'service-3']) {
      expect(sandbox.control.configVars(peer).SERVICE_1_SECURE_KEY, peer).to.equal(owner)
      expect(result.stdout).to.include(`${peer}  attached as SERVICE_1_SECURE; SERVICE_1_SECURE_KEY on ${peer} matches service-1 (${fingerprint(owner.split(',')[0])})`)
    }

    expect(result.stdout).to.include('each gets SERVICE_1_SECURE_KEY')
    expect(mutating(sandbox)).to.deep.equal(['POST /addon-attachments 201', 'POST /addon-attachments 201'])
    expectNoKeyValue(result, keysIn(sandbox, APPS))
  })

  it('on a re-run says "already attached" and sends no mutating request', async () => {
    await provisioned(sandbox)
    await runCommand(Attach, ['--from', 'service-1', '-a', 'service-2'], env)
    sandbox.control.clearRequests()

    const again = await runCommand(Attach, ['--from', 'service-1', '-a', 'service-2', '--json'], env)

    expect(again.exitCode, again.stderr).to.equal(0)
    expect(sandbox.control.requests().every(request => request.method === 'GET')).to.equal(true)
    expect(JSON.parse(again.stdout).peers).to.deep.equal([{
      app: 'service-2',
      config_var: 'SERVICE_1_SECURE_KEY',
      confirmed_by: null,
      fingerprint: {latest: fingerprint(sandbox.control.configVars('service-1').SECURE_KEY.split(',')[0])},
      matches: true,
      message: null,
      status: 'already_attached',
    }])
    expect(attachedAs(sandbox, 'SERVICE_1_SECURE')).to.deep.equal(['service-2'])
  })

  it('attaches a named add-on under --as, leaving a peer\'s own securekey (SECURE_KEY) untouched', async () => {
    const addon = await provisioned(sandbox)
    await provisioned(sandbox, 'service-2')
    const own = sandbox.control.configVars('service-2').SECURE_KEY

    const result = await runCommand(Attach, [addon.name, '--as', 'SERVICE_ONE_SECURE', '-a', 'service-2'], env)

    expect(result.exitCode, result.stderr).to.equal(0)
    expect(sandbox.control.configVars('service-2').SECURE_KEY).to.equal(own)
    expect(sandbox.control.configVars('service-2').SERVICE_ONE_SECURE_KEY).to.equal(sandbox.control.configVars('service-1').SECURE_KEY)
    expect(result.stdout).to.include('SERVICE_ONE_SECURE_KEY on service-2 matches service-1')
  })

  it('reports every peer when one fails, attaches the others, exits non-zero; a re-run completes', async () => {
    await provisioned(sandbox)
    sandbox.control.injectFault({method: 'POST', path: '/addon-attachments', status: 503})
    sandbox.control.clearRequests()

    // A peer the account cannot read is refused before any write (bad-input.test.ts); here one attach fails.
    const first = await runCommand(Attach, ['--from', 'service-1', '-a', 'service-2', '-a', 'service-3'], env)

    expect(first.exitCode).to.equal(1)
    expect(first.stdout).to.match(/failed: Service unavailable\. Please try again later\. \(unavailable, HTTP 503\)/)
    expect(first.stderr).to.include('1 of 2 apps could not be attached')
    expect(attachedAs(sandbox, 'SERVICE_1_SECURE')).to.have.length(1)

    sandbox.control.clearRequests()
    const rerun = await runCommand(Attach, ['--from', 'service-1', '-a', 'service-2', '-a', 'service-3'], env)

    expect(rerun.exitCode, rerun.stderr).to.equal(0)
    expect(mutating(sandbox)).to.deep.equal(['POST /addon-attachments 201'])
    expect(rerun.stdout).to.match(/already attached as SERVICE_1_SECURE/)
    expect(attachedAs(sandbox, 'SERVICE_1_SECURE')).to.deep.equal(['service-2', 'service-3'])
    expectNoKeyValue(first, keysIn(sandbox, APPS))
    expectNoKeyValue(rerun, keysIn(sandbox, APPS))
  })

  it('stops on a name taken on a peer without a terminal, leaving that peer unchanged; --confirm PEER replaces it', async () => {
    await provisioned(sandbox)
    sandbox.control.setConfigVar('service-2', 'SERVICE_1_SECURE_KEY', 'set-by-hand')
    sandbox.control.clearRequests()

    const refused = await runCommand(Attach, ['--from', 'service-1', '-a', 'service-2', '-a', 'service-3'], env)

    expect(refused.exitCode).to.equal(1)
    expect(refused.stdout).to.include('service-2  not attached: SERVICE_1_SECURE is already taken on service-2')
    expect(refused.stdout).to.include('--confirm service-2')
    expect(sandbox.control.configVars('service-2').SERVICE_1_SECURE_KEY).to.equal('set-by-hand')
    expect(attachedAs(sandbox, 'SERVICE_1_SECURE')).to.deep.equal(['service-3'])
    expect(mutating(sandbox).sort()).to.deep.equal(['POST /addon-attachments 201', 'POST /addon-attachments 423'])

    sandbox.control.clearRequests()
    const confirmed = await runCommand(Attach, ['--from', 'service-1', '-a', 'service-2', '-a', 'service-3', '--confirm', 'service-2'], env)

    expect(confirmed.exitCode, confirmed.stderr).to.equal(0)
    expect(mutating(sandbox)).to.deep.equal(['POST /addon-attachments 423', 'POST /addon-attachments 201'])
    expect(sandbox.control.configVars('service-2').SERVICE_1_SECURE_KEY).to.equal(sandbox.control.configVars('service-1').SECURE_KEY)
    expect(confirmed.stdout).to.include('confirmed by --confirm')
    expect(`${refused.stdout}${refused.stderr}${confirmed.stdout}${confirmed.stderr}`).not.to.include('set-by-hand')
  })

  it('refuses an add-on of another service, naming it, and attaches nothing', async () => {
    await provisioned(sandbox)
    const postgres = await provisioned(sandbox, 'service-1', 'heroku-postgresql:essential-0')
    sandbox.control.clearRequests()

    const result = await runCommand(Attach, [postgres.name, '-a', 'service-2'], env)

    expect(result.exitCode).to.equal(1)
    expect(result.stderr).to.include(`${postgres.name} is a heroku-postgresql add-on; securekey:attach shares securekey add-ons only`)
    expect(mutating(sandbox)).to.deep.equal([])
  })

  it('lists the add-ons when --from owns several', async () => {
    const first = await provisioned(sandbox)
    const second = await sandboxApi<{name: string}>(sandbox, 'POST', '/apps/service-1/addons', {attachment: {name: 'PARTNER'}, plan: {name: 'securekey:fortnightly'}})
    sandbox.control.clearRequests()

    const result = await runCommand(Attach, ['--from', 'service-1', '-a', 'service-2'], env)

    expect(result.exitCode).to.equal(1)
    expect(result.stderr).to.include('service-1 owns 2 shared keys: ')
    expect(result.stderr).to.include(first.name).and.include(second.name)
    expect(mutating(sandbox)).to.deep.equal([])
  })

  it('with --dry-run prints each peer\'s plan and sends no mutating request', async () => {
    await provisioned(sandbox)
    await runCommand(Attach, ['--from', 'service-1', '-a', 'service-4'], env)
    sandbox.control.setConfigVar('service-3', 'SERVICE_1_SECURE_KEY', 'set-by-hand')
    sandbox.control.clearRequests()

    const result = await runCommand(Attach, ['--from', 'service-1', '-a', 'service-2', '-a', 'service-3', '-a', 'service-4', '--dry-run'], env)

    expect(result.exitCode, result.stderr).to.equal(0)
    expect(mutating(sandbox)).to.deep.equal([])
    expect(result.stdout).to.include('service-2  would attach: sets SERVICE_1_SECURE_KEY and restarts service-2\'s dynos')
    expect(result.stdout).to.include('service-3  needs confirmation: SERVICE_1_SECURE is taken on service-3 by the config var SERVICE_1_SECURE_KEY')
    expect(result.stdout).to.include('service-4  already attached as SERVICE_1_SECURE: nothing to do')
    expect(sandbox.control.configVars('service-2')).to.not.have.property('SERVICE_1_SECURE_KEY')
  })

  it('refuses bad names before any request', async () => {
    const peer = await runCommand(Attach, ['--from', 'service-1', '-a', 'service_2'], env)
    const as = await runCommand(Attach, ['--from', 'service-1', '-a', 'service-2', '--as', 'SECURE-ONE'], env)

    expect(peer.exitCode).to.equal(1)
    expect(peer.stderr).to.include('"service_2" (--app) is not a valid app name')
    expect(as.exitCode).to.equal(1)
    expect(as.stderr).to.include('Did you mean SECURE_ONE?')
    expect(sandbox.control.requests()).to.deep.equal([])
  })
})
