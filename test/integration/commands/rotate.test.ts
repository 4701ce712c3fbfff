/* eslint-disable camelcase -- the --json document's snake_case fields */
import {expect} from 'chai'

import {type Sandbox, startSandbox} from '../../../sandbox/index.js'
import Attach from '../../../src/commands/securekey/attach.js'
import Provision from '../../../src/commands/securekey/provision.js'
import Rotate from '../../../src/commands/securekey/rotate.js'
import Status from '../../../src/commands/securekey/status.js'
import Teardown from '../../../src/commands/securekey/teardown.js'
import {pause} from '../../../src/core/wait.js'
import {fingerprint} from '../../../src/runtime/key.js'
import {refusedPairs} from '../../helpers/key-acceptance.js'
import {expectNoKeyValue, unwrapped} from '../../helpers/output.js'
import {runCommand} from '../../helpers/run-command.js'
import {mutating, sandboxEnv} from '../../helpers/sandbox-setup.js'

const PEERS = ['service-2', 'service-3', 'service-4', 'service-5']
const PEER_VAR = 'SERVICE_1_SECURE_KEY'
const holders = [{app: 'service-1', configVar: 'SECURE_KEY'}, ...PEERS.map(app => ({app, configVar: PEER_VAR}))]

/** Every key value the holders have had, from every release: what no output may show. */
function allKeys(sandbox: Sandbox): string[] {
  return holders.flatMap(({app, configVar}) => sandbox.control.releases(app).flatMap(release => (sandbox.control.releaseConfigVars(app, release.version!)[configVar] ?? '').split(',')).filter(Boolean))
}

async function selfManagedOnFive(sandbox: Sandbox): Promise<void> {
  const env = sandboxEnv(sandbox)
  const provisioned = await runCommand(Provision, ['-a', 'service-1', '--self-managed'], env)
  expect(provisioned.exitCode, provisioned.stderr).to.equal(0)
  const attached = await runCommand(Attach, ['--from', 'service-1', ...PEERS.flatMap(app => ['-a', app])], env)
  expect(attached.exitCode, attached.stderr).to.equal(0)
}

const value = (sandbox: Sandbox, app: string, configVar: string) => sandbox.control.configVars(app)[configVar]

/** Every key any of `apps` held in any release, in its securekey var. */
function allHoldersKeys(sandbox: Sandbox, apps: string[]): string[] {
  return apps.flatMap(app => sandbox.control.releases(app).flatMap(release => {
    const config = sandbox.control.releaseConfigVars(app, release.version!)
    return (config.SECURE_KEY ?? config.SERVICE_1_SECURE_KEY ?? '').split(',').filter(Boolean)
  }))
}

const recordOf = (sandbox: Sandbox, app: string) => JSON.parse(value(sandbox, app, 'SECURE_KEY_RECORD'))
const keysOf = (sandbox: Sandbox, apps: string[]) => apps.map(app => value(sandbox, app, app === 'service-1' ? 'SECURE_KEY' : PEER_VAR))

const sum = (counts: number[]) => counts.reduce((total, count) => total + count, 0)

const stagedRotate = (args: string[] = []) => async (box: Sandbox) => {
  const result = await runCommand(Rotate, ['-a', 'service-1', '--confirm', 'service-1', ...args], sandboxEnv(box, 10))
  expect(result.exitCode, result.stderr).to.equal(0)
}

/** The add-on's way: "NEW,CUR" written app by app, 20 ms apart. */
const directWrite = (seed: number) => async (box: Sandbox) => {
  const [current] = box.control.configVars('service-1').SECURE_KEY.split(',')
  const next = `${'AB'.repeat(31)}${String(seed).padStart(2, '0')},${current}`
  for (const {app, configVar} of holders) {
    box.control.setConfigVar(app, configVar, next)
    // eslint-disable-next-line no-await-in-loop
    await pause(20)
  }
}

/**
 * Heroku's harder cases at once: preboot on two holders (old web dynos serve, unlisted, 400 ms after each release),
 * a one-off job started on service-4 at the rotation's first release that runs 300 ms, and a crashed web dyno on
 * service-3 that the platform restarts 250 ms later.
 */
const herokuLike = (box: Sandbox) => {
  for (const app of ['service-2', 'service-5']) box.control.setPreboot({bootMs: 20, enabled: true, windowMs: 400}, app)
  box.control.setDynoState('service-3', 'web.2', 'crashed', {restartAfterMs: 250})
  let started = false
  const stop = box.control.onEvent(event => {
    if (started || event.type !== 'release') return
    started = true
    setTimeout(() => {
      const job = box.control.runOneOff('service-4', {command: 'bin/nightly-report', type: 'scheduler'})
      setTimeout(() => box.control.stopDyno('service-4', job.name!), 300)
    }, 0)
    stop()
  })
}

describe('securekey:rotate and self-managed keys against the sandbox', () => {
  let sandbox: Sandbox

  afterEach(async () => {
    await sandbox?.close()
  })

  it('provisions a self-managed key, attaches it to four peers and reports them all in sync from a peer', async () => {
    sandbox = await startSandbox({apps: 5, seed: 'self-managed'})
    await selfManagedOnFive(sandbox)
    const owner = value(sandbox, 'service-1', 'SECURE_KEY')
    expect(owner).to.match(/^[\dA-F]{64},[\dA-F]{64}$/)
    for (const app of PEERS) expect(value(sandbox, app, PEER_VAR) === owner, app).to.equal(true)
    sandbox.control.setLatency(40)
    sandbox.control.clearRequests()

    const status = await runCommand(Status, ['-a', 'service-3', '--json'], sandboxEnv(sandbox))
    expect(status.exitCode, status.stderr).to.equal(0)
    const document = JSON.parse(status.stdout)
    expect(document.summary).to.deep.include({all_in_sync: true, in_sync: 5, total: 5})
    expect(document.keys[0].key.kind).to.equal('self-managed')
    expectNoKeyValue(status, allKeys(sandbox))
    // From a peer: its add-ons, its config, the owner's config, then the three other holders in one wave: 1 + N.
    const log = sandbox.control.requests()
    expect(log.slice(0, 3).map(request => `${request.method} ${request.path}`)).to.deep.equal(['GET /apps/service-3/addons', 'GET /apps/service-3/config-vars', 'GET /apps/service-1/config-vars'])
    expect(log.slice(3).map(request => request.path).sort()).to.deep.equal(['service-2', 'service-4', 'service-5'].map(app => `/apps/${app}/config-vars`))
    const lastWave = log.slice(3)
    for (const request of lastWave) expect(request.start).to.be.below(Math.min(...lastWave.map(entry => entry.end)))
  })

  it('rotates in two phases: every holder ends with "NEW,CUR", exactly one NEW, and a re-run is not a second rotation when not due', async () => {
    sandbox = await startSandbox({apps: 5, seed: 'rotate'})
    await selfManagedOnFive(sandbox)
    const before = value(sandbox, 'service-1', 'SECURE_KEY').split(',')
    const result = await runCommand(Rotate, ['-a', 'service-1', '--confirm', 'service-1', '--json'], sandboxEnv(sandbox, 5))
    expect(result.exitCode, result.stderr).to.equal(0)
    const document = JSON.parse(result.stdout)
    expect(document.status).to.equal('rotated')
    const after = value(sandbox, 'service-1', 'SECURE_KEY').split(',')
    expect(after[1] === before[0]).to.equal(true)
    expect(document.fingerprint).to.deep.equal({current: fingerprint(before[0]), new: fingerprint(after[0])})
    for (const app of PEERS) expect(value(sandbox, app, PEER_VAR) === after.join(','), app).to.equal(true)
    expectNoKeyValue(result, allKeys(sandbox))

    const again = await runCommand(Rotate, ['-a', 'service-1', '--confirm', 'service-1', '--if-older-than', '14d'], sandboxEnv(sandbox, 5))
    expect(again.exitCode, again.stderr).to.equal(0)
    expect(again.stdout).to.include('not due')
    expect(value(sandbox, 'service-1', 'SECURE_KEY') === after.join(',')).to.equal(true)
  })

  it('stops at the barrier naming a one-off dyno and the command that stops it; a re-run after it stops continues without a second NEW', async () => {
    sandbox = await startSandbox({apps: 5, seed: 'one-off'})
    await selfManagedOnFive(sandbox)
    sandbox.control.runOneOff('service-3')
    const result = await runCommand(Rotate, ['-a', 'service-1', '--confirm', 'service-1', '--timeout', '300ms'], sandboxEnv(sandbox, 20))
    expect(result.exitCode).to.equal(1)
    expect(result.stderr).to.include('service-3 run.1').and.include('heroku ps:stop --dyno-name run.1 -a service-3')
    const staged = value(sandbox, 'service-1', 'SECURE_KEY')
    for (const app of PEERS) expect(value(sandbox, app, PEER_VAR) === staged, app).to.equal(true)

    sandbox.control.stopDyno('service-3', 'run.1')
    const resumed = await runCommand(Rotate, ['-a', 'service-1', '--confirm', 'service-1', '--json'], sandboxEnv(sandbox, 20))
    expect(resumed.exitCode, resumed.stderr).to.equal(0)
    expect(JSON.parse(resumed.stdout)).to.deep.include({resumed: 'staged', status: 'rotated'})
    const [newKey, current] = value(sandbox, 'service-1', 'SECURE_KEY').split(',')
    expect(`${current},${newKey}` === staged).to.equal(true)
    expectNoKeyValue(resumed, allKeys(sandbox))
  })

  it('asks which key when the owner holds several, by config var name; attach asks before replacing a var set by hand', async () => {
    sandbox = await startSandbox({apps: 3, seed: 'several'})
    const env = sandboxEnv(sandbox, 5)
    await runCommand(Provision, ['-a', 'service-1', '--self-managed'], env)
    await runCommand(Provision, ['-a', 'service-1', '--self-managed', '--as', 'PARTNER'], env)
    sandbox.control.setConfigVar('service-2', 'SERVICE_1_SECURE_KEY', 'set-by-hand')
    sandbox.control.clearRequests()

    const refused = await runCommand(Attach, ['--from', 'service-1', '-a', 'service-2'], env)
    expect(refused.exitCode).to.equal(1)
    expect(refused.stderr).to.include('owns 2 shared keys')
    const attached = await runCommand(Attach, ['SECURE_KEY', '--from', 'service-1', '-a', 'service-2'], env)
    expect(attached.exitCode).to.equal(1)
    expect(mutating(sandbox)).to.deep.equal([])

    const ambiguous = await runCommand(Rotate, ['-a', 'service-1', '--confirm', 'service-1'], env)
    expect(ambiguous.exitCode).to.equal(1)
    expect(ambiguous.stderr).to.include('owns 2 shared keys: PARTNER_KEY (self-managed), SECURE_KEY (self-managed)').and.include('heroku securekey:rotate PARTNER_KEY -a service-1')
    const partner = value(sandbox, 'service-1', 'PARTNER_KEY')
    const named = await runCommand(Rotate, ['SECURE_KEY', '-a', 'service-1', '--confirm', 'service-1'], env)
    expect(named.exitCode, named.stderr).to.equal(0)
    expect(value(sandbox, 'service-1', 'PARTNER_KEY') === partner, 'the other key is untouched').to.equal(true)
    expect(mutating(sandbox).every(request => request.startsWith('PATCH /apps/service-1/'))).to.equal(true)
  })

  it('asks before replacing a var set by hand on a peer, and replaces it with --confirm PEER', async () => {
    sandbox = await startSandbox({apps: 3, seed: 'taken'})
    const env = sandboxEnv(sandbox, 5)
    await runCommand(Provision, ['-a', 'service-1', '--self-managed'], env)
    sandbox.control.setConfigVar('service-2', 'SERVICE_1_SECURE_KEY', 'set-by-hand')
    sandbox.control.clearRequests()

    const refused = await runCommand(Attach, ['--from', 'service-1', '-a', 'service-2', '-a', 'service-3'], env)
    expect(refused.exitCode).to.equal(1)
    expect(refused.stdout).to.include('service-2  not attached').and.include('--confirm service-2')
    expect(value(sandbox, 'service-2', 'SERVICE_1_SECURE_KEY')).to.equal('set-by-hand')
    const confirmed = await runCommand(Attach, ['--from', 'service-1', '-a', 'service-2', '--confirm', 'service-2'], env)
    expect(confirmed.exitCode, confirmed.stderr).to.equal(0)
    expect(value(sandbox, 'service-2', 'SERVICE_1_SECURE_KEY') === value(sandbox, 'service-1', 'SECURE_KEY')).to.equal(true)
  })

  it('refuses an add-on key, naming why and what to do instead, with no mutating request', async () => {
    sandbox = await startSandbox({seed: 'addon-key'})
    await runCommand(Provision, ['-a', 'service-1'], sandboxEnv(sandbox))
    sandbox.control.clearRequests()
    const result = await runCommand(Rotate, ['-a', 'service-1', '--confirm', 'service-1', '--json'], sandboxEnv(sandbox))
    expect(result.exitCode).to.equal(1)
    expect(JSON.parse(result.stdout).error.id).to.equal('not_managed')
    expect(result.stderr).to.include('only its provider can change').and.include('--history')
    expect(sandbox.control.requests().filter(request => request.method !== 'GET')).to.deep.equal([])
  })

  it('tears a self-managed key down from every peer first, then the owner; previewable; refused from a peer', async () => {
    sandbox = await startSandbox({apps: 5, seed: 'teardown'})
    await selfManagedOnFive(sandbox)
    sandbox.control.clearRequests()
    const fromPeer = await runCommand(Teardown, ['-a', 'service-2', '--confirm', 'service-2'], sandboxEnv(sandbox))
    expect(fromPeer.exitCode).to.equal(1)
    expect(fromPeer.stderr).to.include('heroku securekey:teardown SECURE_KEY -a service-1')
    const preview = await runCommand(Teardown, ['-a', 'service-1', '--dry-run'], sandboxEnv(sandbox))
    expect(preview.exitCode, preview.stderr).to.equal(0)
    expect(preview.stdout).to.include('Remove from service-2: removes SERVICE_1_SECURE_KEY').and.include('Remove from service-1, the owner: removes SECURE_KEY')
    expect(mutating(sandbox)).to.deep.equal([])

    sandbox.control.injectFault({method: 'PATCH', path: '/apps/service-4/config-vars', status: 503})
    const stopped = await runCommand(Teardown, ['-a', 'service-1', '--confirm', 'service-1', '--json'], sandboxEnv(sandbox))
    expect(stopped.exitCode).to.equal(1)
    expect(JSON.parse(stopped.stdout)).to.deep.include({complete: false})
    expect(value(sandbox, 'service-1', 'SECURE_KEY')).to.be.a('string')
    const finished = await runCommand(Teardown, ['-a', 'service-1', '--confirm', 'service-1'], sandboxEnv(sandbox))
    expect(finished.exitCode, finished.stderr).to.equal(0)
    expect(finished.stdout).to.include('teardown complete')
    for (const {app} of holders) {
      const left = Object.keys(sandbox.control.configVars(app)).filter(name => /SECURE_KEY/.test(name))
      expect(left, app).to.deep.equal([])
    }

    expectNoKeyValue(stopped, allKeys(sandbox))
    expectNoKeyValue(finished, allKeys(sandbox))
  })

  describe('a holder that is gone: rotate and status name it and say what to do; teardown --holder drops only an app that no longer exists', () => {
    const GONE_FAULT = /^\/apps\/service-3(\/|$)/

    // eslint-disable-next-line unicorn/consistent-function-scoping -- it sets the suite's sandbox, which afterEach closes
    async function ownerAndTwoPeers(seed: string, options: {forbiddenApps?: string[]} = {}): Promise<Record<string, string | undefined>> {
      sandbox = await startSandbox({apps: 3, seed, ...options})
      const env = sandboxEnv(sandbox, 5)
      await runCommand(Provision, ['-a', 'service-1', '--self-managed'], env)
      const attached = await runCommand(Attach, ['--from', 'service-1', '-a', 'service-2', '-a', 'service-3'], env)
      expect(attached.exitCode, attached.stderr).to.equal(0)
      return env
    }

    it('a record naming a missing app: rotate and status say it no longer exists and how to drop it; --holder drops that entry alone, confirmed by its name; the rotation then completes', async () => {
      const env = await ownerAndTwoPeers('gone-record')
      const record = recordOf(sandbox, 'service-1')
      sandbox.control.setConfigVar('service-1', 'SECURE_KEY_RECORD', JSON.stringify({...record, holders: [...record.holders, {app: 'gone-app', var: PEER_VAR}]}))
      const before = keysOf(sandbox, ['service-1', 'service-2', 'service-3'])
      const drop = 'heroku securekey:teardown SECURE_KEY -a service-1 --holder gone-app --confirm gone-app'
      sandbox.control.clearRequests()

      const rotated = await runCommand(Rotate, ['-a', 'service-1', '--confirm', 'service-1', '--json'], env)
      expect(rotated.exitCode).to.equal(1)
      expect(unwrapped(rotated.stderr)).to.include('gone-app no longer exists').and.include(drop).and.not.include('Run the same command again.')
      expect(JSON.parse(rotated.stdout).error).to.deep.include({id: 'not_found', suggestions: [drop]})

      const status = await runCommand(Status, ['SECURE_KEY', '-a', 'service-1', '--json'], env)
      const gone = JSON.parse(status.stdout).keys[0].apps.find((entry: {app: string}) => entry.app === 'gone-app')
      expect(gone.state).to.equal('unreachable')
      expect(gone.reason).to.include('no longer exists').and.include(drop)

      const unconfirmed = await runCommand(Teardown, ['SECURE_KEY', '-a', 'service-1', '--holder', 'gone-app'], env)
      expect(unconfirmed.exitCode).to.equal(1)
      expect(unwrapped(unconfirmed.stderr)).to.include('--confirm gone-app')
      const wrong = await runCommand(Teardown, ['SECURE_KEY', '-a', 'service-1', '--holder', 'gone-app', '--confirm', 'service-1'], env)
      expect(wrong.exitCode).to.equal(1)
      expect(unwrapped(wrong.stderr)).to.include('--confirm service-1 does not match gone-app, the holder --holder drops')
      const existing = await runCommand(Teardown, ['SECURE_KEY', '-a', 'service-1', '--holder', 'service-2', '--confirm', 'service-2'], env)
      expect(existing.exitCode).to.equal(1)
      expect(unwrapped(existing.stderr)).to.include('service-2 still exists').and.include('heroku securekey:teardown SECURE_KEY -a service-1')
      const notListed = await runCommand(Teardown, ['SECURE_KEY', '-a', 'service-1', '--holder', 'other-app', '--confirm', 'other-app'], env)
      expect(notListed.exitCode).to.equal(1)
      expect(unwrapped(notListed.stderr)).to.include('other-app is not a holder')
      const preview = await runCommand(Teardown, ['SECURE_KEY', '-a', 'service-1', '--holder', 'gone-app', '--confirm', 'gone-app', '--dry-run'], env)
      expect(preview.exitCode, preview.stderr).to.equal(0)
      expect(preview.stdout).to.include('Dry run: gone-app no longer exists')
      expect(mutating(sandbox)).to.deep.equal([])

      const dropped = await runCommand(Teardown, ['SECURE_KEY', '-a', 'service-1', '--holder', 'gone-app', '--confirm', 'gone-app', '--json'], env)
      expect(dropped.exitCode, dropped.stderr).to.equal(0)
      expect(JSON.parse(dropped.stdout)).to.deep.include({complete: true, dropped: {app: 'gone-app', config_vars: [PEER_VAR], reason: 'not_found'}, holders_left: ['service-2', 'service-3']})
      expect(mutating(sandbox)).to.deep.equal(['PATCH /apps/service-1/config-vars 200'])
      expect(recordOf(sandbox, 'service-1').holders).to.deep.equal(record.holders)
      expect(keysOf(sandbox, ['service-1', 'service-2', 'service-3'])).to.deep.equal(before)

      const again = await runCommand(Rotate, ['-a', 'service-1', '--confirm', 'service-1', '--json'], env)
      expect(again.exitCode, again.stderr).to.equal(0)
      expect(JSON.parse(again.stdout).status).to.equal('rotated')
      expectNoKeyValue(rotated, allHoldersKeys(sandbox, ['service-1', 'service-2', 'service-3']))
    })

    it('an app deleted mid-rotation (404) stops the run naming it; the re-run says so too, changing nothing; once dropped, the rotation continues from where it stood', async () => {
      const env = await ownerAndTwoPeers('gone-midway')
      const [current] = value(sandbox, 'service-1', 'SECURE_KEY').split(',')
      const stop = sandbox.control.onEvent(event => {
        if (event.type !== 'release' || event.app !== 'service-3') return
        sandbox.control.injectFault({count: 100_000, path: GONE_FAULT, status: 404})
        stop()
      })
      const stopped = await runCommand(Rotate, ['-a', 'service-1', '--confirm', 'service-1', '--json'], env)
      expect(stopped.exitCode).to.equal(1)
      const document = JSON.parse(stopped.stdout)
      expect(document.stopped.gone).to.deep.equal([{app: 'service-3', detail: 'Couldn\'t find that resource. (not_found, HTTP 404)', problem: 'not_found'}])
      expect(unwrapped(stopped.stderr)).to.include('service-3 no longer exists').and.include('--holder service-3 --confirm service-3')

      sandbox.control.clearRequests()
      const rerun = await runCommand(Rotate, ['-a', 'service-1', '--confirm', 'service-1'], env)
      expect(rerun.exitCode).to.equal(1)
      expect(unwrapped(rerun.stderr)).to.include('service-3 no longer exists').and.include('nothing was changed')
      expect(mutating(sandbox)).to.deep.equal([])

      const dropped = await runCommand(Teardown, ['SECURE_KEY', '-a', 'service-1', '--holder', 'service-3', '--confirm', 'service-3'], env)
      expect(dropped.exitCode, dropped.stderr).to.equal(0)
      expect(recordOf(sandbox, 'service-1').rotation.phase, 'the rotation stays where it stood').to.equal('staged')
      const resumed = await runCommand(Rotate, ['-a', 'service-1', '--confirm', 'service-1', '--json'], env)
      expect(resumed.exitCode, resumed.stderr).to.equal(0)
      expect(JSON.parse(resumed.stdout)).to.deep.include({resumed: 'staged', status: 'rotated'})
      const final = value(sandbox, 'service-1', 'SECURE_KEY')
      expect(final.split(',')[1] === current).to.equal(true)
      expect(value(sandbox, 'service-2', PEER_VAR) === final).to.equal(true)
    })

    it('a write answered 404 names the app as no longer there and how to drop it, not only "run again"', async () => {
      const env = await ownerAndTwoPeers('gone-write')
      sandbox.control.injectFault({method: 'PATCH', path: '/apps/service-3/config-vars', status: 404})
      const stopped = await runCommand(Rotate, ['-a', 'service-1', '--confirm', 'service-1', '--json'], env)
      expect(stopped.exitCode).to.equal(1)
      expect(JSON.parse(stopped.stdout).stopped).to.deep.include({gone: [{app: 'service-3', detail: 'Couldn\'t find that resource. (not_found, HTTP 404)', problem: 'not_found'}], phase: 'stage'})
      expect(unwrapped(stopped.stderr)).to.include('Staging stopped').and.include('service-3 no longer exists').and.include('--holder service-3 --confirm service-3')
    })

    it('an app this account cannot see (403) is named as not accessible and is never dropped; a 5xx keeps "run the same command again"', async () => {
      const env = await ownerAndTwoPeers('gone-forbidden')
      sandbox.control.injectFault({
        body: {id: 'forbidden', message: 'You do not have access to the app service-3.'}, count: 100_000, path: GONE_FAULT, status: 403,
      })
      sandbox.control.clearRequests()
      const forbidden = await runCommand(Rotate, ['-a', 'service-1', '--confirm', 'service-1'], env)
      expect(forbidden.exitCode).to.equal(1)
      expect(unwrapped(forbidden.stderr)).to.include('service-3 is not accessible with this account').and.include('heroku access -a service-3').and.not.include('--holder')
      const status = await runCommand(Status, ['SECURE_KEY', '-a', 'service-1', '--json'], env)
      const locked = JSON.parse(status.stdout).keys[0].apps.find((entry: {app: string}) => entry.app === 'service-3')
      expect(locked.reason).to.include('service-3 is not accessible with this account').and.not.include('--holder')
      const refused = await runCommand(Teardown, ['SECURE_KEY', '-a', 'service-1', '--holder', 'service-3', '--confirm', 'service-3'], env)
      expect(refused.exitCode).to.equal(1)
      expect(unwrapped(refused.stderr)).to.include('service-3 exists but this account cannot see it')
      expect(mutating(sandbox)).to.deep.equal([])

      sandbox.control.clearFaults()
      sandbox.control.injectFault({count: 100_000, path: GONE_FAULT, status: 503})
      const transient = await runCommand(Rotate, ['-a', 'service-1', '--confirm', 'service-1'], env)
      expect(transient.exitCode).to.equal(1)
      expect(unwrapped(transient.stderr)).to.include('Run the same command again').and.not.include('no longer exists').and.not.include('not accessible')
      expect(mutating(sandbox)).to.deep.equal([])
    })
  })

  describe('smaller refusals', () => {
    it('refuses a record edited to "staged" with NEW its PREVIOUS (no "from"): invalid_record, nothing written, never "Rotated"', async () => {
      sandbox = await startSandbox({apps: 2, seed: 'edited-stage'})
      const env = sandboxEnv(sandbox, 5)
      await runCommand(Provision, ['-a', 'service-1', '--self-managed'], env)
      const [current, old] = value(sandbox, 'service-1', 'SECURE_KEY').split(',')
      const record = JSON.parse(value(sandbox, 'service-1', 'SECURE_KEY_RECORD'))
      sandbox.control.setConfigVar('service-1', 'SECURE_KEY_RECORD', JSON.stringify({...record, rotation: {new: fingerprint(old), phase: 'staged', started_at: new Date().toISOString()}}))
      sandbox.control.clearRequests()
      const result = await runCommand(Rotate, ['-a', 'service-1', '--confirm', 'service-1', '--json'], env)
      expect(result.exitCode).to.equal(1)
      expect(JSON.parse(result.stdout).error.id).to.equal('invalid_record')
      expect(unwrapped(result.stderr)).to.include('promote the old key back').and.include('heroku releases:rollback').and.not.include('Rotated')
      expect(mutating(sandbox)).to.deep.equal([])
      expect(value(sandbox, 'service-1', 'SECURE_KEY') === `${current},${old}`).to.equal(true)
      expectNoKeyValue(result, [current, old])
    })

    it('never counts a changed_at that is not a time as old: --if-older-than is then not due, nothing written', async () => {
      sandbox = await startSandbox({apps: 2, seed: 'garbage-time'})
      const env = sandboxEnv(sandbox, 5)
      await runCommand(Provision, ['-a', 'service-1', '--self-managed'], env)
      const record = JSON.parse(value(sandbox, 'service-1', 'SECURE_KEY_RECORD'))
      sandbox.control.setConfigVar('service-1', 'SECURE_KEY_RECORD', JSON.stringify({...record, changed_at: 'long ago'}))
      sandbox.control.clearRequests()
      const result = await runCommand(Rotate, ['-a', 'service-1', '--confirm', 'service-1', '--if-older-than', '1s', '--json'], env)
      expect(result.exitCode, result.stderr).to.equal(0)
      expect(JSON.parse(result.stdout).status).to.equal('not_due')
      expect(mutating(sandbox)).to.deep.equal([])
    })

    it('refuses --if-older-than without a unit and an empty -a as bad input (exit 2), sending no request', async () => {
      sandbox = await startSandbox({apps: 1, seed: 'flags'})
      sandbox.control.clearRequests()
      const bare = await runCommand(Rotate, ['-a', 'service-1', '--confirm', 'service-1', '--if-older-than', '14'], sandboxEnv(sandbox))
      expect(bare.exitCode).to.equal(2)
      expect(unwrapped(bare.stderr)).to.include('Expected a duration with a unit, got "14": say 14d')
      const empty = await runCommand(Rotate, ['-a', '', '--confirm', 'service-1'], sandboxEnv(sandbox))
      expect(empty.exitCode).to.equal(2)
      expect(unwrapped(empty.stderr)).to.include('--app is empty')
      expect(sandbox.control.requests()).to.deep.equal([])
    })
  })

  describe('faults at every write and barrier read: exit 1 naming the step and app, no key printed, a re-run completes with exactly one NEW', () => {
    // `after`: the fault waits until the rotation has made that many releases on the fault's app (the stage is the
    // first write to every holder, the promote the second, the owner's closing record the third).
    const faults: Array<{after?: number, fault: {count?: number, method: string, path: RegExp | string, reset?: boolean, status?: number}; name: string,}> = [
      {fault: {method: 'PATCH', path: '/apps/service-1/config-vars', status: 503}, name: '503 on the owner\'s stage write'},
      {fault: {method: 'PATCH', path: '/apps/service-3/config-vars', status: 500}, name: '500 on a peer\'s stage write'},
      {
        fault: {
          count: 3, method: 'PATCH', path: '/apps/service-2/config-vars', status: 429,
        }, name: '429 (retries exhausted) on a peer\'s stage write',
      },
      {
        fault: {
          count: 6, method: 'PATCH', path: '/apps/service-3/config-vars', reset: true,
        }, name: 'a reset connection on a peer\'s stage write',
      },
      {after: 1, fault: {method: 'PATCH', path: '/apps/service-2/config-vars', status: 503}, name: '503 on a peer\'s promote write'},
      {after: 1, fault: {method: 'PATCH', path: '/apps/service-1/config-vars', status: 503}, name: '503 on the owner\'s promote write'},
      {after: 2, fault: {method: 'PATCH', path: '/apps/service-1/config-vars', status: 500}, name: '500 on the owner\'s closing record write'},
      {
        fault: {
          count: 3, method: 'GET', path: '/apps/service-2/dynos', status: 503,
        }, name: '503 (retries exhausted) on a barrier\'s dyno list',
      },
      {
        fault: {
          count: 3, method: 'GET', path: /^\/apps\/service-3\/releases\/\d+\/config-vars$/, status: 429,
        }, name: '429 (retries exhausted) on a barrier\'s release config read',
      },
    ]

    for (const {after, fault, name} of faults) {
      it(name, async () => {
        sandbox = await startSandbox({apps: 3, seed: `fault-${name}`})
        const env = sandboxEnv(sandbox, 5)
        await runCommand(Provision, ['-a', 'service-1', '--self-managed'], env)
        await runCommand(Attach, ['--from', 'service-1', '-a', 'service-2', '-a', 'service-3'], env)
        const [current, previous] = value(sandbox, 'service-1', 'SECURE_KEY').split(',')
        const faulty = typeof fault.path === 'string' ? fault.path.split('/')[2] : 'service-3'
        if (after) {
          let releases = 0
          const stop = sandbox.control.onEvent(event => {
            if (event.type !== 'release' || event.app !== faulty || ++releases < after) return
            sandbox.control.injectFault({count: 1, ...fault})
            stop()
          })
        } else {
          sandbox.control.injectFault({count: 1, ...fault})
        }

        const failed = await runCommand(Rotate, ['-a', 'service-1', '--confirm', 'service-1'], env)
        expect(failed.exitCode, failed.stdout).to.equal(1)
        expect(failed.stderr, failed.stderr).to.include(faulty).and.include('run the same command again')
        sandbox.control.clearFaults()

        const again = await runCommand(Rotate, ['-a', 'service-1', '--confirm', 'service-1', '--json'], env)
        expect(again.exitCode, again.stderr).to.equal(0)
        expect(JSON.parse(again.stdout).status).to.equal('rotated')
        const final = value(sandbox, 'service-1', 'SECURE_KEY')
        expect(final.split(',')[1] === current, 'promoted from the key the rotation started with').to.equal(true)
        for (const peer of ['service-2', 'service-3']) expect(value(sandbox, peer, 'SERVICE_1_SECURE_KEY') === final, peer).to.equal(true)
        const seen = new Set(allHoldersKeys(sandbox, ['service-1', 'service-2', 'service-3']))
        expect(seen.size, 'exactly one NEW key besides the two the key had').to.equal(3)
        expect(seen.has(previous) && seen.has(current)).to.equal(true)
        expectNoKeyValue(failed, [...seen])
        expectNoKeyValue(again, [...seen])
      })
    }
  })

  describe('the safety property: no running dyno signs with a key another holder\'s running dyno refuses', () => {
    const SEEDS = 20

    /** Runs `rotation` while dynos restart late, checking every ordered pair of running dynos after every sandbox event. */
    // eslint-disable-next-line unicorn/consistent-function-scoping -- it sets the suite's sandbox, which afterEach closes
    async function refusalsDuring(seed: number, rotation: (sandbox: Sandbox) => Promise<void>, platform?: (sandbox: Sandbox) => void): Promise<number> {
      sandbox = await startSandbox({apps: 5, seed: `safety-${seed}`})
      await selfManagedOnFive(sandbox)
      sandbox.control.setRestartDelay({maxMs: 120, minMs: 0, seed})
      platform?.(sandbox)
      let refusals = 0
      const stop = sandbox.control.onEvent(() => {
        refusals += refusedPairs(sandbox.control, holders).refused.length
      })
      await rotation(sandbox)
      // Let every late restart land, still counting.
      await pause(200)
      stop()
      await sandbox.close()
      return refusals
    }

    it(`staged securekey:rotate gives 0 refusals over ${SEEDS} seeds; the add-on's direct "NEW,CUR" write gives more`, async function () {
      this.timeout(240_000)
      const staged: number[] = []
      const direct: number[] = []
      for (let seed = 1; seed <= SEEDS; seed++) {
        // eslint-disable-next-line no-await-in-loop
        staged.push(await refusalsDuring(seed, stagedRotate()))
        // eslint-disable-next-line no-await-in-loop
        direct.push(await refusalsDuring(seed, directWrite(seed)))
      }

      console.log(`      safety over ${SEEDS} seeds, 5 holders: staged rotate ${sum(staged)} refusals; direct "NEW,CUR" writes ${sum(direct)} refusals (per seed: ${direct.join(' ')})`)
      expect(sum(staged)).to.equal(0)
      expect(sum(direct)).to.be.greaterThan(0)
    })

    const HEROKU_SEEDS = 6

    it(`with preboot, a late one-off job and a crashed dyno: staged rotate 0 refusals over ${HEROKU_SEEDS} seeds, the direct write more`, async function () {
      this.timeout(240_000)
      const staged: number[] = []
      const direct: number[] = []
      for (let seed = 1; seed <= HEROKU_SEEDS; seed++) {
        // eslint-disable-next-line no-await-in-loop
        staged.push(await refusalsDuring(seed, stagedRotate(['--preboot-wait', '500ms']), herokuLike))
        // eslint-disable-next-line no-await-in-loop
        direct.push(await refusalsDuring(seed, directWrite(seed), herokuLike))
      }

      console.log(`      safety with preboot, a late one-off and a crashed dyno, ${HEROKU_SEEDS} seeds, 5 holders: staged rotate ${sum(staged)} refusals; direct "NEW,CUR" writes ${sum(direct)} refusals (per seed: ${direct.join(' ')})`)
      expect(sum(staged)).to.equal(0)
      expect(sum(direct)).to.be.greaterThan(0)
    })
  })
})
