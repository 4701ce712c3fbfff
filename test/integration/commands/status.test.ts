/* eslint-disable camelcase -- the Platform API's and the --json document's snake_case fields */
import {expect} from 'chai'

import {type RequestLogEntry, type Sandbox, startSandbox} from '../../../sandbox/index.js'
import Status from '../../../src/commands/securekey/status.js'
import {expectNoKeyValue, text} from '../../helpers/output.js'
import {runCommand} from '../../helpers/run-command.js'
import {
  keysIn, provisionWithPeers, sandboxApi, sandboxEnv,
} from '../../helpers/sandbox-setup.js'

const PEER_VAR = 'SERVICE_ONE_SECURE_KEY'

/** The config as of one release, read the way a client would (the control surface has no such call). */
const releaseConfig = (sandbox: Sandbox, app: string, version: number) => sandboxApi<Record<string, string>>(sandbox, 'GET', `/apps/${app}/releases/${version}/config-vars`)

const run = (sandbox: Sandbox, argv: string[]) => runCommand(Status, argv, sandboxEnv(sandbox))
const configReads = (log: RequestLogEntry[]) => log.filter(entry => entry.method === 'GET' && /^\/apps\/[^/]+\/config-vars$/.test(entry.path))

/** All of `entries` were in flight together: each started before the first one ended. */
function expectOneWave(entries: RequestLogEntry[]): void {
  const firstEnd = Math.min(...entries.map(entry => entry.end))
  for (const entry of entries) expect(entry.start, `${entry.path} started after another request of its wave had ended`).to.be.below(firstEnd)
}

describe('securekey:status against the sandbox', () => {
  let sandbox: Sandbox
  const apps = ['service-1', 'service-2', 'service-3']

  afterEach(async () => {
    await sandbox?.close()
  })

  describe('with the add-on on service-1 shared with service-2 and service-3', () => {
    let addon: {id: string, name: string}

    beforeEach(async () => {
      sandbox = await startSandbox({latencyMs: 40, seed: 'status'})
      addon = (await provisionWithPeers(sandbox, ['service-2', 'service-3'], 'SERVICE_ONE_SECURE')).addon
    })

    it('reports every app in sync from a peer (-a service-2) in 1 + 1 + N requests, the config vars in one wave', async () => {
      const result = await run(sandbox, ['-a', 'service-2'])

      expect(result.exitCode, result.stderr).to.equal(0)
      expect(text(result)).to.include(`=== ${addon.name} (owner service-1, securekey:fortnightly, provisioned)`)
      expect(text(result)).to.match(/3\/3 apps in sync \(LATEST skfp1:[\da-f]{16}\)/)
      const log = sandbox.control.requests()
      expect(log.map(entry => `${entry.method} ${entry.path}`)).to.have.members([
        'GET /apps/service-2/addons',
        `GET /addons/${addon.id}/addon-attachments`,
        'GET /apps/service-1/config-vars',
        'GET /apps/service-2/config-vars',
        'GET /apps/service-3/config-vars',
      ])
      expect(log).to.have.length(5)
      // service-2's own config is read beside its add-on list (it may hold a self-managed key too) and reused; the
      // other holders' configs follow in one wave, after the attachments.
      const [own, ...others] = [configReads(log).find(entry => entry.path === '/apps/service-2/config-vars')!, ...configReads(log).filter(entry => entry.path !== '/apps/service-2/config-vars')]
      expectOneWave([log.find(entry => entry.path === '/apps/service-2/addons')!, own])
      expectOneWave(others)
      const attachments = log.find(entry => entry.path.endsWith('/addon-attachments'))!
      expect(Math.min(...others.map(entry => entry.start))).to.be.above(attachments.end - 1)
      expectNoKeyValue(result, keysIn(sandbox, apps))
    })

    it('with an add-on name: one read of the add-on, the attachments and N config reads, nothing else', async () => {
      const result = await run(sandbox, [addon.name, '--check'])

      expect(result.exitCode, result.stderr).to.equal(0)
      const log = sandbox.control.requests()
      expect(log.map(entry => `${entry.method} ${entry.path}`).slice(0, 2)).to.deep.equal([`GET /addons/${addon.name}`, `GET /addons/${addon.id}/addon-attachments`])
      expect(configReads(log)).to.have.length(3)
      expect(log).to.have.length(5)
      expectOneWave(configReads(log))
    })

    it('shows the app a rotation has not reached as behind, and the held dynos of another still on the previous key', async () => {
      sandbox.control.holdDynos('service-2', ['web.1', 'web.2'])
      const rotation = sandbox.control.rotate(addon.name, {delayMs: {'service-3': 60_000}})
      const heldRelease = sandbox.control.dynos('service-2').find(dyno => dyno.name === 'web.1')!.release!.version!
      sandbox.control.clearRequests()

      const result = await run(sandbox, ['-a', 'service-2', '--dynos'])

      expect(result.exitCode, result.stderr).to.equal(0)
      expect(text(result)).to.match(/service-3\s+SERVICE_ONE_SECURE\s+SERVICE_ONE_SECURE_KEY\s+skfp1:\w+\s+skfp1:\w+\s+behind/)
      expect(text(result)).to.match(/2\/3 apps in sync \(LATEST skfp1:\w+\); behind: service-3/)
      expect(text(result)).to.include(`service-2: 2 of 3 dynos still run the previous key (release v${heldRelease}: web.1, web.2)`)
      expect(text(result)).to.match(/service-1: all 3 dynos run the key in its config/)
      // Only the held release's config is read: once, and never a current release's.
      const releaseReads = sandbox.control.requests().filter(entry => entry.path.endsWith('/config-vars') && entry.path.includes('/releases/'))
      expect(releaseReads.map(entry => entry.path)).to.deep.equal([`/apps/service-2/releases/${heldRelease}/config-vars`])
      const held = await releaseConfig(sandbox, 'service-2', heldRelease)
      expectNoKeyValue(result, [...keysIn(sandbox, apps), held[PEER_VAR], ...held[PEER_VAR].split(',')])

      sandbox.control.flushRotations()
      await rotation
    })

    it('puts the dynos report in --json, and a request wave per step', async () => {
      sandbox.control.holdDynos('service-2', ['web.1', 'web.2'])
      const rotation = sandbox.control.rotate(addon.name)
      sandbox.control.clearRequests()

      const result = await run(sandbox, [addon.name, '--dynos', '--json'])

      expect(result.exitCode, result.stderr).to.equal(0)
      const document = JSON.parse(result.stdout)
      const service2 = document.keys[0].apps.find((app: {app: string}) => app.app === 'service-2')
      expect(service2.state).to.equal('in_sync')
      expect(service2.dynos).to.deep.include({on_current_key: 1, total: 3})
      expect(service2.dynos.stale).to.have.length(1)
      expect(service2.dynos.stale[0]).to.deep.include({dynos: ['web.1', 'web.2'], state: 'behind'})
      const log = sandbox.control.requests()
      const listing = log.filter(entry => /\/(dynos|releases)$/.test(entry.path))
      expect(listing).to.have.length(6)
      expectOneWave(listing)
      expect(log.filter(entry => entry.path.includes('/releases/'))).to.have.length(1)
      expectNoKeyValue(result, keysIn(sandbox, apps))
      await rotation
    })

    it('calls a value overwritten by hand diverged, without showing it', async () => {
      const handWritten = `${'ab'.repeat(32)},${'cd'.repeat(32)}`
      sandbox.control.setConfigVar('service-3', PEER_VAR, handWritten)

      const result = await run(sandbox, ['-a', 'service-1', '--check'])

      expect(result.exitCode).to.equal(1)
      expect(text(result)).to.match(/service-3\s+SERVICE_ONE_SECURE\s+SERVICE_ONE_SECURE_KEY\s+skfp1:\w+\s+skfp1:\w+\s+diverged\s+LATEST matches neither/)
      expect(text(result)).to.include('Not every app is in sync: service-3 (diverged).')
      expectNoKeyValue(result, [...keysIn(sandbox, apps), handWritten])
    })

    it('reports a peer whose config it may not read as unreachable, and the others still in sync', async () => {
      // The sandbox hides attachments on its forbiddenApps, so a 403 on that one read stands in for a peer without access.
      sandbox.control.injectFault({
        body: {id: 'forbidden', message: 'You do not have access to the app service-3.'}, count: 10, method: 'GET', path: '/apps/service-3/config-vars', status: 403,
      })

      const result = await run(sandbox, [addon.name, '--json'])

      expect(result.exitCode, result.stderr).to.equal(0)
      const [report] = JSON.parse(result.stdout).keys
      expect(report.apps.map((app: {app: string, state: string}) => `${app.app} ${app.state}`)).to.deep.equal(['service-1 in_sync', 'service-2 in_sync', 'service-3 unreachable'])
      expect(report.apps[2].reason).to.equal('You do not have access to the app service-3. (forbidden, HTTP 403)')
      expect(report.summary).to.deep.include({all_in_sync: false, in_sync: 2, total: 3})
      expect(configReads(sandbox.control.requests()).filter(entry => entry.path === '/apps/service-3/config-vars')).to.have.length(1)
    })

    it('when the owner\'s own value is gone, calls the peers unknown and says they agree with each other', async () => {
      sandbox.control.setConfigVar('service-1', 'SECURE_KEY', null)

      const result = await run(sandbox, [addon.name])

      expect(result.exitCode).to.equal(0)
      expect(text(result)).to.match(/service-1\s+SECURE\s+SECURE_KEY\s+missing/)
      expect(text(result)).to.match(/service-2\s+SERVICE_ONE_SECURE\s+SERVICE_ONE_SECURE_KEY\s+skfp1:\w+\s+skfp1:\w+\s+unknown/)
      const summary = '0/3 apps in sync (no reference: SECURE_KEY on service-1 (the owner) is not set); missing: service-1; unknown: service-2, service-3'
      expect(text(result)).to.include(`${summary}; readable apps agree with each other`)
    })

    it('--check: exit 0 in sync, exit 1 while a peer is behind', async () => {
      expect((await run(sandbox, ['-a', 'service-3', '--check'])).exitCode).to.equal(0)
      const rotation = sandbox.control.rotate(addon.name, {delayMs: {'service-2': 60_000}})
      const behind = await run(sandbox, ['-a', 'service-3', '--check'])
      expect(behind.exitCode).to.equal(1)
      expect(text(behind)).to.include('Not every app is in sync: service-2 (behind).')
      expectNoKeyValue(behind, keysIn(sandbox, apps))
      sandbox.control.flushRotations()
      await rotation
      expect((await run(sandbox, ['-a', 'service-3', '--check'])).exitCode).to.equal(0)
    })

    it('--wait ends with exit 0 when the lagging app catches up', async () => {
      const rotation = sandbox.control.rotate(addon.name, {delayMs: {'service-2': 60_000}})
      sandbox.control.clearRequests()
      // service-2 catches up once the first poll has read it behind, however slow the machine is.
      const flush = setInterval(() => {
        if (sandbox.control.requests().some(entry => entry.path === '/apps/service-2/config-vars')) {
          sandbox.control.flushRotations()
          clearInterval(flush)
        }
      }, 10)

      const result = await run(sandbox, ['-a', 'service-1', '--wait', '--timeout', '30s'])
      clearInterval(flush)
      await rotation

      expect(result.exitCode, result.stderr).to.equal(0)
      expect(text(result)).to.match(/3\/3 apps in sync/)
      const polls = sandbox.control.requests().filter(entry => entry.path.endsWith('/addon-attachments'))
      expect(polls.length, 'polled more than once').to.be.at.least(2)
      expectNoKeyValue(result, keysIn(sandbox, apps))
    })

    it('--wait gives up at --timeout with exit 1 and the last table', async () => {
      const rotation = sandbox.control.rotate(addon.name, {delayMs: {'service-2': 60_000}})

      const result = await run(sandbox, [addon.name, '--wait', '--timeout', '400ms'])

      expect(result.exitCode).to.equal(1)
      expect(result.stdout).to.match(/2\/3 apps in sync/)
      expect(text(result)).to.include('Not every app was in sync after 400ms: service-2 (behind).')
      sandbox.control.flushRotations()
      await rotation
    })

    it('--wait polls less often when RateLimit-Remaining runs low', async () => {
      const rotation = sandbox.control.rotate(addon.name, {delayMs: {'service-2': 60_000}})
      const pollsWith = async (remaining: number) => {
        sandbox.control.setRateLimitRemaining(remaining)
        sandbox.control.clearRequests()
        const result = await run(sandbox, [addon.name, '--wait', '--timeout', '700ms'])
        expect(result.exitCode).to.equal(1)
        return sandbox.control.requests().filter(entry => entry.path.endsWith('/addon-attachments')).length
      }

      // 50 ms, ×1.5, capped at 750 ms: several polls in 700 ms; with under 100 requests left, one pause of 1.5 s cut at the
      // timeout, so one poll and the last one.
      expect(await pollsWith(4000)).to.be.at.least(3)
      expect(await pollsWith(60)).to.equal(2)
      sandbox.control.flushRotations()
      await rotation
    })

    it('--history finds the rotation on the owner and the next one a fortnight later', async () => {
      await sandbox.control.rotate(addon.name)
      const rotated = sandbox.control.releases('service-1').at(-1)!
      sandbox.control.setConfigVar('service-1', 'LANG', 'de_DE.UTF-8')
      sandbox.control.setConfigVar('service-1', 'NODE_ENV', 'staging')

      const result = await run(sandbox, [addon.name, '--history', '--json'])

      expect(result.exitCode, result.stderr).to.equal(0)
      const {history} = JSON.parse(result.stdout).keys[0]
      expect(history.last_change).to.deep.include({at: rotated.created_at, kind: 'rotated', release: rotated.version})
      expect(history.interval_days).to.equal(14)
      expect(Date.parse(history.next_expected) - Date.parse(rotated.created_at!)).to.equal(14 * 86_400_000)
      expect(history.requests).to.be.at.most(1 + Math.ceil(Math.log2(history.searched_releases)) + 1)
      const human = await run(sandbox, [addon.name, '--history'])
      expect(text(human)).to.include(`Last rotation on service-1: release v${rotated.version}`)
      expect(text(human)).to.match(/Next rotation expected: \S+ \(in 13d 23h; securekey:fortnightly, every 14 days\)/)
    })
  })

  it('reads a long attachment list page by page, then every app in one wave', async () => {
    sandbox = await startSandbox({
      apps: 8, latencyMs: 40, pageSize: 3, seed: 'paging',
    })
    const peers = Array.from({length: 7}, (_, i) => `service-${i + 2}`)
    const {addon} = await provisionWithPeers(sandbox, peers, 'SERVICE_ONE_SECURE')

    const result = await run(sandbox, [addon.name, '--json'])

    expect(result.exitCode, result.stderr).to.equal(0)
    const document = JSON.parse(result.stdout)
    expect(document.summary).to.deep.equal({
      all_in_sync: true, in_sync: 8, keys: 1, total: 8,
    })
    expect(document.keys[0].apps.map((app: {app: string}) => app.app)).to.deep.equal(['service-1', ...peers])
    const log = sandbox.control.requests()
    expect(log.filter(entry => entry.path.endsWith('/addon-attachments'))).to.have.length(3)
    expect(configReads(log)).to.have.length(8)
    expect(log).to.have.length(1 + 3 + 8)
    expectOneWave(configReads(log))
    expectNoKeyValue(result, keysIn(sandbox, ['service-1', ...peers]))
  })

  it('says what to do when the app holds no securekey add-on, sending nothing but the lookups (its add-ons, then its config for a self-managed key)', async () => {
    sandbox = await startSandbox({seed: 'none'})

    const result = await run(sandbox, ['-a', 'service-2'])

    expect(result.exitCode).to.equal(1)
    expect(text(result)).to.include('service-2 holds no shared key: no securekey add-on is attached to it and it holds no self-managed key.')
    expect((result.error as Error & {suggestions?: string[]}).suggestions).to.deep.equal(['heroku securekey:provision -a service-2', 'heroku securekey:attach --from <owner-app> -a service-2'])
    expect(sandbox.control.requests().map(entry => `${entry.method} ${entry.path}`)).to.deep.equal(['GET /apps/service-2/addons', 'GET /apps/service-2/config-vars'])
  })
})
