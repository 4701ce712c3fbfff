import type {APIClient} from '@heroku-cli/command'
import type * as Heroku from '@heroku-cli/schema'

import {expect} from 'chai'

import {type Sandbox, startSandbox} from '../../sandbox/index.js'
import {apiClientFor} from './sandbox/api-client.js'
import {raw} from './sandbox/http.js'

const UUID = /^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/

describe('sandbox: the Platform API protocol', () => {
  let sandbox: Sandbox
  let api: ReturnType<typeof raw>

  beforeEach(async () => {
    sandbox = await startSandbox({forbiddenApps: ['someone-elses-app']})
    api = raw(sandbox)
  })

  afterEach(() => sandbox.close())

  describe('errors', () => {
    it('answers 401 unauthorized for a missing or wrong token, as JSON with Request-Id and RateLimit-Remaining', async () => {
      for (const token of [null, 'wrong']) {
        // eslint-disable-next-line no-await-in-loop
        const {body, headers, status} = await api('GET', '/apps', {token})
        expect(status).to.equal(401)
        expect(body).to.deep.equal({id: 'unauthorized', message: 'Invalid credentials provided.'})
        expect(headers.get('content-type')).to.equal('application/json')
        expect(headers.get('request-id')).to.match(UUID)
        expect(headers.get('ratelimit-remaining')).to.equal('4500')
      }
    })

    it('answers 403 forbidden for an app that exists but is not this account\'s, and does not list it', async () => {
      const {body, status} = await api('GET', '/apps/someone-elses-app/config-vars')
      expect(status).to.equal(403)
      expect(body.id).to.equal('forbidden')
      const apps = await api('GET', '/apps')
      expect(apps.body.map((app: Heroku.App) => app.name)).to.have.members(['service-1', 'service-2', 'service-3'])
    })

    it('answers 404 not_found naming the resource for unknown apps, add-ons and attachments', async () => {
      expect((await api('GET', '/apps/nope')).body).to.deep.equal({id: 'not_found', message: 'Couldn\'t find that app.', resource: 'app'})
      expect((await api('GET', '/addons/securekey-nope-12345')).body).to.deep.equal({id: 'not_found', message: 'Couldn\'t find that add on.', resource: 'add_on'})
      const attachment = await api('GET', '/apps/service-1/addon-attachments/NOPE')
      expect(attachment.status).to.equal(404)
      expect(attachment.body).to.include({id: 'not_found', resource: 'add_on_attachment'})
      expect((await api('DELETE', '/addon-attachments/01234567-89ab-cdef-0123-456789abcdef')).body.resource).to.equal('add_on_attachment')
    })

    it('answers 400 bad_request for a body that is not JSON', async () => {
      const response = await fetch(`${sandbox.url}/apps/service-1/config-vars`, {
        body: '{nope',
        headers: {Authorization: `Bearer ${sandbox.token}`, 'Content-Type': 'application/json'},
        method: 'PATCH',
      })
      expect(response.status).to.equal(400)
      expect((await response.json()).id).to.equal('bad_request')
    })
  })

  describe('through the Heroku CLI\'s API client', () => {
    let heroku: APIClient
    let restore: () => void

    beforeEach(async () => {
      await sandbox.close()
      sandbox = await startSandbox({apps: 12, pageSize: 5});
      ({client: heroku, restore} = await apiClientFor(sandbox))
    })

    afterEach(() => restore())

    it('follows Next-Range: a list longer than a page comes back whole, page by page (206 then 200)', async () => {
      const {body: apps} = await heroku.get<Heroku.App[]>('/apps')
      expect(apps).to.have.length(12)
      expect(new Set(apps.map(app => app.name)).size).to.equal(12)
      expect(sandbox.control.requests().map(entry => entry.status)).to.deep.equal([206, 206, 200])
    })

    it('pages attachments that share one name across 12 apps without losing or repeating any', async () => {
      const {body: addon} = await heroku.post<Heroku.AddOn>('/apps/service-1/addons', {body: {plan: {name: 'securekey:fortnightly'}}})
      for (let i = 2; i <= 12; i++) {
        // eslint-disable-next-line no-await-in-loop
        await heroku.post('/addon-attachments', {body: {addon: {name: addon.name}, app: {name: `service-${i}`}, name: 'SECURE'}})
      }

      sandbox.control.clearRequests()
      const {body: attachments} = await heroku.get<Heroku.AddOnAttachment[]>(`/addons/${addon.name}/addon-attachments`, {
        headers: {'Accept-Inclusion': 'addon:plan,config_vars', Range: 'name ..; max=1000'},
      })
      expect(attachments.map(a => a.app?.name).sort()).to.deep.equal(Array.from({length: 12}, (_, i) => `service-${i + 1}`).sort())
      expect(attachments.every(a => (a.config_vars as string[])[0] === 'SECURE_KEY')).to.equal(true)
      expect(sandbox.control.requests().map(entry => entry.status)).to.deep.equal([206, 206, 200])
    })

    it('answers the newest release first for Range: version ..; max=1, order=desc (what addons:attach asks)', async () => {
      sandbox.control.setConfigVar('service-2', 'FOO', 'bar')
      const {body: releases, statusCode} = await heroku.get<Heroku.Release[]>('/apps/service-2/releases', {
        headers: {Range: 'version ..; max=1, order=desc'}, partial: true,
      })
      expect(statusCode).to.equal(206)
      expect(releases.map(r => r.version)).to.deep.equal([4])
      expect(releases[0].description).to.equal('Set FOO config vars')
      const {body: all} = await heroku.get<Heroku.Release[]>('/apps/service-2/releases')
      expect(all.map(r => r.version)).to.deep.equal([1, 2, 3, 4])
    })

    it('answers GET /account, and Particleboard\'s /account at the same address', async () => {
      const started = performance.now()
      const {body: account} = await heroku.get<Heroku.Account>('/account')
      expect(account.email).to.equal('sandbox@example.com')
      expect(performance.now() - started).to.be.lessThan(2000)
      expect(sandbox.control.requests().filter(entry => entry.path === '/account')).to.have.length(2)
    })

    it('surfaces an injected error as a HerokuAPIError carrying id and message', async () => {
      sandbox.control.injectFault({body: {id: 'unavailable', message: 'Try again later.'}, path: '/apps/service-1', status: 503})
      const error = await heroku.get('/apps/service-1').catch(error_ => error_)
      expect(error.http.statusCode).to.equal(503)
      expect(error.body).to.deep.equal({id: 'unavailable', message: 'Try again later.'})
      expect((await heroku.get<Heroku.App>('/apps/service-1')).body.name).to.equal('service-1')
    })

    it('has a reset connection retried by the client: the log shows the reset (status 0) then the answer', async () => {
      sandbox.control.injectFault({path: '/apps/service-1', reset: true})
      const {body} = await heroku.get<Heroku.App>('/apps/service-1')
      expect(body.name).to.equal('service-1')
      expect(sandbox.control.requests().map(entry => entry.status)).to.deep.equal([0, 200])
    })

    it('accepts app, addon and plan as strings or as {name} / {id} objects', async () => {
      const {body: app} = await heroku.get<Heroku.App>('/apps/service-3')
      const {body: addon} = await heroku.post<Heroku.AddOn>('/apps/service-3/addons', {body: {plan: 'securekey:fortnightly'}})
      await heroku.post('/addon-attachments', {body: {addon: {id: addon.id}, app: {id: app.id}, name: 'BY_ID'}})
      await heroku.post('/addon-attachments', {body: {addon: addon.name, app: 'service-4', name: 'BY_NAME'}})
      expect(sandbox.control.configVars('service-3').BY_ID_KEY).to.equal(sandbox.control.configVars('service-4').BY_NAME_KEY)
    })
  })

  describe('rate limit', () => {
    beforeEach(async () => {
      await sandbox.close()
      sandbox = await startSandbox({rateLimit: {pool: 3, refillPerMinute: 0}})
      api = raw(sandbox)
    })

    it('answers 429 rate_limit once the pool is empty; GET /account/rate-limits is free', async () => {
      const statuses = []
      for (let i = 0; i < 4; i++) statuses.push((await api('GET', '/apps/service-1')).status) // eslint-disable-line no-await-in-loop
      expect(statuses).to.deep.equal([200, 200, 200, 429])
      const refused = await api('GET', '/apps/service-1')
      expect(refused.body.id).to.equal('rate_limit')
      expect(refused.body.message).to.match(/^Your account reached the API rate limit/)
      expect(refused.headers.get('ratelimit-remaining')).to.equal('0')

      const probe = await api('GET', '/account/rate-limits')
      expect(probe.status).to.equal(200)
      expect(probe.body).to.deep.equal({remaining: 0})

      sandbox.control.setRateLimitRemaining(1)
      expect((await api('GET', '/apps/service-1')).status).to.equal(200)
      expect((await api('GET', '/apps/service-1')).status).to.equal(429)
    })

    it('counts down RateLimit-Remaining by one per call', async () => {
      const remaining = []
      for (let i = 0; i < 3; i++) remaining.push((await api('GET', '/account')).headers.get('ratelimit-remaining')) // eslint-disable-line no-await-in-loop
      expect(remaining).to.deep.equal(['2', '1', '0'])
    })

    it('refills in real time', async () => {
      await sandbox.close()
      sandbox = await startSandbox({rateLimit: {pool: 1, refillPerMinute: 60_000}})
      api = raw(sandbox)
      expect((await api('GET', '/account')).status).to.equal(200)
      await new Promise(resolve => {
        setTimeout(resolve, 5)
      })
      expect((await api('GET', '/account')).status).to.equal(200)
    })
  })

  describe('faults and latency', () => {
    it('fails the next N matching requests with the injected status, then answers normally', async () => {
      sandbox.control.injectFault({
        count: 2, method: 'GET', path: /^\/apps\/[^/]+\/config-vars$/, status: 503,
      })
      const statuses = []
      for (let i = 0; i < 3; i++) statuses.push((await api('GET', '/apps/service-2/config-vars')).status) // eslint-disable-line no-await-in-loop
      expect(statuses).to.deep.equal([503, 503, 200])
      expect((await api('PATCH', '/apps/service-2/config-vars', {body: {}})).status, 'other methods untouched').to.equal(200)
    })

    it('resets the connection instead of answering when asked', async () => {
      sandbox.control.injectFault({path: '/apps', reset: true})
      const error = await api('GET', '/apps').catch(error_ => error_)
      expect(error).to.be.instanceOf(Error)
      expect((await api('GET', '/apps')).status).to.equal(200)
    })

    it('adds latency to matching routes only, and clears faults on request', async () => {
      sandbox.control.setLatency(120, {path: '/apps/service-1'})
      let started = performance.now()
      await api('GET', '/apps/service-1')
      expect(performance.now() - started).to.be.at.least(110)
      started = performance.now()
      await api('GET', '/apps/service-2')
      expect(performance.now() - started).to.be.lessThan(100)

      sandbox.control.injectFault({count: 5, path: '/apps/service-1', status: 500})
      sandbox.control.clearFaults()
      started = performance.now()
      expect((await api('GET', '/apps/service-1')).status).to.equal(200)
      expect(performance.now() - started).to.be.lessThan(100)
      const entry = sandbox.control.requests()[0]
      expect(entry.end - entry.start).to.be.at.least(110)
    })
  })

  describe('request log', () => {
    it('records every API request (method, path, query, status, body, timing, Request-Id) and no control call', async () => {
      const before = Date.now()
      const response = await api('PATCH', '/apps/service-1/config-vars?debug=1', {body: {FOO: 'bar', LANG: null}})
      await api('GET', '/__sandbox/state')
      await api('GET', '/apps/nope')

      const log = sandbox.control.requests()
      expect(log.map(({method, path, query, status}) => ({
        method, path, query, status,
      }))).to.deep.equal([
        {
          method: 'PATCH', path: '/apps/service-1/config-vars', query: 'debug=1', status: 200,
        },
        {
          method: 'GET', path: '/apps/nope', query: '', status: 404,
        },
      ])
      expect(log[0].body).to.deep.equal({FOO: 'bar', LANG: null})
      expect(log[0].requestId).to.equal(response.headers.get('request-id'))
      expect(log[0].start).to.be.at.most(log[0].end)
      expect(log[0].end).to.be.at.most(log[1].start)
      expect(Date.parse(log[0].time)).to.be.at.least(before - 1)

      sandbox.control.clearRequests()
      expect(sandbox.control.requests()).to.deep.equal([])
    })
  })

  describe('config vars, releases and dynos', () => {
    it('sets and removes config vars (null) in one release that restarts the dynos', async () => {
      const {body, status} = await api('PATCH', '/apps/service-1/config-vars', {body: {FOO: 'bar', NODE_ENV: null}})
      expect(status).to.equal(200)
      expect(body).to.deep.equal({FOO: 'bar', LANG: 'en_US.UTF-8'})
      const releases = await api('GET', '/apps/service-1/releases')
      expect(releases.body.at(-1)).to.include({current: true, description: 'Set FOO config vars; Remove NODE_ENV config vars', version: 4})
      const dynos = await api<Heroku.Dyno[]>('GET', '/apps/service-1/dynos')
      const byName = dynos.body.map(d => [d.name, d.type, d.state, d.release?.version]).sort((a, b) => String(a[0]).localeCompare(String(b[0])))
      expect(byName).to.deep.equal([['web.1', 'web', 'up', 4], ['web.2', 'web', 'up', 4], ['worker.1', 'worker', 'up', 4]])
    })
  })

  describe('control surface over HTTP', () => {
    it('needs the token', async () => {
      expect((await api('GET', '/__sandbox/state', {token: 'wrong'})).status).to.equal(401)
    })

    it('stages a scenario from another process: apps, config, faults, rotation with a lagging app, held dynos', async () => {
      expect((await api('POST', '/__sandbox/apps', {body: {count: 2}})).body.apps).to.include.members(['service-4', 'service-5'])
      await api('PATCH', '/__sandbox/apps/service-4/config-vars', {body: {EXTRA: '1'}})
      expect(sandbox.control.configVars('service-4').EXTRA).to.equal('1')

      const addon = (await api('POST', '/apps/service-4/addons', {body: {plan: 'securekey:fortnightly'}})).body.name
      await api('POST', '/addon-attachments', {body: {addon, app: 'service-5'}})
      await api('POST', '/__sandbox/apps/service-5/hold-dynos', {body: {dynos: ['worker.1']}})
      const rotation = await api('POST', '/__sandbox/rotate', {body: {addon, delayMs: {'service-5': 60_000}}})
      expect(rotation.body.pending).to.deep.equal(['service-5'])
      expect(sandbox.control.configVars('service-5').SECURE_KEY).not.to.equal(sandbox.control.configVars('service-4').SECURE_KEY)
      await api('POST', '/__sandbox/flush-rotations')
      expect(sandbox.control.configVars('service-5').SECURE_KEY).to.equal(sandbox.control.configVars('service-4').SECURE_KEY)
      const held = await api('POST', '/__sandbox/apps/service-5/release-dynos')
      expect(new Set(held.body.map((d: Heroku.Dyno) => d.release?.version)).size).to.equal(1)

      await api('POST', '/__sandbox/faults', {body: {pathPattern: '^/apps/service-4$', status: 502}})
      expect((await api('GET', '/apps/service-4')).status).to.equal(502)
      await api('POST', '/__sandbox/faults', {body: {path: '/apps/service-4', status: 500}})
      await api('DELETE', '/__sandbox/faults')
      expect((await api('GET', '/apps/service-4')).status).to.equal(200)
      await api('POST', '/__sandbox/rate-limit', {body: {remaining: 0}})
      expect((await api('GET', '/apps/service-4')).status).to.equal(429)
      expect((await api('GET', '/__sandbox/state')).status, 'control calls are not rate-limited').to.equal(200)

      const log = await api('GET', '/__sandbox/requests')
      expect(log.body.map((entry: {path: string}) => entry.path)).not.to.include('/__sandbox/state')
      await api('DELETE', '/__sandbox/requests')
      expect(sandbox.control.requests()).to.deep.equal([])
    })
  })

  it('starts hundreds of apps cheaply', async () => {
    const started = performance.now()
    const big = await startSandbox({apps: 500})
    try {
      expect(performance.now() - started).to.be.lessThan(1000)
      const {body, headers, status} = await raw(big)('GET', '/apps')
      expect(status).to.equal(206)
      expect(body).to.have.length(200)
      expect(headers.get('next-range')).to.match(/^id \]\S+\.\.; max=200, order=asc$/)
    } finally {
      await big.close()
    }
  })
})
