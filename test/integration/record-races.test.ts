/**
 * Races on a self-managed key's record: two commands at once, each in a process of its own (bin/dev.js). A proxy in
 * front of the sandbox holds the first two writes to the owner's config until both have been sent (so both runs read
 * before either writes), then lets one through and the other 1.5 s later, after the first has checked its write: the
 * order in which a blind read-modify-write loses the first run's change. Each case asserts the state left in the
 * sandbox: every app holding the key var is in the owner's record with the owner's value, status --check agrees, and
 * every non-zero exit is explained on stderr naming an app.
 */
import {expect} from 'chai'

import {type Sandbox, startSandbox} from '../../sandbox/index.js'
import Attach from '../../src/commands/securekey/attach.js'
import Provision from '../../src/commands/securekey/provision.js'
import Rotate from '../../src/commands/securekey/rotate.js'
import Status from '../../src/commands/securekey/status.js'
import {pause} from '../../src/core/wait.js'
import {fingerprint} from '../../src/runtime/key.js'
import {
  type Barrier, type DevResult, runDev, staggerProxy,
} from '../helpers/dev-cli.js'
import {unwrapped} from '../helpers/output.js'
import {runCommand} from '../helpers/run-command.js'
import {sandboxApi, sandboxEnv} from '../helpers/sandbox-setup.js'
import {withoutTerminal} from '../helpers/terminal.js'

const OWNER_WRITE = {method: 'PATCH', path: '/apps/service-1/config-vars'}
const PEER_VAR = 'SERVICE_1_SECURE_KEY'

const both = (results: DevResult[]) => results.map(result => `exit ${result.exitCode}\n${result.stdout}${result.stderr}`).join('\n---\n')
const explained = (result: DevResult) => result.exitCode === 0 || /Error: .*service-\d/s.test(unwrapped(result.stderr))

describe('record races: two commands on one self-managed key at once, as two processes', function () {
  this.timeout(120_000)
  let sandbox: Sandbox
  let proxy: Barrier | undefined

  withoutTerminal()

  afterEach(async () => {
    await proxy?.close()
    proxy = undefined
    await sandbox?.close()
  })

  async function selfManaged(peers: string[]): Promise<void> {
    const env = sandboxEnv(sandbox)
    const provisioned = await runCommand(Provision, ['-a', 'service-1', '--self-managed'], env)
    expect(provisioned.exitCode, provisioned.stderr).to.equal(0)
    const attached = await runCommand(Attach, ['--from', 'service-1', ...peers.flatMap(app => ['-a', app])], env)
    expect(attached.exitCode, attached.stderr).to.equal(0)
  }

  /** Both runs at once through the stagger proxy; neither left the loopback, both writes were held, each exit explained. */
  async function race(runs: string[][], first?: (body: string) => boolean): Promise<DevResult[]> {
    proxy = await staggerProxy(sandbox.url, OWNER_WRITE, {delayMs: 1500, first})
    const env = {...sandboxEnv(sandbox), HEROKU_HOST: proxy.url}
    const results = await Promise.all(runs.map(argv => runDev(argv, env)))
    for (const result of results) expect(result.blocked, result.stderr).to.equal(undefined)
    expect(proxy.held(), `both runs wrote to the owner\n${both(results)}`).to.equal(2)
    expect(results.every(result => explained(result)), both(results)).to.equal(true)
    return results
  }

  const record = () => JSON.parse(sandbox.control.configVars('service-1').SECURE_KEY_RECORD) as {holders: Array<{app: string, var: string}>, rotation?: {phase: string}}

  /** No orphan: every app holding the peer var is listed, with the owner's value; status --check exits 0. */
  async function expectNoOrphan(apps: string[], context: string): Promise<void> {
    const owner = sandbox.control.configVars('service-1').SECURE_KEY
    const listed = record().holders.map(holder => holder.app)
    for (const app of apps) {
      const held = sandbox.control.configVars(app)[PEER_VAR]
      if (held === undefined) continue
      expect(listed, `${app} holds ${PEER_VAR} but the record lacks it\n${context}`).to.include(app)
      expect(held === owner, `${app} holds another value than the owner\n${context}`).to.equal(true)
    }

    for (const app of listed) expect(sandbox.control.configVars(app)[PEER_VAR], `${app} listed without the key\n${context}`).to.be.a('string')
    const status = await runCommand(Status, ['-a', 'service-1', '--check'], sandboxEnv(sandbox))
    expect(status.exitCode, `${status.stdout}${status.stderr}\n${context}`).to.equal(0)
  }

  it('two attaches --from service-1 for different peers: both peers end in the record', async () => {
    sandbox = await startSandbox({apps: 4, seed: 'record-races'})
    await selfManaged(['service-2'])
    const results = await race([['securekey:attach', '--from', 'service-1', '-a', 'service-3'], ['securekey:attach', '--from', 'service-1', '-a', 'service-4']])
    expect(results.map(result => result.exitCode), both(results)).to.deep.equal([0, 0])
    expect(record().holders.map(holder => holder.app).sort(), both(results)).to.deep.equal(['service-2', 'service-3', 'service-4'])
    await expectNoOrphan(['service-2', 'service-3', 'service-4'], both(results))
  })

  for (const {rotationFirst, slow} of [{rotationFirst: true, slow: true}, {rotationFirst: false, slow: true}, {rotationFirst: true, slow: false}]) {
    it(`attach while a rotation ${slow ? 'stages' : 'runs to its end'}, the ${rotationFirst ? 'rotation' : 'attach'} writing first: the attach refuses naming the rotation or joins; no orphan`, async () => {
      sandbox = await startSandbox({apps: 4, seed: `record-races-rotate-${rotationFirst}-${slow}`})
      await selfManaged(['service-2', 'service-3'])
      // Slow restarts: the rotation is still in its barrier when the attach's write lands. Instant ones: it has
      // completed, and the attach copied the key it replaced.
      if (slow) sandbox.control.setRestartDelay({maxMs: 2500, minMs: 1500, seed: 'attach-during-rotation'})
      const results = await race([
        ['securekey:rotate', '-a', 'service-1', '--confirm', 'service-1', '--timeout', '60s'],
        ['securekey:attach', '--from', 'service-1', '-a', 'service-4'],
      ], body => body.includes('"SECURE_KEY"') === rotationFirst)
      const [rotation, attach] = results
      const context = both(results)
      if (attach.exitCode === 0) {
        expect(record().holders.map(holder => holder.app), context).to.include('service-4')
      } else {
        expect(unwrapped(attach.stdout + attach.stderr), context).to.match(slow ? /rotation of service-1's SECURE_KEY is under way/ : /service-1's SECURE_KEY (changed \(a rotation or a new key\)|is under way)/)
        expect(sandbox.control.configVars('service-4'), context).to.not.have.property(PEER_VAR)
      }

      if (rotation.exitCode === 0) expect(rotation.stdout, context).to.include('Rotated')
      else expect(unwrapped(rotation.stderr), context).to.match(/service-1/)
      await expectNoOrphan(['service-2', 'service-3', 'service-4'], context)
      console.log(`      exits: rotate ${rotation.exitCode}, attach ${attach.exitCode}`)
    })
  }

  /** Every key value other than `before` that `apps` held in releases from `since` on (their versions by app). */
  function newKeys(apps: string[], since: Map<string, number>, before: string[]): Set<string> {
    return new Set(apps.flatMap(app => sandbox.control.releases(app).filter(release => release.version! > since.get(app)!).flatMap(release => {
      const config = sandbox.control.releaseConfigVars(app, release.version!)
      return (config.SECURE_KEY ?? config[PEER_VAR] ?? '').split(',').filter(value => value && !before.includes(value))
    })))
  }

  for (const slow of [true, false]) {
    it(`two rotations at once with ${slow ? 'slow' : 'instant'} restarts: one rotates, the other stops naming it; never two NEW keys`, async () => {
      sandbox = await startSandbox({apps: 3, seed: `record-races-two-rotations-${slow}`})
      await selfManaged(['service-2', 'service-3'])
      const apps = ['service-1', 'service-2', 'service-3']
      const before = sandbox.control.configVars('service-1').SECURE_KEY.split(',')
      const since = new Map(apps.map(app => [app, sandbox.control.releases(app).at(-1)!.version!]))
      if (slow) sandbox.control.setRestartDelay({maxMs: 2500, minMs: 1500, seed: 'two-rotations'})
      const argv = ['securekey:rotate', '-a', 'service-1', '--confirm', 'service-1', '--timeout', '60s']
      const results = await race([argv, argv])
      const context = both(results)
      const rotated = results.filter(result => result.exitCode === 0 && result.stdout.includes('Rotated'))
      expect(rotated.length, context).to.be.at.most(1)
      // The later run finds the other's lease (slow) or its finished rotation (instant: the other completed first).
      for (const result of results.filter(run => run.exitCode !== 0)) expect(unwrapped(result.stderr), context).to.match(/rotation of SECURE_KEY on service-1 by another run|changed SECURE_KEY or its record on service-1 while this rotation ran, so this run put back what it wrote/)
      // The peers only ever got one NEW; the owner ends with the same pair as every peer.
      expect(newKeys(['service-2', 'service-3'], since, before).size, context).to.be.at.most(1)
      const final = sandbox.control.configVars('service-1').SECURE_KEY
      for (const app of ['service-2', 'service-3']) expect(sandbox.control.configVars(app)[PEER_VAR] === final, `${app}\n${context}`).to.equal(true)
      expect(final.split(',').filter(value => !before.includes(value)), context).to.have.length(rotated.length)
      await expectNoOrphan(['service-2', 'service-3'], context)
      console.log(`      exits ${results.map(result => result.exitCode).join(', ')}; NEW keys the owner ever held: ${newKeys(['service-1'], since, before).size}`)
    })
  }

  it('a rotation or an attach started while a rotation is in its barrier stops at once, naming it (and until when it holds the key)', async () => {
    sandbox = await startSandbox({apps: 4, seed: 'record-races-lease'})
    await selfManaged(['service-2', 'service-3'])
    sandbox.control.setRestartDelay({maxMs: 3000, minMs: 2000, seed: 'lease'})
    const argv = ['-a', 'service-1', '--confirm', 'service-1', '--timeout', '60s']
    const first = runDev(['securekey:rotate', ...argv], sandboxEnv(sandbox))
    const staged = Date.now() + 30_000
    const stagedValue = () => sandbox.control.configVars('service-1').SECURE_KEY
    const everyHolderStaged = () => record().rotation?.phase === 'staged' && ['service-2', 'service-3'].every(app => sandbox.control.configVars(app)[PEER_VAR] === stagedValue())
    while (!everyHolderStaged() && Date.now() < staged) await pause(50) // eslint-disable-line no-await-in-loop
    expect(everyHolderStaged(), 'the first run staged every holder').to.equal(true)
    const value = stagedValue()
    sandbox.control.clearRequests()
    const second = await runCommand(Rotate, argv, sandboxEnv(sandbox))
    expect(second.exitCode, second.stdout).to.equal(1)
    expect(unwrapped(second.stderr)).to.match(/rotation of SECURE_KEY on service-1 by another run \(run [\da-f]{8}, started \S+, staged\) is under way and holds it until \S+/)
    expect(sandbox.control.requests().filter(request => request.method !== 'GET' && !request.path.startsWith('/actions/')).map(request => `${request.method} ${request.path}`), 'no write').to.deep.equal([])
    expect(stagedValue() === value).to.equal(true)
    // An attach in that barrier refuses, naming the rotation, before any write.
    const attach = await runCommand(Attach, ['--from', 'service-1', '-a', 'service-4'], sandboxEnv(sandbox))
    expect(attach.exitCode, attach.stdout).to.not.equal(0)
    expect(unwrapped(attach.stderr)).to.match(/rotation of service-1's SECURE_KEY is under way/)
    expect(sandbox.control.requests().filter(request => request.method !== 'GET' && !request.path.startsWith('/actions/')).map(request => `${request.method} ${request.path}`), 'no write').to.deep.equal([])
    const done = await first
    expect(done.exitCode, done.stderr).to.equal(0)
    expect(done.stdout).to.include('Rotated')
    await expectNoOrphan(['service-2', 'service-3', 'service-4'], done.stdout)
  })

  it('a stopped run ends its lease; a lease left by a run that died holds the key until its until, then a re-run continues the same rotation', async () => {
    sandbox = await startSandbox({apps: 3, seed: 'record-races-lease-end'})
    await selfManaged(['service-2', 'service-3'])
    const env = sandboxEnv(sandbox)
    const argv = ['-a', 'service-1', '--confirm', 'service-1', '--timeout', '1s']
    sandbox.control.setRestartDelay({maxMs: 5000, minMs: 4000, seed: 'lease-end'})
    const stopped = await runCommand(Rotate, argv, env)
    expect(stopped.exitCode, stopped.stdout).to.equal(1)
    const staged = record().rotation as {new: string, phase: string, run: string, until: string}
    expect(staged).to.include({phase: 'staged'})
    expect(staged.run).to.match(/^[\da-f]{8}$/)
    expect(Date.parse(staged.until), 'the stopped run ended its lease').to.be.at.most(Date.now())
    // As if that run had been killed holding its lease: another run stops at once, writing nothing.
    const held = {...record(), rotation: {...staged, until: new Date(Date.now() + 3_600_000).toISOString()}}
    await sandboxApi(sandbox, 'PATCH', '/apps/service-1/config-vars', {SECURE_KEY_RECORD: JSON.stringify(held)})
    sandbox.control.setRestartDelay(null)
    await sandboxApi(sandbox, 'DELETE', '/apps/service-1/dynos')
    for (const app of ['service-2', 'service-3']) await sandboxApi(sandbox, 'DELETE', `/apps/${app}/dynos`) // eslint-disable-line no-await-in-loop
    sandbox.control.clearRequests()
    const refused = await runCommand(Rotate, argv, env)
    expect(refused.exitCode, refused.stdout).to.equal(1)
    expect(unwrapped(refused.stderr)).to.include(`by another run (run ${staged.run}`).and.include(held.rotation.until)
    expect(sandbox.control.requests().filter(request => request.method !== 'GET' && !request.path.startsWith('/actions/')).map(request => `${request.method} ${request.path}`)).to.deep.equal([])
    // Once its lease is over, the same command continues that rotation: the staged NEW, no second one.
    await sandboxApi(sandbox, 'PATCH', '/apps/service-1/config-vars', {SECURE_KEY_RECORD: JSON.stringify({...held, rotation: {...staged, until: new Date(Date.now() - 1000).toISOString()}})})
    const resumed = await runCommand(Rotate, ['-a', 'service-1', '--confirm', 'service-1', '--timeout', '30s'], sandboxEnv(sandbox))
    expect(resumed.exitCode, resumed.stdout + resumed.stderr).to.equal(0)
    expect(resumed.stdout).to.include(`Rotated: every holder and every dyno signs with ${staged.new}`)
  })

  it('two provisions --self-managed on service-1: one key, and no run reports a key that is not the one left', async () => {
    sandbox = await startSandbox({apps: 2, seed: 'record-races-provision'})
    const results = await race([['securekey:provision', '-a', 'service-1', '--self-managed', '--json'], ['securekey:provision', '-a', 'service-1', '--self-managed', '--json']])
    const context = both(results)
    const left = fingerprint(sandbox.control.configVars('service-1').SECURE_KEY.split(',')[0])
    const succeeded = results.filter(result => result.exitCode === 0)
    expect(succeeded.length, context).to.be.greaterThan(0)
    for (const result of succeeded) expect(JSON.parse(result.stdout).fingerprint.latest, context).to.equal(left)
    for (const result of results.filter(run => run.exitCode !== 0)) expect(unwrapped(result.stderr), context).to.match(/SECURE_KEY on service-1/)
    const status = await runCommand(Status, ['-a', 'service-1', '--check'], sandboxEnv(sandbox))
    expect(status.exitCode, status.stdout + status.stderr).to.equal(0)
  })

  it('attach when the owner\'s key var is gone but its record remains: a clear error, nothing written to the peer', async () => {
    sandbox = await startSandbox({apps: 3, seed: 'record-races-gone'})
    await selfManaged(['service-2'])
    await sandboxApi(sandbox, 'PATCH', '/apps/service-1/config-vars', {SECURE_KEY: null})
    sandbox.control.clearRequests()
    const result = await runCommand(Attach, ['--from', 'service-1', '-a', 'service-3'], sandboxEnv(sandbox))
    expect(result.exitCode, result.stdout).to.not.equal(0)
    expect(unwrapped(result.stderr)).to.match(/service-1/)
    expect(sandbox.control.configVars('service-3')).to.not.have.property(PEER_VAR)
    expect(sandbox.control.requests().filter(request => request.method !== 'GET' && !request.path.startsWith('/actions/')).map(request => request.path)).to.deep.equal([])
  })
})
