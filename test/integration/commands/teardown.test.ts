import {expect} from 'chai'

import {type Sandbox, startSandbox} from '../../../sandbox/index.js'
import Teardown from '../../../src/commands/securekey/teardown.js'
import {expectNoKeyValue} from '../../helpers/output.js'
import {runCommand} from '../../helpers/run-command.js'
import {
  attachTo, provisioned, provisionWithPeers, sandboxEnv,
} from '../../helpers/sandbox-setup.js'
import {withoutTerminal} from '../../helpers/terminal.js'

const PEERS = ['service-2', 'service-3', 'service-4']

const keyVars = (sandbox: Sandbox, app: string) => Object.keys(sandbox.control.configVars(app)).filter(name => name.endsWith('_KEY'))
const attachedApps = (sandbox: Sandbox) => sandbox.control.attachments().map(attachment => attachment.app?.name).sort()
/** Every request but the GETs, without its status (unlike sandbox-setup's mutating(), it keeps the resolve actions). */
const mutating = (sandbox: Sandbox) => sandbox.control.requests().filter(request => request.method !== 'GET').map(request => `${request.method} ${request.path}`)

describe('securekey:teardown', () => {
  describe('with three peers', () => {
    let sandbox: Sandbox
    let env: Record<string, string | undefined>

    withoutTerminal()

    beforeEach(async () => {
      sandbox = await startSandbox({apps: 5})
      env = sandboxEnv(sandbox)
    })

    afterEach(async () => {
      await sandbox.close()
    })

    it('detaches three peers, then destroys on the owner: no attachment and no *_KEY var left anywhere', async () => {
      const {addon, keys} = await provisionWithPeers(sandbox, PEERS)

      const result = await runCommand(Teardown, ['-a', 'service-1', '--confirm', 'service-1'], env)

      expect(result.exitCode, result.stderr).to.equal(0)
      expect(sandbox.control.attachments()).to.deep.equal([])
      expect(sandbox.control.addons()).to.deep.equal([])
      for (const app of ['service-1', ...PEERS]) expect(keyVars(sandbox, app), app).to.deep.equal([])
      const writes = sandbox.control.requests().filter(request => request.method !== 'GET')
      const detaches = writes.slice(0, 3).map(request => request.method + request.path.replace(/[\da-f-]{36}/, ':id'))
      expect(detaches).to.deep.equal(Array.from({length: 3}, () => 'DELETE/addon-attachments/:id'))
      expect(writes.slice(3).map(request => [request.method, request.path, request.body])).to.deep.equal([['DELETE', `/apps/service-1/addons/${addon.id}`, {force: false}]])
      for (const peer of PEERS) expect(result.stdout).to.include(`Detached SERVICE_1_SECURE from ${peer}: SERVICE_1_SECURE_KEY removed`)
      expect(result.stdout).to.include(`Destroyed ${addon.name} on service-1: teardown complete.`)
      expectNoKeyValue(result, keys)

      const again = await runCommand(Teardown, ['-a', 'service-1', '--confirm', 'service-1'], env)
      expect(again.exitCode, again.stderr).to.equal(0)
      expect(again.stdout).to.equal('service-1 owns no shared key (no securekey add-on, no self-managed key): nothing to tear down.\n')
    })

    it('leaves the add-on and the failed attachment in place when a peer fails to detach, and a re-run completes', async () => {
      const {addon, keys} = await provisionWithPeers(sandbox, PEERS)
      const failing = sandbox.control.attachments().find(attachment => attachment.app?.name === 'service-3')!
      sandbox.control.injectFault({method: 'DELETE', path: `/addon-attachments/${failing.id}`, status: 503})

      const first = await runCommand(Teardown, ['-a', 'service-1', '--confirm', 'service-1'], env)

      expect(first.exitCode).to.equal(1)
      expect(first.stderr).to.include(`Teardown stopped: ${addon.name} is still attached to service-3 (SERVICE_1_SECURE: Service unavailable. Please try again later.) and was not destroyed.`)
      expect(first.stderr).to.include(`Run the same command again to finish: heroku securekey:teardown ${addon.name} -a service-1 --confirm service-1`)
      expect(first.stdout).to.include('Could not detach SERVICE_1_SECURE from service-3: Service unavailable. Please try again later. (unavailable, HTTP 503)')
      expect(sandbox.control.addons().map(found => found.name)).to.deep.equal([addon.name])
      expect(attachedApps(sandbox)).to.deep.equal(['service-1', 'service-3'])
      expect(keyVars(sandbox, 'service-3')).to.deep.equal(['SERVICE_1_SECURE_KEY'])
      expect(keyVars(sandbox, 'service-2')).to.deep.equal([])
      expect(keyVars(sandbox, 'service-4')).to.deep.equal([])
      expect(mutating(sandbox)).not.to.include(`DELETE /apps/service-1/addons/${addon.id}`)

      sandbox.control.clearRequests()
      const rerun = await runCommand(Teardown, ['-a', 'service-1', '--confirm', 'service-1'], env)

      expect(rerun.exitCode, rerun.stderr).to.equal(0)
      expect(rerun.stdout).to.include('Detached SERVICE_1_SECURE from service-3')
      expect(mutating(sandbox)).to.deep.equal([`DELETE /addon-attachments/${failing.id}`, `DELETE /apps/service-1/addons/${addon.id}`])
      expect(sandbox.control.attachments()).to.deep.equal([])
      expect(sandbox.control.addons()).to.deep.equal([])
      expectNoKeyValue(first, keys)
      expectNoKeyValue(rerun, keys)
    })

    it('refuses --holder on an add-on key, whose holders are its attachments, pointing to addons:detach, sending no mutating request', async () => {
      const {addon, keys} = await provisionWithPeers(sandbox, PEERS)
      const result = await runCommand(Teardown, [addon.name, '-a', 'service-1', '--holder', 'service-2', '--confirm', 'service-2'], env)
      expect(result.exitCode).to.equal(1)
      expect(result.stderr).to.include('--holder drops a holder from a self-managed key\'s record').and.include('heroku addons:detach <attachment> -a service-2')
      expect(mutating(sandbox)).to.deep.equal([])
      expect(sandbox.control.attachments().filter(attachment => attachment.app?.name === 'service-2')).to.have.length(1)
      expectNoKeyValue(result, keys)
    })

    it('refuses an add-on of another service, sending no mutating request', async () => {
      const {keys} = await provisionWithPeers(sandbox, PEERS)
      const postgres = await provisioned(sandbox, 'service-1', 'heroku-postgresql:essential-0')
      sandbox.control.clearRequests()

      const result = await runCommand(Teardown, [postgres.name, '-a', 'service-1', '--confirm', 'service-1'], env)

      expect(result.exitCode).to.equal(1)
      expect(result.stderr).to.include(`${postgres.name} is a heroku-postgresql add-on; securekey:teardown only removes securekey add-ons.`)
      expect(mutating(sandbox)).to.deep.equal([])
      expect(sandbox.control.addons()).to.have.length(2)
      expectNoKeyValue(result, keys)
    })

    it('refuses a peer given as -a, naming the owner and how to detach just that peer, sending no mutating request', async () => {
      const {addon, keys} = await provisionWithPeers(sandbox, PEERS)

      const named = await runCommand(Teardown, [addon.name, '-a', 'service-2', '--confirm', 'service-2'], env)
      const bare = await runCommand(Teardown, ['-a', 'service-2', '--confirm', 'service-2'], env)

      for (const result of [named, bare]) {
        expect(result.exitCode).to.equal(1)
        expect(result.stderr).to.include(`${addon.name} belongs to service-1, not service-2. To remove it from service-2 only: heroku addons:detach SERVICE_1_SECURE -a service-2.`)
        expect(result.stderr).to.include(`To tear it down everywhere: heroku securekey:teardown ${addon.name} -a service-1.`)
        expectNoKeyValue(result, keys)
      }

      expect(mutating(sandbox)).to.deep.equal([])
      expect(sandbox.control.attachments()).to.have.length(4)
    })

    it('prints the plan with --dry-run, sending only GET requests', async () => {
      const {addon, keys} = await provisionWithPeers(sandbox, PEERS)

      const result = await runCommand(Teardown, [addon.name, '-a', 'service-1', '--dry-run'], env)

      expect(result.exitCode, result.stderr).to.equal(0)
      expect(result.stdout).to.include(`Teardown of ${addon.name} (securekey:fortnightly), owned by service-1:`)
      expect(result.stdout).to.include('  3. Detach SERVICE_1_SECURE from service-4: removes SERVICE_1_SECURE_KEY and restarts service-4')
      expect(result.stdout).to.include(`  4. Destroy ${addon.name} on service-1: removes SECURE_KEY and restarts service-1`)
      expect(sandbox.control.requests().map(request => request.method)).to.deep.equal(['GET', 'GET'])
      expect(sandbox.control.attachments()).to.have.length(4)
      expectNoKeyValue(result, keys)
    })

    it('aborts on a wrong --confirm with nothing changed', async () => {
      const {keys} = await provisionWithPeers(sandbox, PEERS)

      const result = await runCommand(Teardown, ['-a', 'service-1', '--confirm', 'service-2'], env)

      expect(result.exitCode).to.equal(1)
      expect(result.stderr).to.include('--confirm service-2 does not match service-1')
      expect(mutating(sandbox)).to.deep.equal([])
      expect(sandbox.control.attachments()).to.have.length(4)
      expectNoKeyValue(result, keys)
    })

    it('detaches a peer attached between the plan and the destroy, leaving no orphan', async () => {
      const {addon, keys} = await provisionWithPeers(sandbox, PEERS)
      sandbox.control.setLatency(500, {method: 'DELETE', path: /^\/addon-attachments\//})
      const planListing = `/addons/${addon.id}/addon-attachments`

      const running = runCommand(Teardown, ['-a', 'service-1', '--confirm', 'service-1', '--json'], env)
      while (!sandbox.control.requests().some(request => request.path === planListing)) {
      // eslint-disable-next-line no-await-in-loop
        await new Promise(resolve => {
          setTimeout(resolve, 5)
        })
      }

      await attachTo(sandbox, addon.name, 'service-5')
      const result = await running

      expect(result.exitCode, result.stderr).to.equal(0)
      const document = JSON.parse(result.stdout)
      expect(document.complete).to.equal(true)
      expect(document.plan.peers.map((peer: {app: string}) => peer.app)).to.deep.equal(PEERS)
      expect(document.results.detached.map((detach: {app: string, late: boolean}) => `${detach.app}${detach.late ? ' (late)' : ''}`)).to.deep.equal([...PEERS, 'service-5 (late)'])
      expect(sandbox.control.attachments()).to.deep.equal([])
      expect(sandbox.control.addons()).to.deep.equal([])
      expect(keyVars(sandbox, 'service-5')).to.deep.equal([])
      expectNoKeyValue(result, keys)
    })

    it('reports a destroy the API refuses and exits 1; a re-run completes', async () => {
      const {addon, keys} = await provisionWithPeers(sandbox, PEERS)
      sandbox.control.injectFault({
        body: {id: 'invalid_params', message: `Cannot destroy add-on ${addon.name}: it is attached to other apps (service-5).`},
        method: 'DELETE', path: `/apps/service-1/addons/${addon.id}`, status: 422,
      })

      const first = await runCommand(Teardown, ['-a', 'service-1', '--confirm', 'service-1'], env)
      const rerun = await runCommand(Teardown, ['-a', 'service-1', '--confirm', 'service-1'], env)

      expect(first.exitCode).to.equal(1)
      const refusal = `Cannot destroy add-on ${addon.name}: it is attached to other apps (service-5). (invalid_params, HTTP 422)`
      expect(first.stderr).to.include(`Teardown stopped: destroying ${addon.name} on service-1 failed: ${refusal}`)
      expect(rerun.exitCode, rerun.stderr).to.equal(0)
      expect(sandbox.control.addons()).to.deep.equal([])
      expectNoKeyValue(first, keys)
      expectNoKeyValue(rerun, keys)
    })
  })

  describe('--wait', () => {
    it('polls after a 202 until the add-on is gone', async () => {
      const sandbox = await startSandbox({apps: 2, asyncProvisioning: {deprovisionMs: 300, provisionMs: 0}})
      try {
        const addon = await provisioned(sandbox)
        await new Promise(resolve => {
          setTimeout(resolve, 20)
        })
        await attachTo(sandbox, addon.name, 'service-2')
        const keys = sandbox.control.configVars('service-1').SECURE_KEY.split(',')
        sandbox.control.clearRequests()

        const result = await runCommand(Teardown, ['-a', 'service-1', '--confirm', 'service-1', '--wait', '--json'], sandboxEnv(sandbox))

        expect(result.exitCode, result.stderr).to.equal(0)
        expect(JSON.parse(result.stdout).results.destroyed).to.deep.equal({state: 'deprovisioned'})
        const destroy = sandbox.control.requests().find(request => request.method === 'DELETE' && request.path.startsWith('/apps/'))
        expect(destroy?.status).to.equal(202)
        const polls = sandbox.control.requests().filter(request => request.path === `/addons/${addon.id}`)
        expect(polls.at(-1)?.status).to.equal(404)
        expect(sandbox.control.addons()).to.deep.equal([])
        expect(sandbox.control.attachments()).to.deep.equal([])
        expectNoKeyValue(result, keys)
      } finally {
        await sandbox.close()
      }
    })
  })
})
