import {expect} from 'chai'

import {
  type Sandbox, type SandboxEvent, startSandbox,
} from '../../sandbox/index.js'
import {randomness} from '../../sandbox/random.js'
import {pause} from '../../src/core/wait.js'
import {type KeyHolder, refusedPairs} from '../helpers/key-acceptance.js'
import {waitFor} from '../helpers/wait-for.js'
import {raw} from './sandbox/http.js'

/** The order the sandbox's seeded draws give the formation dynos web.1, web.2, worker.1 of `app`, soonest first. */
function seededOrder(seed: string, app: string, minMs: number, maxMs: number): string[] {
  const stream = randomness(seed, `restarts:${app}`)
  const drawn = ['web.1', 'web.2', 'worker.1'].map(name => ({delay: minMs + stream.int(maxMs - minMs + 1), name}))
  return drawn.sort((a, b) => a.delay - b.delay).map(dyno => dyno.name)
}

const holders: KeyHolder[] = [{app: 'service-1', configVar: 'ROT_KEY'}, {app: 'service-2', configVar: 'ROT_KEY'}]

describe('sandbox: dynos (late restarts, one-off dynos, restart and stop) and the safety measure', () => {
  let sandbox: Sandbox
  let api: ReturnType<typeof raw>
  let events: SandboxEvent[]

  const start = async (options: Parameters<typeof startSandbox>[0] = {}) => {
    sandbox = await startSandbox({seed: 'dynos', ...options})
    api = raw(sandbox)
    events = []
    sandbox.control.onEvent(event => events.push(event))
  }

  const versions = (app: string) => Object.fromEntries(sandbox.control.dynos(app).map(dyno => [dyno.name, dyno.release!.version]))
  const current = (app: string) => sandbox.control.releases(app).at(-1)!.version!
  const restarts = (app: string) => events.filter(event => event.type === 'dyno-restarted' && event.app === app)

  /** ROT_KEY by app, as a user's config:set. */
  const set = (values: Record<string, string>) => {
    for (const [app, value] of Object.entries(values)) sandbox.control.setConfigVar(app, 'ROT_KEY', value)
  }

  const patchBoth = (value: string) => Promise.all(holders.map(({app}) => api('PATCH', `/apps/${app}/config-vars`, {body: {ROT_KEY: value}})))

  /** What securekey:rotate reads between its two writes: the release of every dyno, and that release's config. */
  const everyDynoHas = async (key: string) => {
    for (const {app} of holders) {
      // eslint-disable-next-line no-await-in-loop
      const {body: dynos} = await api('GET', `/apps/${app}/dynos`)
      for (const dyno of dynos) {
        // eslint-disable-next-line no-await-in-loop
        const {body: config} = await api('GET', `/apps/${app}/releases/${dyno.release.version}/config-vars`)
        if (!config.ROT_KEY.split(',').includes(key)) return false
      }
    }

    return true
  }

  afterEach(() => sandbox?.close())

  describe('late restarts', () => {
    const delay = {maxMs: 110, minMs: 50, seed: 'late'}

    it('keeps each dyno on its old release until its own seeded delay passes, then restarts it onto the new one', async () => {
      await start({restartDelay: delay})
      const old = current('service-1')
      const started = performance.now()
      expect((await api('PATCH', '/apps/service-1/config-vars', {body: {FOO: 'bar'}})).status).to.equal(200)
      expect(versions('service-1'), 'nobody restarted yet').to.deep.equal({'web.1': old, 'web.2': old, 'worker.1': old})
      expect(sandbox.control.dynos('service-1').every(dyno => dyno.state === 'up')).to.equal(true)

      await waitFor(() => restarts('service-1').length === 3)
      expect(performance.now() - started).to.be.greaterThan(delay.minMs - 2)
      expect(restarts('service-1').map(event => event.dyno)).to.deep.equal(seededOrder('late', 'service-1', delay.minMs, delay.maxMs))
      const {body} = await api('GET', '/apps/service-1/dynos')
      expect(body.map((dyno: {release: {version: number}}) => dyno.release.version)).to.deep.equal([old + 1, old + 1, old + 1])
    })

    it('lands a dyno on the newest release when a later release comes before its restart, restarting it once', async () => {
      await start({restartDelay: delay})
      sandbox.control.setConfigVar('service-1', 'FOO', 'one')
      sandbox.control.setConfigVar('service-1', 'FOO', 'two')
      const newest = current('service-1')

      await waitFor(() => restarts('service-1').length === 3)
      await pause(delay.maxMs + 10)
      expect(restarts('service-1').map(event => [event.dyno, event.version])).to.deep.equal(seededOrder('late', 'service-1', delay.minMs, delay.maxMs).map(name => [name, newest]))
      expect(versions('service-1')).to.deep.equal({'web.1': newest, 'web.2': newest, 'worker.1': newest})
    })

    it('can differ by app, be set over the control surface, and is dropped with its timers on close', async () => {
      await start()
      expect((await api('POST', '/__sandbox/restart-delay', {body: {maxMs: 1, minMs: 2}})).status, 'min above max').to.equal(422)
      expect((await api('POST', '/__sandbox/restart-delay', {body: {app: 'service-2', maxMs: 40, minMs: 20}})).status).to.equal(200)
      sandbox.control.setConfigVar('service-1', 'FOO', 'bar')
      sandbox.control.setConfigVar('service-2', 'FOO', 'bar')
      expect(restarts('service-1'), 'service-1 is still instant').to.have.length(3)
      expect(restarts('service-2')).to.have.length(0)

      await sandbox.close()
      await pause(60)
      expect(restarts('service-2'), 'no timer fired after close').to.have.length(0)
    })
  })

  describe('one-off dynos', () => {
    it('run on the release they started on, are listed with type run or scheduler, and never restart onto a later one', async () => {
      await start()
      const first = current('service-1')
      const run = sandbox.control.runOneOff('service-1')
      const job = sandbox.control.runOneOff('service-1', {command: 'node job.js', type: 'scheduler'})
      expect([run.name, run.type, job.name, job.type, job.command]).to.deep.equal(['run.1', 'run', 'scheduler.1', 'scheduler', 'node job.js'])

      sandbox.control.setConfigVar('service-1', 'FOO', 'bar')
      expect(sandbox.control.runOneOff('service-1').name).to.equal('run.2')
      const {body, status} = await api('GET', '/apps/service-1/dynos')
      expect(status).to.equal(200)
      const listed = Object.fromEntries(body.map((dyno: {name: string, release: {version: number}, type: string}) => [dyno.name, `${dyno.type} v${dyno.release.version}`]))
      expect(listed).to.deep.equal({
        'run.1': `run v${first}`,
        'run.2': `run v${first + 1}`,
        'scheduler.1': `scheduler v${first}`,
        'web.1': `web v${first + 1}`,
        'web.2': `web v${first + 1}`,
        'worker.1': `worker v${first + 1}`,
      })
      expect(sandbox.control.releaseConfigVars('service-1', first).FOO, 'what run.1 runs with').to.equal(undefined)
    })

    it('can be started and stopped over the control surface', async () => {
      await start()
      const created = await api('POST', '/__sandbox/apps/service-3/one-off', {body: {type: 'scheduler'}})
      expect([created.status, created.body.name]).to.deep.equal([201, 'scheduler.1'])
      expect((await api('POST', '/__sandbox/apps/service-3/one-off', {body: {type: 'web'}})).status).to.equal(422)
      const stopped = await api('POST', '/__sandbox/apps/service-3/dynos/scheduler.1/stop')
      expect(stopped.body.map((dyno: {name: string}) => dyno.name)).to.deep.equal(['web.1', 'web.2', 'worker.1'])
    })
  })

  describe('restart and stop through the Platform API', () => {
    it('DELETE /apps/{app}/dynos restarts every formation dyno (held and late ones too) onto the current release and ends one-off dynos', async () => {
      await start({restartDelay: {maxMs: 5000, minMs: 5000}})
      sandbox.control.holdDynos('service-2', ['web.2'])
      sandbox.control.runOneOff('service-2')
      sandbox.control.setConfigVar('service-2', 'FOO', 'bar')
      const newest = current('service-2')
      sandbox.control.clearRequests()

      const {body, status} = await api('DELETE', '/apps/service-2/dynos')
      expect([status, body]).to.deep.equal([202, {}])
      expect(versions('service-2')).to.deep.equal({'web.1': newest, 'web.2': newest, 'worker.1': newest})
      expect(restarts('service-2').map(event => event.dyno)).to.deep.equal(['web.1', 'web.2', 'worker.1'])
      expect(sandbox.control.requests().map(entry => `${entry.method} ${entry.path} ${entry.status}`)).to.deep.equal(['DELETE /apps/service-2/dynos 202'])

      // Were the 5 s restarts still pending, these dynos would wait for them instead of the next release's.
      sandbox.control.setRestartDelay({maxMs: 20, minMs: 10})
      sandbox.control.setConfigVar('service-2', 'FOO', 'baz')
      await waitFor(() => restarts('service-2').length === 6, 1000)
      expect(versions('service-2')['web.2'], 'the restart ended the hold').to.equal(newest + 1)
    })

    it('DELETE /apps/{app}/dynos/{dyno} and POST .../actions/stop end a one-off dyno and bring a formation dyno back on the current release', async () => {
      await start()
      sandbox.control.runOneOff('service-1')
      sandbox.control.runOneOff('service-1')
      sandbox.control.holdDynos('service-1')
      sandbox.control.setConfigVar('service-1', 'FOO', 'bar')
      const newest = current('service-1')

      expect(await api('DELETE', '/apps/service-1/dynos/run.1').then(r => [r.status, r.body])).to.deep.equal([202, {}])
      expect(await api('POST', '/apps/service-1/dynos/run.2/actions/stop').then(r => [r.status, r.body])).to.deep.equal([202, {}])
      expect((await api('DELETE', '/apps/service-1/dynos/web.1')).status).to.equal(202)
      expect((await api('POST', '/apps/service-1/dynos/worker.1/actions/stop')).status).to.equal(202)
      expect(versions('service-1')).to.deep.equal({'web.1': newest, 'web.2': newest - 1, 'worker.1': newest})

      const missing = await api('DELETE', '/apps/service-1/dynos/run.1')
      expect([missing.status, missing.body.resource]).to.deep.equal([404, 'dyno'])
      expect((await api('POST', '/apps/service-1/dynos/nope.1/actions/stop')).status).to.equal(404)
      expect(events.filter(event => event.type === 'dyno-stopped').map(event => event.dyno)).to.deep.equal(['run.1', 'run.2'])
    })
  })

  describe('config vars an attachment sets', () => {
    it('refuses to set or remove them with PATCH /apps/{app}/config-vars (422, nothing changes); other vars and the control surface are free', async () => {
      await start()
      const addon = (await api('POST', '/apps/service-1/addons', {body: {plan: 'securekey:fortnightly'}})).body.name
      await api('POST', '/addon-attachments', {body: {addon, app: 'service-2', name: 'SERVICE_ONE_SECURE'}})
      const before = {config: sandbox.control.configVars('service-1'), releases: current('service-1')}

      for (const body of [{SECURE_KEY: 'mine'}, {FOO: 'bar', SECURE_KEY: null}]) {
        // eslint-disable-next-line no-await-in-loop
        const refused = await api('PATCH', '/apps/service-1/config-vars', {body})
        expect([refused.status, refused.body]).to.deep.equal([422, {id: 'invalid_params', message: 'Cannot overwrite attachment values SECURE_KEY.'}])
      }

      expect({config: sandbox.control.configVars('service-1'), releases: current('service-1')}).to.deep.equal(before)
      expect((await api('PATCH', '/apps/service-2/config-vars', {body: {SERVICE_ONE_SECURE_KEY: null}})).status).to.equal(422)
      expect((await api('PATCH', '/apps/service-3/config-vars', {body: {SECURE_KEY: 'plain'}})).status, 'no attachment there').to.equal(200)
      expect((await api('PATCH', '/__sandbox/apps/service-2/config-vars', {body: {SERVICE_ONE_SECURE_KEY: 'hand-made'}})).status).to.equal(200)
    })
  })

  describe('onEvent', () => {
    it('reports a release, then each dyno restart, synchronously and in order; one-off starts and stops; and stops after unsubscribing', async () => {
      await start()
      const seen: string[] = []
      const unsubscribe = sandbox.control.onEvent(event => {
        const dynos = versions(event.app)
        seen.push(`${event.type} ${event.dyno ?? ''} v${event.version} current v${current(event.app)} web.1 v${dynos['web.1']}`.replace('  ', ' '))
      })
      const old = current('service-3')
      await api('PATCH', '/apps/service-3/config-vars', {body: {FOO: 'bar'}})
      sandbox.control.runOneOff('service-3')
      sandbox.control.stopDyno('service-3', 'run.1')
      unsubscribe()
      sandbox.control.setConfigVar('service-3', 'FOO', 'baz')

      const v = old + 1
      expect(seen).to.deep.equal([
        `release v${v} current v${v} web.1 v${old}`,
        `dyno-restarted web.1 v${v} current v${v} web.1 v${v}`,
        `dyno-restarted web.2 v${v} current v${v} web.1 v${v}`,
        `dyno-restarted worker.1 v${v} current v${v} web.1 v${v}`,
        `dyno-started run.1 v${v} current v${v} web.1 v${v}`,
        `dyno-stopped run.1 v${v} current v${v} web.1 v${v}`,
      ])
    })
  })

  describe('refusedPairs', () => {
    it('counts the cross-app pairs whose signing key the receiver does not accept, by dyno name', async () => {
      await start({apps: 2})
      set({'service-1': 'CUR,OLD', 'service-2': 'CUR,OLD'})
      expect(refusedPairs(sandbox.control, holders)).to.deep.equal({pairs: 18, refused: []})

      set({'service-1': 'NEW,CUR'})
      const {pairs, refused} = refusedPairs(sandbox.control, holders)
      expect(pairs).to.equal(18)
      expect(refused).to.have.length(9)
      expect(refused[0]).to.deep.equal({from: 'service-1/web.1', to: 'service-2/web.1'})
      expect(refused.every(pair => pair.from.startsWith('service-1/'))).to.equal(true)
    })

    it('finds no refusal when "CUR,NEW" is everywhere before "NEW,CUR", except for a one-off dyno still on "CUR,OLD"', async () => {
      await start({apps: 2})
      set({'service-1': 'CUR,OLD', 'service-2': 'CUR,OLD'})
      sandbox.control.runOneOff('service-2')
      set({'service-1': 'CUR,NEW', 'service-2': 'CUR,NEW'})
      const withoutOneOff = () => refusedPairs(sandbox.control, holders).refused.filter(pair => !pair.to.endsWith('/run.1'))
      expect(refusedPairs(sandbox.control, holders).refused).to.deep.equal([])

      set({'service-1': 'NEW,CUR'})
      expect(withoutOneOff()).to.deep.equal([])
      expect(refusedPairs(sandbox.control, holders).refused.map(pair => pair.to)).to.deep.equal(['service-2/run.1', 'service-2/run.1', 'service-2/run.1'])
      set({'service-2': 'NEW,CUR'})
      expect(withoutOneOff()).to.deep.equal([])
    })

    it('measured on every event with late restarts: a staged rotation that waits for the dynos is never refused, a rushed one is', async () => {
      await start({apps: 2, restartDelay: {maxMs: 80, minMs: 10, seed: 'staged'}})
      const settled = () => holders.every(({app}) => sandbox.control.dynos(app).every(dyno => dyno.release!.version === current(app)))
      set({'service-1': 'CUR,OLD', 'service-2': 'CUR,OLD'})
      await waitFor(settled)
      let worst = 0
      sandbox.control.onEvent(() => {
        worst = Math.max(worst, refusedPairs(sandbox.control, holders).refused.length)
      })
      await patchBoth('CUR,NEW')
      for (;;) {
        // eslint-disable-next-line no-await-in-loop
        if (await everyDynoHas('NEW')) break
        // eslint-disable-next-line no-await-in-loop
        await pause(5)
      }

      await patchBoth('NEW,CUR')
      await waitFor(settled)
      expect(worst, 'staged and waited').to.equal(0)

      set({'service-1': 'NEW,NXT', 'service-2': 'NEW,NXT'})
      set({'service-1': 'NXT,NEW', 'service-2': 'NXT,NEW'})
      await waitFor(settled)
      expect(worst, 'rushed: the second write did not wait for the dynos').to.be.greaterThan(0)
    })
  })
})
