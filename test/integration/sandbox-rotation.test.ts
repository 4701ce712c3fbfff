import {expect} from 'chai'

import {type Sandbox, startSandbox} from '../../sandbox/index.js'
import {KEY_PAIR, latestOf, raw} from './sandbox/http.js'

const DAY_MS = 24 * 60 * 60 * 1000

describe('sandbox: securekey rotation', () => {
  let sandbox: Sandbox
  let api: ReturnType<typeof raw>
  let addon: string

  /** One securekey add-on on service-1, attached to service-2 and service-3 as SERVICE_ONE_SECURE. */
  beforeEach(async () => {
    sandbox = await startSandbox({seed: 'rotation'})
    api = raw(sandbox)
    addon = (await api('POST', '/apps/service-1/addons', {body: {plan: 'securekey:fortnightly'}})).body.name
    for (const app of ['service-2', 'service-3']) {
      // eslint-disable-next-line no-await-in-loop
      await api('POST', '/addon-attachments', {body: {addon, app, name: 'SERVICE_ONE_SECURE'}})
    }
  })

  afterEach(() => sandbox.close())

  const values = () => ({
    'service-1': sandbox.control.configVars('service-1').SECURE_KEY,
    'service-2': sandbox.control.configVars('service-2').SERVICE_ONE_SECURE_KEY,
    'service-3': sandbox.control.configVars('service-3').SERVICE_ONE_SECURE_KEY,
  })

  it('writes "<new>,<old LATEST>" to every attached app, each in its own release that its dynos restart onto', async () => {
    const before = values()
    await sandbox.control.rotate(addon)
    const after = values()

    expect(after['service-1']).to.match(KEY_PAIR)
    expect(after['service-1'].split(',')[1]).to.equal(latestOf(before['service-1']))
    expect(after['service-2']).to.equal(after['service-1'])
    expect(after['service-3']).to.equal(after['service-1'])
    for (const [app, name] of [['service-1', 'SECURE_KEY'], ['service-2', 'SERVICE_ONE_SECURE_KEY']]) {
      const release = sandbox.control.releases(app).at(-1)!
      expect(release.description).to.equal(`Update ${name} by securekey`)
      expect(sandbox.control.dynos(app).every(dyno => dyno.release?.id === release.id)).to.equal(true)
    }
  })

  it('leaves a lagging app on the old key until its delay passes or the rotation is flushed', async () => {
    const before = values()
    const rotated = sandbox.control.rotate(addon, {delayMs: {'service-2': 60_000}})

    const during = values()
    expect(latestOf(during['service-1'])).not.to.equal(latestOf(before['service-1']))
    expect(during['service-3']).to.equal(during['service-1'])
    expect(during['service-2'], 'service-2 is still behind').to.equal(before['service-2'])
    const stateDuring = await api('GET', '/__sandbox/state')
    expect(stateDuring.body.pendingRotations).to.deep.equal(['service-2'])

    sandbox.control.flushRotations()
    await rotated
    expect(values()['service-2']).to.equal(during['service-1'])
  })

  it('applies a delayed write by itself once its delay has passed', async () => {
    const rotated = sandbox.control.rotate(addon, {delayMs: {'service-3': 30}})
    expect(values()['service-3']).not.to.equal(values()['service-1'])
    await rotated
    expect(values()['service-3']).to.equal(values()['service-1'])
  })

  it('keeps held dynos on the release they run until they are released', async () => {
    sandbox.control.holdDynos('service-2', ['web.2'])
    const old = sandbox.control.releases('service-2').at(-1)!
    await sandbox.control.rotate(addon)
    const current = sandbox.control.releases('service-2').at(-1)!

    const byName = Object.fromEntries(sandbox.control.dynos('service-2').map(dyno => [dyno.name, dyno.release?.version]))
    expect(byName).to.deep.equal({'web.1': current.version, 'web.2': old.version, 'worker.1': current.version})

    sandbox.control.releaseDynos('service-2')
    expect(sandbox.control.dynos('service-2').map(dyno => dyno.release?.version)).to.deep.equal([current.version, current.version, current.version])
  })

  it('keeps the config as of every release: the one before a rotation still has the old key', async () => {
    const before = values()['service-2']
    await sandbox.control.rotate(addon)
    const [previous, current] = sandbox.control.releases('service-2').slice(-2)

    const then = await api('GET', `/apps/service-2/releases/${previous.version}/config-vars`)
    const now = await api('GET', `/apps/service-2/releases/${current.id}/config-vars`)
    expect(then.body.SERVICE_ONE_SECURE_KEY).to.equal(before)
    expect(now.body.SERVICE_ONE_SECURE_KEY).to.equal(values()['service-2'])
  })

  it('rotates every securekey add-on once the clock passes its fortnightly interval, not before; other add-ons are left alone', async () => {
    await api('POST', '/apps/service-3/addons', {body: {plan: 'heroku-postgresql:essential-0'}})
    const before = values()
    const database = sandbox.control.configVars('service-3').DATABASE_URL

    await sandbox.control.advanceClock(13 * DAY_MS)
    expect(values()).to.deep.equal(before)

    await sandbox.control.advanceClock(2 * DAY_MS)
    const after = values()
    expect(after['service-1'].split(',')[1]).to.equal(latestOf(before['service-1']))
    expect(after['service-2']).to.equal(after['service-1'])
    expect(sandbox.control.configVars('service-3').DATABASE_URL).to.equal(database)

    const clock = await api('POST', '/__sandbox/clock', {body: {advanceMs: DAY_MS}})
    expect(Date.parse(clock.body.now) - Date.now()).to.be.greaterThan(15 * DAY_MS)
    expect(values(), 'one day later: not due again').to.deep.equal(after)
  })

  it('refuses to rotate what is not a provisioned securekey add-on', async () => {
    const error = await sandbox.control.rotate('securekey-nope-12345').catch(error_ => error_)
    expect(error).to.be.instanceOf(Error)
    const overHttp = await api('POST', '/__sandbox/rotate', {body: {addon: 'securekey-nope-12345'}})
    expect(overHttp.status).to.equal(422)
    expect(overHttp.body.message).to.include('securekey-nope-12345')
  })

  it('gives the same ids, add-on names and keys for the same seed', async () => {
    const other = await startSandbox({seed: 'rotation'})
    try {
      const created = await raw(other)('POST', '/apps/service-1/addons', {body: {plan: 'securekey:fortnightly'}})
      expect(created.body.name).to.equal(addon)
      expect(other.control.configVars('service-1').SECURE_KEY).to.equal(values()['service-1'])
      expect(other.control.releases('service-1').map(r => r.id)).to.deep.equal(sandbox.control.releases('service-1').map(r => r.id))
    } finally {
      await other.close()
    }
  })
})
