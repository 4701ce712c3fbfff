import {APIClient} from '@heroku-cli/command'
import {Config} from '@oclif/core'
import {expect} from 'chai'
import nock from 'nock'
import {fileURLToPath} from 'node:url'

import {
  mapPool, PlatformApi, PlatformError, toPlatformError,
} from '../../../src/core/platform-api.js'

const API = 'https://api.heroku.com'
const root = fileURLToPath(new URL('../../..', import.meta.url))

describe('platform', () => {
  let platform: PlatformApi
  const saved = {HEROKU_API_KEY: process.env.HEROKU_API_KEY, HEROKU_HOST: process.env.HEROKU_HOST}

  before(async () => {
    process.env.HEROKU_API_KEY = 'unit-test-token'
    delete process.env.HEROKU_HOST
    const client = new APIClient(await Config.load({root}))
    platform = new PlatformApi(client, {retryDelayMs: 1})
  })

  after(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
  })

  afterEach(() => nock.cleanAll())

  describe('reads', () => {
    it('send the token and ask attachments for their config var names', async () => {
      const api = nock(API, {reqheaders: {'accept-inclusion': 'addon:plan,config_vars', authorization: 'Bearer unit-test-token'}})
      .get('/addons/securekey-solid-14332/addon-attachments').reply(200, [{name: 'SECURE'}], {'RateLimit-Remaining': '4321'})
      expect(await platform.attachmentsOf('securekey-solid-14332')).to.deep.equal([{name: 'SECURE'}])
      expect(platform.rateLimitRemaining).to.equal(4321)
      api.done()
    })

    it('follow Next-Range until the list is whole', async () => {
      const api = nock(API)
      .get('/apps/service-1/addon-attachments').reply(206, [{name: 'A'}], {'Next-Range': 'id ]a..; max=1'})
      .get('/apps/service-1/addon-attachments').matchHeader('range', 'id ]a..; max=1').reply(200, [{name: 'B'}])
      expect((await platform.attachmentsOn('service-1')).map(attachment => attachment.name)).to.deep.equal(['A', 'B'])
      api.done()
    })

    it('are retried on 5xx and 429, then succeed', async () => {
      const api = nock(API)
      .get('/apps/service-2/config-vars').reply(503, {id: 'unavailable', message: 'try later'})
      .get('/apps/service-2/config-vars').reply(429, {id: 'rate_limit', message: 'Your account reached the API rate limit'})
      .get('/apps/service-2/config-vars').reply(200, {LANG: 'en_US.UTF-8'})
      expect(await platform.configVars('service-2')).to.deep.equal({LANG: 'en_US.UTF-8'})
      api.done()
    })

    it('give up after the retries with the API\'s own error', async () => {
      const api = nock(API).get('/apps/service-2/config-vars').times(3).reply(503, {id: 'unavailable', message: 'try later'})
      const error = await platform.configVars('service-2').catch(error_ => error_)
      expect(error).to.be.instanceOf(PlatformError)
      expect(error).to.include({id: 'unavailable', message: 'try later', status: 503})
      api.done()
    })

    it('are not retried on a 404', async () => {
      const api = nock(API).get('/apps/nope').reply(404, {id: 'not_found', message: 'Couldn\'t find that app.', resource: 'app'}, {'RateLimit-Remaining': '12'})
      const error = await platform.app('nope').catch(error_ => error_)
      expect(error).to.include({id: 'not_found', resource: 'app', status: 404})
      expect(platform.rateLimitRemaining, 'RateLimit-Remaining of a failed request').to.equal(12)
      api.done()
    })
  })

  describe('writes', () => {
    it('are not retried on a 5xx: the change may have happened', async () => {
      const api = nock(API).delete('/addon-attachments/att-1').reply(503, {id: 'unavailable', message: 'try later'})
      const error = await platform.detach('att-1').catch(error_ => error_)
      expect(error).to.include({id: 'unavailable', status: 503})
      api.done()
      expect(nock.pendingMocks()).to.deep.equal([])
    })

    it('are retried on a 429: a refused request changed nothing', async () => {
      const api = nock(API)
      .delete('/addon-attachments/att-1').reply(429, {id: 'rate_limit', message: 'Your account reached the API rate limit'})
      .delete('/addon-attachments/att-1').reply(200, {id: 'att-1'})
      expect(await platform.detach('att-1')).to.deep.equal({id: 'att-1'})
      api.done()
    })

    it('carry the app to confirm when the API asks for a confirmation', async () => {
      nock(API).post('/addon-attachments').reply(423, {id: 'confirmation_required', message: 'SECURE_KEY is already set on service-2.'}, {'X-Confirmation-Required': 'service-2'})
      const error = await platform.attach({addon: 'securekey-solid-14332', app: 'service-2', name: 'SECURE'}).catch(error_ => error_)
      expect(error).to.include({confirmationApp: 'service-2', id: 'confirmation_required', status: 423})
    })

    it('destroy without force, and tell 202 (still deprovisioning) from 200', async () => {
      const api = nock(API)
      .delete('/apps/service-1/addons/securekey-solid-14332', {force: false}).reply(202, {name: 'securekey-solid-14332', state: 'deprovisioning'})
      const result = await platform.destroyAddon('service-1', 'securekey-solid-14332')
      expect(result.pending).to.equal(true)
      api.done()
    })
  })

  describe('resolveAddon', () => {
    it('answers an empty list when nothing matches, and lets an unknown app through as an error', async () => {
      nock(API)
      .post('/actions/addons/resolve', {addon: 'nope'}).reply(404, {id: 'not_found', message: 'Couldn\'t find that add on.', resource: 'add_on'})
      .post('/actions/addons/resolve', {addon: 'SECURE', app: 'ghost'}).reply(404, {id: 'not_found', message: 'Couldn\'t find that app.', resource: 'app'})
      expect(await platform.resolveAddon('nope')).to.deep.equal([])
      const error = await platform.resolveAddon('SECURE', 'ghost').catch(error_ => error_)
      expect(error).to.include({resource: 'app', status: 404})
    })
  })

  describe('toPlatformError', () => {
    it('turns a socket error into a network_error that names its cause', () => {
      const error = toPlatformError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5000'), {code: 'ECONNREFUSED'}))
      expect(error).to.include({id: 'network_error', status: 0})
      expect(error.message).to.equal('could not reach the Heroku API (ECONNREFUSED)')
    })
  })

  describe('mapPool', () => {
    it('keeps at most `limit` tasks in flight and the results in order', async () => {
      let inFlight = 0
      let most = 0
      const results = await mapPool([5, 1, 4, 2, 3, 0], 2, async (delay, index) => {
        inFlight++
        most = Math.max(most, inFlight)
        await new Promise(resolve => {
          setTimeout(resolve, delay)
        })
        inFlight--
        return index * 10
      })
      expect(results).to.deep.equal([0, 10, 20, 30, 40, 50])
      expect(most).to.equal(2)
    })
  })
})
