import {expect} from 'chai'

import {
  type Sandbox, type SandboxEvent, startSandbox,
} from '../../sandbox/index.js'
import {pause} from '../../src/core/wait.js'
import {type KeyHolder, refusedPairs} from '../helpers/key-acceptance.js'
import {waitFor} from '../helpers/wait-for.js'
import {raw} from './sandbox/http.js'

interface DynoJson {
  command: string
  created_at: string
  id: string
  name: string
  release: null | {version: number}
  state: string
  type: string
}

const byName = (list: DynoJson[]) => list.sort((a, b) => a.name.localeCompare(b.name))

const holders: KeyHolder[] = [{app: 'service-1', configVar: 'ROT_KEY'}, {app: 'service-2', configVar: 'ROT_KEY'}]
const DAY = 86_400_000

describe('sandbox: what a rotation barrier must know about the platform (preboot, release phase, one-off commands, dyno states, the rate limit)', () => {
  let sandbox: Sandbox
  let api: ReturnType<typeof raw>
  let events: SandboxEvent[]

  const start = async (options: Parameters<typeof startSandbox>[0] = {}) => {
    sandbox = await startSandbox({seed: 'platform', ...options})
    api = raw(sandbox)
    events = []
    sandbox.control.onEvent(event => events.push(event))
  }

  /** The API lists dynos by id; by name here. */
  const dynos = async (app: string): Promise<DynoJson[]> => byName((await api('GET', `/apps/${app}/dynos`)).body)
  /** `name state vN` for each listed dyno. */
  const listed = async (app: string) => (await dynos(app)).map(dyno => `${dyno.name} ${dyno.state} v${dyno.release?.version}`)
  const unlisted = (app: string) => sandbox.control.runningDynos(app).filter(dyno => !dyno.listed).map(dyno => `${dyno.name} v${dyno.version}`)
  const current = (app: string) => sandbox.control.releases(app).find(release => release.current)!.version!
  const set = (values: Record<string, string>) => {
    for (const [app, value] of Object.entries(values)) sandbox.control.setConfigVar(app, 'ROT_KEY', value)
  }

  afterEach(() => sandbox?.close())

  describe('preboot', () => {
    it('lists app features in the schema\'s shape and turns preboot on and off with PATCH, restarting nothing', async () => {
      await start()
      const list = await api('GET', '/apps/service-1/features')
      expect(list.status).to.equal(200)
      expect(list.body.map((feature: {name: string}) => feature.name)).to.include('preboot')
      const info = await api('GET', '/apps/service-1/features/preboot')
      expect(info.status).to.equal(200)
      expect(Object.keys(info.body).sort()).to.deep.equal(['created_at', 'description', 'display_name', 'doc_url', 'enabled', 'feedback_email', 'id', 'name', 'state', 'updated_at'])
      expect([info.body.name, info.body.enabled]).to.deep.equal(['preboot', false])
      expect((await api('GET', `/apps/service-1/features/${info.body.id}`)).body.name, 'by id').to.equal('preboot')

      const before = await listed('service-1')
      const patched = await api('PATCH', '/apps/service-1/features/preboot', {body: {enabled: true}})
      expect([patched.status, patched.body.enabled]).to.deep.equal([200, true])
      expect((await api('GET', '/apps/service-1/features/preboot')).body.enabled).to.equal(true)
      expect((await api('GET', '/apps/service-2/features/preboot')).body.enabled, 'per app').to.equal(false)
      expect(await listed('service-1'), 'turning preboot on restarts nothing').to.deep.equal(before)
      expect(events).to.deep.equal([])

      expect((await api('PATCH', '/apps/service-1/features/preboot', {body: {}})).status).to.equal(422)
      const missing = await api('GET', '/apps/service-1/features/nope')
      expect([missing.status, missing.body.id, missing.body.resource]).to.deep.equal([404, 'not_found', 'app_feature'])
    })

    it('after a release lists new web dynos (starting, then up) while the old ones serve unlisted for 3 minutes of sandbox time; refusedPairs counts them', async () => {
      await start({apps: 2})
      set({'service-1': 'CUR,OLD', 'service-2': 'CUR,OLD'})
      const old = current('service-1')
      const oldIds = (await dynos('service-1')).map(dyno => dyno.id)
      sandbox.control.setPreboot({enabled: true}, 'service-1')
      await sandbox.control.advanceClock(DAY)

      set({'service-1': 'NEW,CUR'})
      const v = old + 1
      const after = await dynos('service-1')
      expect(after.map(dyno => `${dyno.name} ${dyno.state} v${dyno.release!.version}`)).to.deep.equal([`web.1 starting v${v}`, `web.2 starting v${v}`, `worker.1 up v${v}`])
      expect(after.map(dyno => dyno.id === oldIds[after.indexOf(dyno)]), 'new web dynos, the worker restarted in place').to.deep.equal([false, false, true])
      expect(Date.parse(after[0].created_at) - Date.now(), 'created_at is on the sandbox clock').to.be.greaterThan(DAY - 5000)
      expect(unlisted('service-1')).to.deep.equal([`web.1 v${old}`, `web.2 v${old}`])

      // Every listed dyno has NEW; service-2 now writes "NEW,CUR": the old unlisted web dynos refuse it.
      set({'service-2': 'NEW,CUR'})
      const {pairs, refused} = refusedPairs(sandbox.control, holders)
      expect(pairs, '5 running dynos on service-1, 3 on service-2, both ways').to.equal(30)
      expect(refused.map(pair => pair.to)).to.have.length(6)
      expect(new Set(refused.map(pair => pair.to))).to.deep.equal(new Set([`service-1/web.1 (unlisted v${old})`, `service-1/web.2 (unlisted v${old})`]))

      await sandbox.control.advanceClock(5000)
      expect(await listed('service-1'), 'booted after 5 s').to.deep.equal([`web.1 up v${v}`, `web.2 up v${v}`, `worker.1 up v${v}`])
      await sandbox.control.advanceClock(174_000)
      expect(unlisted('service-1'), 'still serving at 179 s').to.have.length(2)
      await sandbox.control.advanceClock(1000)
      expect(unlisted('service-1'), 'stopped at 180 s').to.deep.equal([])
      expect(events.filter(event => event.unlisted).map(event => `${event.type} ${event.dyno} v${event.version}`)).to.deep.equal([`dyno-stopped web.1 v${old}`, `dyno-stopped web.2 v${old}`])
      expect(refusedPairs(sandbox.control, holders)).to.deep.equal({pairs: 18, refused: []})
    })

    it('takes its window and boot time from the control surface, globally or per app, on real time as the clock passes', async () => {
      await start()
      expect((await api('POST', '/__sandbox/preboot', {body: {bootMs: 10, enabled: true, windowMs: 40}})).status).to.equal(200)
      expect((await api('POST', '/__sandbox/preboot', {body: {app: 'service-2', windowMs: 5000}})).body).to.deep.equal({app: 'service-2', preboot: true})
      expect((await api('POST', '/__sandbox/preboot', {body: {windowMs: -1}})).status).to.equal(422)
      expect((await api('POST', '/__sandbox/preboot', {body: {enabled: true}})).status, 'keeps the timing set before').to.equal(200)
      sandbox.control.setConfigVar('service-1', 'FOO', 'bar')
      sandbox.control.setConfigVar('service-2', 'FOO', 'bar')
      const {body: state} = await api('GET', '/__sandbox/state')
      expect(state.apps.map((app: {preboot: boolean, unlistedDynos: unknown[]}) => [app.preboot, app.unlistedDynos.length])).to.deep.equal([[true, 2], [true, 2], [true, 0]])

      await waitFor(() => unlisted('service-1').length === 0)
      expect(await listed('service-1')).to.deep.equal(['web.1 up v4', 'web.2 up v4', 'worker.1 up v4'])
      expect(unlisted('service-2'), 'its own 5 s window').to.have.length(2)
      expect((await api('GET', '/__sandbox/apps/service-2/running-dynos')).body.filter((dyno: {listed: boolean}) => !dyno.listed)).to.have.length(2)
    })
  })

  describe('release phase', () => {
    it('keeps a release pending while release.N runs the command, then boots the dynos on it when it succeeds', async () => {
      await start()
      const set = await api('POST', '/__sandbox/apps/service-1/release-phase', {body: {command: 'node migrate.js', delayMs: 60_000, outcome: 'succeed'}})
      expect(set.status).to.equal(200)
      const old = current('service-1')
      expect((await api('PATCH', '/apps/service-1/config-vars', {body: {FOO: 'bar'}})).status).to.equal(200)

      const pending = await api('GET', `/apps/service-1/releases/${old + 1}`)
      expect([pending.body.status, pending.body.current]).to.deep.equal(['pending', false])
      expect((await api('GET', `/apps/service-1/releases/${old}`)).body.current).to.equal(true)
      expect((await api('GET', '/apps/service-1/config-vars')).body.FOO, 'the config is the new one').to.equal('bar')
      const during = await dynos('service-1')
      expect(during.map(dyno => `${dyno.name} ${dyno.type} v${dyno.release!.version}`))
      .to.deep.equal([`release.1 release v${old + 1}`, `web.1 web v${old}`, `web.2 web v${old}`, `worker.1 worker v${old}`])
      expect(during[0].command).to.equal('node migrate.js')

      await sandbox.control.advanceClock(59_000)
      expect((await api('GET', '/apps/service-1/releases')).body.at(-1).status).to.equal('pending')
      await sandbox.control.advanceClock(1000)
      const releases = (await api('GET', '/apps/service-1/releases')).body
      expect([releases.at(-1).status, releases.at(-1).current]).to.deep.equal(['succeeded', true])
      expect(await listed('service-1')).to.deep.equal([`web.1 up v${old + 1}`, `web.2 up v${old + 1}`, `worker.1 up v${old + 1}`])
      expect(events.filter(event => event.type.startsWith('release')).map(event => event.type)).to.deep.equal(['release', 'release-succeeded'])
    })

    it('on failure boots no dyno on the release, ever, while the config var stays set; add-on writes skip the command', async () => {
      await start()
      sandbox.control.setReleasePhase('service-1', {delayMs: 30, outcome: 'fail'})
      const old = current('service-1')
      sandbox.control.setConfigVar('service-1', 'ROT_KEY', 'NEW,CUR')
      expect((await api('GET', `/apps/service-1/releases/${old + 1}`)).body.status).to.equal('pending')
      await waitFor(() => events.some(event => event.type === 'release-failed'))

      const failed = await api('GET', `/apps/service-1/releases/${old + 1}`)
      expect([failed.body.status, failed.body.current]).to.deep.equal(['failed', false])
      expect(sandbox.control.configVars('service-1').ROT_KEY).to.equal('NEW,CUR')
      expect(await api('DELETE', '/apps/service-1/dynos').then(r => r.status)).to.equal(202)
      expect(await listed('service-1'), 'a restart boots the last release that succeeded').to.deep.equal([`web.1 up v${old}`, `web.2 up v${old}`, `worker.1 up v${old}`])

      const addon = (await api('POST', '/apps/service-1/addons', {body: {plan: 'securekey:fortnightly'}})).body.name
      expect(addon).to.be.a('string')
      const attached = (await api('GET', '/apps/service-1/releases')).body.at(-1)
      expect([attached.version, attached.status, attached.current]).to.deep.equal([old + 2, 'succeeded', true])
      expect(await listed('service-1')).to.deep.equal([`web.1 up v${old + 2}`, `web.2 up v${old + 2}`, `worker.1 up v${old + 2}`])
      expect(sandbox.control.releaseConfigVars('service-1', old + 2).ROT_KEY, 'the failed change is in the config of later releases').to.equal('NEW,CUR')
      expect((await api('POST', '/__sandbox/apps/service-1/release-phase', {body: {outcome: 'maybe'}})).status).to.equal(422)
    })
  })

  describe('one-off dynos with a command', () => {
    it('POST /apps/{app}/dynos starts run.N with its command; scheduler.N from the control; both keep their release until stopped', async () => {
      await start()
      const old = current('service-2')
      const created = await api('POST', '/apps/service-2/dynos', {body: {attach: false, command: 'node sync.js'}})
      expect(created.status).to.equal(201)
      expect([created.body.name, created.body.type, created.body.command, created.body.release.version]).to.deep.equal(['run.1', 'run', 'node sync.js', old])
      const job = (await api('POST', '/__sandbox/apps/service-2/one-off', {body: {command: 'node nightly.js', type: 'scheduler'}})).body
      expect([job.name, job.type, job.command]).to.deep.equal(['scheduler.1', 'scheduler', 'node nightly.js'])
      expect((await api('POST', '/apps/service-2/dynos', {body: {}})).status, 'no command').to.equal(422)
      expect((await api('POST', '/apps/service-2/dynos', {body: {command: 'x', type: 'web'}})).status).to.equal(422)

      sandbox.control.setConfigVar('service-2', 'FOO', 'bar')
      const after = await dynos('service-2')
      expect(after.filter(dyno => dyno.name.includes('.') && ['run', 'scheduler'].includes(dyno.type)).map(dyno => `${dyno.name} ${dyno.command} v${dyno.release!.version}`))
      .to.deep.equal([`run.1 node sync.js v${old}`, `scheduler.1 node nightly.js v${old}`].sort())
      await api('POST', '/apps/service-2/dynos/run.1/actions/stop')
      expect((await dynos('service-2')).map(dyno => dyno.name)).to.deep.equal(['scheduler.1', 'web.1', 'web.2', 'worker.1'])
    })
  })

  describe('dyno states', () => {
    it('crashed: not running, restarted on the current release after the chosen delay (60 s here) of sandbox time', async () => {
      await start()
      const crashed = await api('POST', '/__sandbox/apps/service-1/dynos/worker.1/state', {body: {restartAfterMs: 60_000, state: 'crashed'}})
      expect((crashed.body as DynoJson[]).find(dyno => dyno.name === 'worker.1')?.state).to.equal('crashed')
      expect(sandbox.control.runningDynos('service-1').map(dyno => dyno.name)).to.deep.equal(['web.1', 'web.2'])
      sandbox.control.holdDynos('service-1', ['worker.1'])
      sandbox.control.setConfigVar('service-1', 'FOO', 'bar')
      const v = current('service-1')
      await sandbox.control.advanceClock(59_000)
      expect((await listed('service-1'))[2]).to.equal(`worker.1 crashed v${v - 1}`)
      await sandbox.control.advanceClock(1000)
      expect((await listed('service-1'))[2], 'back on the current release').to.equal(`worker.1 up v${v}`)
      expect((await api('POST', '/__sandbox/apps/service-1/dynos/worker.1/state', {body: {state: 'down'}})).status).to.equal(422)
    })

    it('idle: stays asleep through a release, and wakes on the newest release when the control says traffic came; starting is shown as set', async () => {
      await start()
      sandbox.control.setDynoState('service-1', 'web.2', 'idle')
      sandbox.control.setDynoState('service-1', 'web.1', 'starting')
      const old = current('service-1')
      sandbox.control.setConfigVar('service-1', 'FOO', 'one')
      sandbox.control.setConfigVar('service-1', 'FOO', 'two')
      expect(await listed('service-1')).to.deep.equal([`web.1 up v${old + 2}`, `web.2 idle v${old}`, `worker.1 up v${old + 2}`])
      sandbox.control.setDynoState('service-1', 'worker.1', 'starting')
      expect((await listed('service-1'))[2]).to.equal(`worker.1 starting v${old + 2}`)

      const woken = await api('POST', '/__sandbox/apps/service-1/dynos/web.2/wake')
      expect(byName(woken.body).map(dyno => `${dyno.name} ${dyno.state} v${dyno.release!.version}`)[1]).to.equal(`web.2 up v${old + 2}`)
      expect((await api('POST', '/__sandbox/apps/service-1/dynos/web.2/wake')).status, 'not idle').to.equal(422)
      expect(events.filter(event => event.type === 'dyno-state').map(event => `${event.dyno} ${event.state}`)).to.deep.equal(['web.2 idle', 'web.1 starting', 'worker.1 starting'])
    })

    it('release: null per app (Fir), while refusedPairs still knows what each dyno runs', async () => {
      await start({apps: 2})
      set({'service-1': 'CUR,OLD', 'service-2': 'CUR,OLD'})
      expect((await api('POST', '/__sandbox/apps/service-2/release-unknown', {body: {unknown: true}})).status).to.equal(200)
      const listedDynos = await dynos('service-2')
      expect(listedDynos.map(dyno => dyno.release)).to.deep.equal([null, null, null])
      expect((await api('GET', '/apps/service-2/dynos/web.1')).body.release).to.equal(null)
      expect((await api('GET', '/apps/service-2')).body.generation.name).to.equal('fir')
      expect((await dynos('service-1'))[0].release).to.not.equal(null)

      sandbox.control.holdDynos('service-2', ['worker.1'])
      set({'service-1': 'CUR,NEW', 'service-2': 'CUR,NEW'})
      set({'service-1': 'NEW,CUR', 'service-2': 'NEW,CUR'})
      expect(refusedPairs(sandbox.control, holders).refused.map(pair => pair.to)).to.deep.equal(['service-2/worker.1', 'service-2/worker.1', 'service-2/worker.1'])
      sandbox.control.setReleaseUnknown('service-2', false)
      expect((await dynos('service-2')).map(dyno => dyno.release!.version)).to.deep.equal([current('service-2'), current('service-2'), current('service-2') - 2])
    })
  })

  describe('rate limit', () => {
    it('costs a token per call, shows RateLimit-Remaining on every answer, answers 429 when empty, and refills at the set rate', async () => {
      await start({rateLimit: {pool: 4500}})
      expect(sandbox.control.rateLimit()).to.deep.equal({pool: 4500, refillPerMinute: 75, remaining: 4500})
      const drained = await api('POST', '/__sandbox/rate-limit', {body: {refillPerMinute: 0, remaining: 2}})
      expect(drained.body).to.deep.equal({pool: 4500, refillPerMinute: 0, remaining: 2})
      expect(drained.headers.get('ratelimit-remaining'), 'control answers carry it too').to.equal('2')

      const first = await api('GET', '/apps/service-1')
      const missing = await api('GET', '/apps/nope')
      const refused = await api('GET', '/apps/service-1')
      expect([first.status, missing.status, refused.status]).to.deep.equal([200, 404, 429])
      expect([first, missing, refused].map(answer => answer.headers.get('ratelimit-remaining'))).to.deep.equal(['1', '0', '0'])
      expect(refused.body.id).to.equal('rate_limit')
      expect((await api('GET', '/account/rate-limits')).body, 'free').to.deep.equal({remaining: 0})

      sandbox.control.setRateLimit({refillPerMinute: 600_000})
      await pause(20)
      const refilled = await api('GET', '/apps/service-1')
      expect(refilled.status).to.equal(200)
      expect(Number(refilled.headers.get('ratelimit-remaining'))).to.be.within(50, 4500)
      sandbox.control.setRateLimit({pool: 10, refillPerMinute: 0})
      expect(sandbox.control.rateLimit().remaining, 'capped by the new pool').to.be.at.most(10)
      expect((await api('POST', '/__sandbox/rate-limit', {body: {pool: -1}})).status).to.equal(422)
    })
  })
})
