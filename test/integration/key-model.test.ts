/* eslint-disable camelcase -- the --json documents' snake_case fields */
/**
 * One model of a shared key (issue "one model of a shared key"): the three failures users met when a self-managed key
 * was an add-on in disguise, and every command on an app that holds both kinds.
 */
import {expect} from 'chai'

import {type Sandbox, startSandbox} from '../../sandbox/index.js'
import Attach from '../../src/commands/securekey/attach.js'
import Provision from '../../src/commands/securekey/provision.js'
import Rotate from '../../src/commands/securekey/rotate.js'
import Status from '../../src/commands/securekey/status.js'
import Teardown from '../../src/commands/securekey/teardown.js'
import {unwrapped} from '../helpers/output.js'
import {runCommand} from '../helpers/run-command.js'
import {mutating, provisionWithPeers, sandboxEnv} from '../helpers/sandbox-setup.js'

describe('one model of a shared key', function () {
  this.timeout(60_000)
  let sandbox: Sandbox
  let env: Record<string, string | undefined>

  afterEach(async () => {
    await sandbox.close()
  })

  describe('a self-managed SECURE_KEY on service-1 shared with service-2: provision never cuts the peer off unannounced', () => {
    beforeEach(async () => {
      sandbox = await startSandbox({apps: 3, seed: 'model-guard'})
      env = sandboxEnv(sandbox)
      expect((await runCommand(Provision, ['-a', 'service-1', '--self-managed'], env)).exitCode).to.equal(0)
      expect((await runCommand(Attach, ['--from', 'service-1', '-a', 'service-2'], env)).exitCode).to.equal(0)
      sandbox.control.clearRequests()
    })

    it('the first refusal, the dry run and --confirm of the owner alone all name service-2 and change nothing', async () => {
      for (const argv of [[], ['--dry-run'], ['--confirm', 'service-1']]) {
        // eslint-disable-next-line no-await-in-loop
        const result = await runCommand(Provision, ['-a', 'service-1', ...argv], env)
        const message = unwrapped(result.stderr)
        expect(result.exitCode, argv.join(' ')).to.equal(1)
        expect(message, argv.join(' ')).to.include('SECURE_KEY on service-1 is a self-managed key that service-2 also holds')
        expect(message, argv.join(' ')).to.include('heroku securekey:provision -a service-1 --confirm service-1 --confirm service-2')
        expect(message, argv.join(' ')).to.not.include('re-run with --confirm service-1.')
      }

      const stranger = await runCommand(Provision, ['-a', 'service-1', '--confirm', 'service-3'], env)
      expect(stranger.exitCode).to.equal(1)
      expect(unwrapped(stranger.stderr)).to.include('--confirm service-3 does not match')
      expect(mutating(sandbox)).to.deep.equal([])
    })

    it('the suggested command works, and status then reports the peer that was cut off instead of forgetting it', async () => {
      const replaced = await runCommand(Provision, ['-a', 'service-1', '--confirm', 'service-1', '--confirm', 'service-2'], env)
      expect(replaced.exitCode, replaced.stderr).to.equal(0)
      const status = await runCommand(Status, ['-a', 'service-1', '--check'], env)
      expect(status.exitCode).to.equal(1)
      expect(unwrapped(status.stdout)).to.include('diverged: service-2')
    })
  })

  describe('service-1 holds both kinds: an add-on (attached to service-2) and a self-managed NEW_SECURE_KEY', () => {
    beforeEach(async () => {
      sandbox = await startSandbox({apps: 3, seed: 'model-both'})
      env = sandboxEnv(sandbox)
      await provisionWithPeers(sandbox, ['service-2'])
      expect((await runCommand(Provision, ['-a', 'service-1', '--self-managed', '--as', 'NEW_SECURE'], env)).exitCode).to.equal(0)
    })

    it('status -a service-1 reports both keys; each is reached by its name', async () => {
      const both = await runCommand(Status, ['-a', 'service-1', '--json'], env)
      expect(both.exitCode, both.stderr).to.equal(0)
      const keys = JSON.parse(both.stdout).keys.map((entry: {key: {kind: string}}) => entry.key.kind)
      expect(keys.sort()).to.deep.equal(['addon', 'self-managed'])
      const byVar = await runCommand(Status, ['NEW_SECURE_KEY', '-a', 'service-1', '--json'], env)
      expect(byVar.exitCode, byVar.stderr).to.equal(0)
      expect(JSON.parse(byVar.stdout).keys.map((entry: {key: {name: string}}) => entry.key.name)).to.deep.equal(['NEW_SECURE_KEY'])
    })

    it('attach, rotate and teardown without a key list both and ask which, the same way; named, each takes either', async () => {
      for (const [command, argv] of [[Attach, ['--from', 'service-1', '-a', 'service-3']], [Rotate, ['-a', 'service-1']], [Teardown, ['-a', 'service-1']]] as const) {
        // eslint-disable-next-line no-await-in-loop
        const result = await runCommand(command, [...argv, '--dry-run'], env)
        expect(result.exitCode, command.id).to.equal(1)
        expect(unwrapped(result.stderr), command.id).to.match(/service-1 owns 2 shared keys: \S+ \(add-on\), NEW_SECURE_KEY \(self-managed\)\. Name the one to use/)
      }

      // rotate's example names the key it can rotate
      const rotate = await runCommand(Rotate, ['-a', 'service-1', '--dry-run'], env)
      expect(unwrapped(rotate.stderr)).to.include('e.g. heroku securekey:rotate NEW_SECURE_KEY -a service-1')

      const attached = await runCommand(Attach, ['NEW_SECURE_KEY', '--from', 'service-1', '-a', 'service-3', '--as', 'SERVICE_1_NEW'], env)
      expect(attached.exitCode, attached.stderr).to.equal(0)
      expect(sandbox.control.configVars('service-3')).to.have.property('SERVICE_1_NEW_KEY')
      const rotated = await runCommand(Rotate, ['NEW_SECURE_KEY', '-a', 'service-1', '--confirm', 'service-1'], env)
      expect(rotated.exitCode, rotated.stderr).to.equal(0)
      const plan = await runCommand(Teardown, ['NEW_SECURE_KEY', '-a', 'service-1', '--dry-run', '--json'], env)
      expect(plan.exitCode, plan.stderr).to.equal(0)
      expect(JSON.parse(plan.stdout).key.kind).to.equal('self-managed')
      const addon = sandbox.control.addons()[0].name!
      const addonPlan = await runCommand(Teardown, [addon, '-a', 'service-1', '--dry-run', '--json'], env)
      expect(addonPlan.exitCode, addonPlan.stderr).to.equal(0)
      expect(JSON.parse(addonPlan.stdout).key.kind).to.equal('addon')
    })
  })

  it('one --json shape for a self-managed key in every command\'s document', async () => {
    sandbox = await startSandbox({apps: 3, seed: 'model-json'})
    env = sandboxEnv(sandbox)
    const expected = {
      addon: null, config_var: 'SECURE_KEY', kind: 'self-managed', name: 'SECURE_KEY', owner: 'service-1',
    }
    const documents = [
      await runCommand(Provision, ['-a', 'service-1', '--self-managed', '--json'], env),
      await runCommand(Attach, ['--from', 'service-1', '-a', 'service-2', '--json'], env),
      await runCommand(Rotate, ['-a', 'service-1', '--confirm', 'service-1', '--json'], env),
      await runCommand(Teardown, ['-a', 'service-1', '--dry-run', '--json'], env),
    ].map(result => JSON.parse(result.stdout).key)
    const status = await runCommand(Status, ['-a', 'service-2', '--json'], env)
    documents.push(JSON.parse(status.stdout).keys[0].key)
    for (const key of documents) expect(key).to.deep.equal(expected)
  })
})
