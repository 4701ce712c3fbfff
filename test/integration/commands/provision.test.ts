/* eslint-disable camelcase -- the --json documents are snake_case */
import {expect} from 'chai'

import {type Sandbox, startSandbox} from '../../../sandbox/index.js'
import Provision from '../../../src/commands/securekey/provision.js'
import {fingerprint} from '../../../src/runtime/key.js'
import {expectNoKeyValue} from '../../helpers/output.js'
import {runCommand} from '../../helpers/run-command.js'
import {keysIn, mutating, sandboxEnv} from '../../helpers/sandbox-setup.js'
import {withoutTerminal} from '../../helpers/terminal.js'

const APPS = ['service-1', 'service-2', 'service-3']

const securekeyAddons = (sandbox: Sandbox) => sandbox.control.addons().filter(addon => addon.addon_service?.name === 'securekey')

describe('securekey:provision against the sandbox', () => {
  let sandbox: Sandbox
  let env: Record<string, string | undefined>

  withoutTerminal()

  afterEach(async () => {
    await sandbox?.close()
  })

  describe('with synchronous provisioning', () => {
    beforeEach(async () => {
      sandbox = await startSandbox()
      env = sandboxEnv(sandbox, 20)
    })

    it('creates one add-on owned by the app, sets SECURE_KEY there and prints LATEST\'s fingerprint', async () => {
      const result = await runCommand(Provision, ['-a', 'service-1'], env)

      expect(result.exitCode, result.stderr).to.equal(0)
      const [addon] = securekeyAddons(sandbox)
      expect(securekeyAddons(sandbox)).to.have.length(1)
      expect(addon.app?.name).to.equal('service-1')
      const [latest] = sandbox.control.configVars('service-1').SECURE_KEY.split(',')
      expect(result.stdout).to.include(`Created ${addon.name} on service-1.`)
      expect(result.stdout).to.match(/Config var:\s+SECURE_KEY \(attachment SECURE\)/)
      expect(result.stdout).to.include(`Fingerprint: ${fingerprint(latest)} (LATEST)`)
      expect(mutating(sandbox)).to.deep.equal(['POST /apps/service-1/addons 201'])
      expectNoKeyValue(result, keysIn(sandbox, APPS))
    })

    it('on a re-run sends only GETs and shows the same add-on and fingerprint', async () => {
      const first = await runCommand(Provision, ['-a', 'service-1', '--json'], env)
      sandbox.control.clearRequests()

      const again = await runCommand(Provision, ['-a', 'service-1', '--json'], env)

      expect(again.exitCode, again.stderr).to.equal(0)
      expect(sandbox.control.requests().filter(request => request.method !== 'GET')).to.deep.equal([])
      const [before, after] = [JSON.parse(first.stdout), JSON.parse(again.stdout)]
      expect(after).to.deep.equal({...before, created: false})
      expect(securekeyAddons(sandbox)).to.have.length(1)
      expectNoKeyValue(again, keysIn(sandbox, APPS))
    })

    it('with --as gives the owner NAME_KEY, as the API reports it', async () => {
      const result = await runCommand(Provision, ['-a', 'service-1', '--as', 'SERVICE_ONE_SECURE', '--json'], env)

      expect(result.exitCode, result.stderr).to.equal(0)
      const document = JSON.parse(result.stdout)
      expect(document.attachment).to.deep.equal({config_var: 'SERVICE_ONE_SECURE_KEY', name: 'SERVICE_ONE_SECURE'})
      const [latest] = sandbox.control.configVars('service-1').SERVICE_ONE_SECURE_KEY.split(',')
      expect(document.fingerprint.latest).to.equal(fingerprint(latest))
    })

    it('stops without a terminal when SECURE_KEY is already set by hand, changing nothing; --confirm replaces it', async () => {
      sandbox.control.setConfigVar('service-1', 'SECURE_KEY', 'hand-set-value')
      sandbox.control.clearRequests()

      const refused = await runCommand(Provision, ['-a', 'service-1'], env)

      expect(refused.exitCode).to.equal(1)
      expect(refused.stderr).to.include('The attachment name SECURE is already taken on service-1')
      expect(refused.stderr).to.include('--confirm service-1')
      expect(mutating(sandbox)).to.deep.equal(['POST /apps/service-1/addons 423'])
      expect(securekeyAddons(sandbox)).to.deep.equal([])
      expect(sandbox.control.configVars('service-1').SECURE_KEY).to.equal('hand-set-value')
      expect(refused.stdout + refused.stderr).not.to.include('hand-set-value')

      sandbox.control.clearRequests()
      const confirmed = await runCommand(Provision, ['-a', 'service-1', '--confirm', 'service-1'], env)

      expect(confirmed.exitCode, confirmed.stderr).to.equal(0)
      expect(mutating(sandbox)).to.deep.equal(['POST /apps/service-1/addons 423', 'POST /apps/service-1/addons 201'])
      expect(sandbox.control.requests().filter(request => request.method === 'POST').map(request => (request.body as {confirm?: string}).confirm)).to.deep.equal([undefined, 'service-1'])
      expect(sandbox.control.configVars('service-1').SECURE_KEY).to.not.equal('hand-set-value')
      expect(confirmed.stdout).to.include('has been replaced (confirmed by --confirm)')
      expectNoKeyValue(confirmed, keysIn(sandbox, APPS))
    })

    it('says "securekey:<plan> is not available" for an unknown plan, and creates nothing', async () => {
      const result = await runCommand(Provision, ['-a', 'service-1', '--plan', 'weekly'], env)

      expect(result.exitCode).to.equal(1)
      expect(result.stderr).to.include('securekey:weekly is not available: the securekey service offers securekey:fortnightly.')
      expect(mutating(sandbox)).to.deep.equal([])
    })

    it('says "securekey:fortnightly is not available" when the service is missing', async () => {
      sandbox.control.injectFault({
        body: {id: 'not_found', message: 'Couldn\'t find that add on service.'}, method: 'GET', path: '/addon-services/securekey/plans', status: 404,
      })

      const result = await runCommand(Provision, ['-a', 'service-1'], env)

      expect(result.exitCode).to.equal(1)
      expect(result.stderr).to.include('securekey:fortnightly is not available: Couldn\'t find that add on service.')
      expect(mutating(sandbox)).to.deep.equal([])
    })

    it('refuses a bad app or attachment name before any request', async () => {
      const app = await runCommand(Provision, ['-a', 'Service_1'], env)
      const name = await runCommand(Provision, ['-a', 'service-1', '--as', 'service-one'], env)

      expect(app.exitCode).to.equal(1)
      expect(app.stderr).to.include('"Service_1" (--app) is not a valid app name')
      expect(name.exitCode).to.equal(1)
      expect(name.stderr).to.include('Did you mean SERVICE_ONE?')
      expect(sandbox.control.requests()).to.deep.equal([])
    })

    it('names an app that does not exist', async () => {
      const result = await runCommand(Provision, ['-a', 'service-9'], env)

      expect(result.exitCode).to.equal(1)
      expect(result.stderr).to.include('Couldn\'t find the app service-9')
      expect(mutating(sandbox)).to.deep.equal([])
    })

    it('with --dry-run sends no mutating request and creates nothing', async () => {
      const result = await runCommand(Provision, ['-a', 'service-1', '--dry-run'], env)

      expect(result.exitCode, result.stderr).to.equal(0)
      expect(result.stdout).to.include('Dry run: would create a securekey:fortnightly add-on on service-1, attached as SECURE')
      expect(mutating(sandbox)).to.deep.equal([])
      expect(securekeyAddons(sandbox)).to.deep.equal([])
    })

    it('with --another --as creates a second add-on that leaves the first one\'s key in place', async () => {
      await runCommand(Provision, ['-a', 'service-1'], env)
      const first = sandbox.control.configVars('service-1').SECURE_KEY

      const refused = await runCommand(Provision, ['-a', 'service-1', '--another'], env)
      const second = await runCommand(Provision, ['-a', 'service-1', '--another', '--as', 'PARTNER_SECURE'], env)

      expect(refused.exitCode).to.equal(1)
      expect(second.exitCode, second.stderr).to.equal(0)
      expect(securekeyAddons(sandbox)).to.have.length(2)
      expect(sandbox.control.configVars('service-1').SECURE_KEY).to.equal(first)
      expect(sandbox.control.configVars('service-1').PARTNER_SECURE_KEY).to.be.a('string')
      expect(second.stdout).to.match(/Config var:\s+PARTNER_SECURE_KEY/)
    })
  })

  describe('with asynchronous provisioning', () => {
    beforeEach(async () => {
      sandbox = await startSandbox({asyncProvisioning: {provisionMs: 150}})
      env = sandboxEnv(sandbox, 20)
    })

    it('without --wait says the add-on is provisioning and how to wait; a re-run with --wait finishes without creating another', async () => {
      const first = await runCommand(Provision, ['-a', 'service-1'], env)

      expect(first.exitCode, first.stderr).to.equal(0)
      expect(first.stdout).to.include('it is still provisioning')
      expect(first.stdout).to.include('heroku securekey:provision -a service-1 --wait')
      sandbox.control.clearRequests()

      const second = await runCommand(Provision, ['-a', 'service-1', '--wait', '--json'], env)

      expect(second.exitCode, second.stderr).to.equal(0)
      expect(mutating(sandbox)).to.deep.equal([])
      const [latest] = sandbox.control.configVars('service-1').SECURE_KEY.split(',')
      expect(JSON.parse(second.stdout)).to.deep.include({created: false, fingerprint: {latest: fingerprint(latest)}})
      expect(securekeyAddons(sandbox)).to.have.length(1)
    })

    it('with --wait polls until provisioned, then prints the fingerprint', async () => {
      const result = await runCommand(Provision, ['-a', 'service-1', '--wait', '--json'], env)

      expect(result.exitCode, result.stderr).to.equal(0)
      const document = JSON.parse(result.stdout)
      expect(document.key.addon.state).to.equal('provisioned')
      expect(document.fingerprint.latest).to.equal(fingerprint(sandbox.control.configVars('service-1').SECURE_KEY.split(',')[0]))
      const polls = sandbox.control.requests().filter(request => request.method === 'GET' && request.path === `/addons/${document.key.addon.id}`)
      expect(polls.length).to.be.greaterThan(0)
      expectNoKeyValue(result, keysIn(sandbox, APPS))
    })
  })
})
