
/**
 * The rotation's barrier on the platform behaviours the sandbox models after Heroku's (docs/sandbox.md 23-29):
 * preboot's unlisted old web dynos, a failed release phase, the dyno a Scheduler job runs in, one-off and crashed
 * dynos, dynos that do not say their release, an app that is gone, and the account's rate limit. Each case counts
 * refused pairs (every ordered pair of running dynos, listed or unlisted, after every sandbox event) where it matters,
 * and the requests the barrier sends where that matters.
 */
import {expect} from 'chai'

import {type Sandbox, startSandbox} from '../../sandbox/index.js'
import Attach from '../../src/commands/securekey/attach.js'
import Provision from '../../src/commands/securekey/provision.js'
import Rotate from '../../src/commands/securekey/rotate.js'
import Status from '../../src/commands/securekey/status.js'
import {pause} from '../../src/core/wait.js'
import {fingerprint} from '../../src/runtime/key.js'
import {refusedPairs} from '../helpers/key-acceptance.js'
import {unwrapped} from '../helpers/output.js'
import {runCommand} from '../helpers/run-command.js'
import {sandboxEnv} from '../helpers/sandbox-setup.js'

const PEERS = ['service-2', 'service-3']
const PEER_VAR = 'SERVICE_1_SECURE_KEY'
const holders = [{app: 'service-1', configVar: 'SECURE_KEY'}, ...PEERS.map(app => ({app, configVar: PEER_VAR}))]
const ROTATE = ['-a', 'service-1', '--confirm', 'service-1']

const value = (sandbox: Sandbox, app: string) => sandbox.control.configVars(app)[app === 'service-1' ? 'SECURE_KEY' : PEER_VAR]
const pairOf = (text: string) => text.split(',').map(key => fingerprint(key))

async function selfManagedOnThree(sandbox: Sandbox): Promise<void> {
  const env = sandboxEnv(sandbox)
  const provisioned = await runCommand(Provision, ['-a', 'service-1', '--self-managed'], env)
  expect(provisioned.exitCode, provisioned.stderr).to.equal(0)
  const attached = await runCommand(Attach, ['--from', 'service-1', ...PEERS.flatMap(app => ['-a', app])], env)
  expect(attached.exitCode, attached.stderr).to.equal(0)
}

/** Refused pair observations while `run` runs (and 100 ms after), counted after every sandbox event. */
async function refusalsDuring<T>(sandbox: Sandbox, run: () => Promise<T>): Promise<{refusals: number, result: T}> {
  let refusals = 0
  const stop = sandbox.control.onEvent(() => {
    refusals += refusedPairs(sandbox.control, holders).refused.length
  })
  const result = await run()
  await pause(100)
  stop()
  return {refusals, result}
}

const apiRequests = (sandbox: Sandbox) => sandbox.control.requests().filter(entry => !entry.path.startsWith('/__sandbox'))

describe('the rotation barrier on Heroku\'s dyno behaviours', function () {
  this.timeout(60_000)
  let sandbox: Sandbox

  beforeEach(async () => {
    sandbox = await startSandbox({apps: 3, seed: 'barrier'})
    await selfManagedOnThree(sandbox)
  })

  afterEach(async () => {
    await sandbox.close()
  })

  describe('preboot', () => {
    beforeEach(() => {
      // Old web dynos keep serving, unlisted, 1.5 s (sandbox clock) after each release; new ones boot in 50 ms.
      sandbox.control.setPreboot({bootMs: 50, enabled: true, windowMs: 1500}, 'service-2')
    })

    it('waits out the window after the new web dynos came up before promoting: 0 refused pairs, and says what it waits for', async () => {
      const {refusals, result} = await refusalsDuring(sandbox, () => runCommand(Rotate, [...ROTATE, '--preboot-wait', '2s'], sandboxEnv(sandbox, 20)))
      expect(result.exitCode, result.stderr).to.equal(0)
      expect(unwrapped(result.stderr)).to.match(/service-2 web\.1 \(preboot: the web dynos it replaced may serve until \d\d:\d\d:\d\d UTC\)/)
      expect(refusals).to.equal(0)
    })

    it('with a window shorter than the platform\'s, the old web dynos are refused (what the default prevents)', async () => {
      const {refusals, result} = await refusalsDuring(sandbox, () => runCommand(Rotate, [...ROTATE, '--preboot-wait', '100ms'], sandboxEnv(sandbox, 20)))
      expect(result.exitCode, result.stderr).to.equal(0)
      expect(refusals).to.be.greaterThan(0)
    })

    it('reads preboot once per holder, not per poll; a re-run after the window does not wait for it again', async () => {
      await pause(2100) // the window after the attach's release
      sandbox.control.clearRequests()
      const stopped = await runCommand(Rotate, [...ROTATE, '--preboot-wait', '2s', '--timeout', '300ms'], sandboxEnv(sandbox, 20))
      expect(stopped.exitCode).to.equal(1)
      expect(unwrapped(stopped.stderr)).to.include('did not accept the new key within the timeout').and.include('service-2 web.1 (preboot')
      const featureReads = apiRequests(sandbox).filter(entry => entry.path.includes('/features/preboot'))
      expect(featureReads.map(entry => entry.path).sort()).to.deep.equal(['/apps/service-1/features/preboot', '/apps/service-2/features/preboot', '/apps/service-3/features/preboot'])

      await pause(2100)
      const resumed = await runCommand(Rotate, [...ROTATE, '--preboot-wait', '2s', '--json'], sandboxEnv(sandbox, 20))
      expect(resumed.exitCode, resumed.stderr).to.equal(0)
      expect(JSON.parse(resumed.stdout)).to.deep.include({resumed: 'staged', status: 'rotated'})
      // The stage's window was over: the first barrier passed without a preboot wait (the promote's has its own).
      const firstBarrier = unwrapped(resumed.stderr).split('Promoting')[0]
      expect(firstBarrier).to.not.include('preboot')
    })
  })

  describe('release phase', () => {
    it('stops at once on a failed release, naming the app, the release and what to do; nothing promoted; the re-run promotes the same NEW', async () => {
      sandbox.control.setReleasePhase('service-3', {delayMs: 30, outcome: 'fail'})
      const result = await runCommand(Rotate, [...ROTATE, '--json'], sandboxEnv(sandbox, 20))
      expect(result.exitCode).to.equal(1)
      const failed = sandbox.control.releases('service-3').at(-1)!
      expect(failed.status).to.equal('failed')
      const message = unwrapped(result.stderr)
      expect(message).to.include(`Release v${failed.version} of service-3 failed its release phase`).and.include('heroku releases:retry -a service-3')
      const document = JSON.parse(result.stdout)
      expect(document.stopped.phase).to.equal('barrier')
      // Staged everywhere (the config var stays set on the failed release), promoted nowhere.
      const staged = value(sandbox, 'service-1')
      const newFingerprint = pairOf(staged)[1]
      for (const app of PEERS) expect(value(sandbox, app) === staged, app).to.equal(true)

      // The user fixes the release command and releases again; the same command promotes the same NEW.
      sandbox.control.setReleasePhase('service-3', null)
      sandbox.control.setConfigVar('service-3', 'RELEASE_FIXED', 'yes')
      const resumed = await runCommand(Rotate, [...ROTATE, '--json'], sandboxEnv(sandbox, 20))
      expect(resumed.exitCode, resumed.stderr).to.equal(0)
      expect(JSON.parse(resumed.stdout)).to.deep.include({resumed: 'staged', status: 'rotated'})
      expect(pairOf(value(sandbox, 'service-1'))[0]).to.equal(newFingerprint)
    })

    it('waits for a pending release phase and goes on when it succeeds', async () => {
      sandbox.control.setReleasePhase('service-2', {delayMs: 300, outcome: 'succeed'})
      const result = await runCommand(Rotate, ROTATE, sandboxEnv(sandbox, 20))
      expect(result.exitCode, result.stderr).to.equal(0)
      expect(unwrapped(result.stderr)).to.match(/service-2 web\.1 \(runs v\d+; v\d+ is in its release phase\)/)
    })
  })

  describe('one-off dynos and the Scheduler', () => {
    it('never waits for the Scheduler dyno it runs in (DYNO and its command), still waits for every other one-off dyno', async () => {
      sandbox.control.runOneOff('service-1', {command: 'heroku securekey:rotate -a service-1 --confirm service-1', type: 'scheduler'})
      const own = await runCommand(Rotate, ROTATE, {...sandboxEnv(sandbox, 20), DYNO: 'scheduler.1'})
      expect(own.exitCode, own.stderr).to.equal(0)

      // Another job on a holder, with the same DYNO name on another app, is not this run: it is waited for and named.
      sandbox.control.stopDyno('service-1', 'scheduler.1')
      sandbox.control.runOneOff('service-2', {command: 'bin/report', type: 'run'})
      const other = await runCommand(Rotate, [...ROTATE, '--if-older-than', '1ms', '--timeout', '300ms'], {...sandboxEnv(sandbox, 20), DYNO: 'run.1'})
      expect(other.exitCode).to.equal(1)
      expect(unwrapped(other.stderr), other.stderr).to.include('service-2 run.1').and.include('heroku ps:stop --dyno-name run.1 -a service-2')
    })

    it('a crashed or idle dyno holds no key while down and comes back on the newest release: it does not hold the rotation up', async () => {
      sandbox.control.setDynoState('service-2', 'web.1', 'crashed', {restartAfterMs: 60_000})
      sandbox.control.setDynoState('service-3', 'web.1', 'idle')
      const {refusals, result} = await refusalsDuring(sandbox, () => runCommand(Rotate, ROTATE, sandboxEnv(sandbox, 20)))
      expect(result.exitCode, result.stderr).to.equal(0)
      expect(refusals).to.equal(0)
      // Woken, the idle dyno boots on the newest release: it signs with the new LATEST.
      sandbox.control.wakeDyno('service-3', 'web.1')
      const running = sandbox.control.dynos('service-3').find(dyno => dyno.name === 'web.1')!
      const config = sandbox.control.releaseConfigVars('service-3', running.release!.version!)
      expect(config[PEER_VAR] === value(sandbox, 'service-3')).to.equal(true)
    })

    it('never counts a dyno whose release is unknown as ready', async () => {
      sandbox.control.setReleaseUnknown('service-3', true)
      const before = value(sandbox, 'service-1')
      const result = await runCommand(Rotate, [...ROTATE, '--timeout', '300ms'], sandboxEnv(sandbox, 20))
      expect(result.exitCode).to.equal(1)
      expect(unwrapped(result.stderr)).to.include('service-3 web.1 (does not say which release it runs')
      // Nothing was changed: the rotation did not start.
      expect(value(sandbox, 'service-1') === before).to.equal(true)
    })
  })

  describe('the account\'s rate limit', () => {
    it('polls only the apps still behind, then one full read; requests per poll stay two for one straggler', async () => {
      sandbox.control.holdDynos('service-3', ['web.1'])
      sandbox.control.clearRequests()
      const result = await runCommand(Rotate, [...ROTATE, '--timeout', '1s'], sandboxEnv(sandbox, 20))
      expect(result.exitCode).to.equal(1)
      const dynoReads = (app: string) => apiRequests(sandbox).filter(entry => entry.method === 'GET' && entry.path === `/apps/${app}/dynos`).length
      // Every holder is read at the first poll; afterwards only service-3, whose web.1 never restarts.
      expect(dynoReads('service-1')).to.equal(dynoReads('service-2'))
      expect(dynoReads('service-3')).to.be.greaterThan(dynoReads('service-2') + 2)
    })

    it('pauses while RateLimit-Remaining is below 500, saying so, and completes', async () => {
      // Restarts take 200 ms, so each barrier polls more than once; the pool refills 50 a second.
      sandbox.control.setRestartDelay({maxMs: 200, minMs: 200})
      sandbox.control.setRateLimit({refillPerMinute: 3000, remaining: 430})
      const result = await runCommand(Rotate, ROTATE, sandboxEnv(sandbox, 20))
      expect(result.exitCode, result.stderr).to.equal(0)
      expect(unwrapped(result.stderr)).to.match(/pausing \d+s: the account has \d+ API requests left \(below 500\)/)
    })
  })

  it('stops at once when a holder is gone (deleted mid-rotation), naming it', async () => {
    sandbox.control.holdDynos('service-3', ['web.1'])
    const running = runCommand(Rotate, [...ROTATE, '--timeout', '30s'], sandboxEnv(sandbox, 20))
    await pause(300)
    // The app is deleted: from now on the API answers 404 for it.
    sandbox.control.injectFault({
      body: {id: 'not_found', message: 'Couldn\'t find that app.'}, count: 1000, path: /^\/apps\/service-3\//, status: 404,
    })
    const result = await running
    expect(result.exitCode).to.equal(1)
    expect(unwrapped(result.stderr)).to.include('service-3 holds SERVICE_1_SECURE_KEY but cannot be read any more. service-3 no longer exists').and.include('heroku securekey:teardown SECURE_KEY -a service-1 --holder service-3 --confirm service-3')
  })

  it('stops at once when the key is torn down from a holder during the barrier, instead of waiting out --timeout', async () => {
    sandbox.control.holdDynos('service-3', ['web.1'])
    const running = runCommand(Rotate, [...ROTATE, '--timeout', '30s'], sandboxEnv(sandbox, 20))
    await pause(300)
    // What a teardown does to a peer: the var and its record go, in one release its dynos restart on.
    sandbox.control.releaseDynos('service-3')
    sandbox.control.setConfigVar('service-3', PEER_VAR, null)
    const result = await running
    expect(result.exitCode).to.equal(1)
    expect(unwrapped(result.stderr)).to.match(/SERVICE_1_SECURE_KEY is no longer set on service-3 \(release v\d+ removed it\)/)
  })

  it('status --dynos mid-rotation shows staged dynos as staged, and preboot, a failed release, crashed and one-off dynos as such, in text and --json', async () => {
    // A one-off job on service-3 starts on the staged release, so the promote's barrier stops on it.
    const env = sandboxEnv(sandbox, 20)
    sandbox.control.onEvent(event => {
      if (event.type === 'release' && event.app === 'service-3' && sandbox.control.dynos('service-3').every(dyno => dyno.name !== 'run.1')) {
        setTimeout(() => sandbox.control.runOneOff('service-3', {command: 'bin/report'}), 0)
      }
    })
    const stopped = await runCommand(Rotate, [...ROTATE, '--timeout', '400ms'], env)
    expect(stopped.exitCode).to.equal(1)
    expect(unwrapped(stopped.stderr)).to.include('service-3 run.1')
    sandbox.control.setPreboot({bootMs: 20, enabled: true, windowMs: 60_000}, 'service-2')
    sandbox.control.setReleasePhase('service-2', {outcome: 'fail'})
    sandbox.control.setConfigVar('service-2', 'UNRELATED', 'x')
    sandbox.control.setDynoState('service-2', 'worker.1', 'crashed', {restartAfterMs: 60_000})

    const text = await runCommand(Status, ['-a', 'service-1', '--dynos'], env)
    const lines = unwrapped(text.stdout)
    expect(lines).to.match(/service-3: 1 of \d dynos .*\(release v\d+: run\.1\)/)
    expect(lines).to.not.include('diverged')
    expect(lines).to.match(/service-2: release v\d+ failed its release phase: no dyno runs it \(fix the release command, then heroku releases:retry -a service-2\)/)
    expect(lines).to.include('service-2: worker.1 crashed: no process, no key; back on the newest release')
    expect(lines).to.match(/service-2: preboot is on: the web dynos replaced by the last release may serve, unlisted, until \d\d:\d\d:\d\d UTC/)
    expect(lines).to.match(/service-3: one-off run\.1 \(v\d+\): each keeps its release until it exits/)

    const json = await runCommand(Status, ['-a', 'service-1', '--dynos', '--json'], env)
    const apps = JSON.parse(json.stdout).keys[0].apps as Array<{app: string, dynos: {down: unknown[], newest_release: null | {status: string}, one_off: Array<{dyno: string}>, stale: Array<{state: string}>}}>
    const byApp = new Map(apps.map(app => [app.app, app.dynos]))
    expect(byApp.get('service-3')!.stale.map(group => group.state)).to.deep.equal(['staged'])
    expect(byApp.get('service-3')!.one_off.map(dyno => dyno.dyno)).to.deep.equal(['run.1'])
    expect(byApp.get('service-2')!.newest_release?.status).to.equal('failed')
    expect(byApp.get('service-2')!.down).to.deep.equal([{dyno: 'worker.1', state: 'crashed'}])
  })
})
