/* eslint-disable camelcase -- the Platform API's and the --json document's snake_case fields */
import {APIClient} from '@heroku-cli/command'
import {Config} from '@oclif/core'
import {expect} from 'chai'
import nock from 'nock'

import {PlatformApi} from '../../../src/core/platform-api.js'
import {keyHistory, nextExpected, rotationIntervalDays} from '../../../src/key/history.js'
import {fingerprint} from '../../../src/runtime/key.js'

const API = 'https://api.heroku.com'
const K0 = '0A'.repeat(32)
const K1 = '1B'.repeat(32)
const K2 = '2C'.repeat(32)

/** v101..v200, newest first, one hour apart; `keyAt(version)` is SECURE_KEY as of that release (undefined: absent). */
function releases(keyAt: (version: number) => string | undefined) {
  const list = Array.from({length: 100}, (_, i) => 200 - i).map(version => ({
    created_at: new Date(Date.UTC(2025, 0, 1) + (version * 3_600_000)).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    id: `release-${version}`,
    version,
  }))
  return {keyAt, list}
}

describe('history', () => {
  describe('keyHistory', () => {
    let platform: PlatformApi
    let saved: string | undefined
    let configReads: number[]

    before(async () => {
      saved = process.env.HEROKU_API_KEY
      process.env.HEROKU_API_KEY = 'unit-test-token'
      const config = await Config.load({root: process.cwd()})
      platform = new PlatformApi(new APIClient(config), {retryDelayMs: 1})
    })

    after(() => {
      if (saved === undefined) delete process.env.HEROKU_API_KEY
      else process.env.HEROKU_API_KEY = saved
    })

    beforeEach(() => {
      configReads = []
    })

    afterEach(() => {
      nock.cleanAll()
    })

    function serve(history: ReturnType<typeof releases>) {
      const api = nock(API)
      .get('/apps/service-1/releases')
      .matchHeader('range', 'version ..; max=100, order=desc')
      .reply(206, history.list, {'Next-Range': 'version ]101..; max=100, order=desc'})
      .get(/^\/apps\/service-1\/releases\/\d+\/config-vars$/)
      .times(100)
      .reply(uri => {
        const version = Number(uri.split('/')[4])
        configReads.push(version)
        const key = history.keyAt(version)
        return [200, key === undefined ? {LANG: 'en_US.UTF-8'} : {LANG: 'en_US.UTF-8', SECURE_KEY: key}]
      })
      return api
    }

    it('finds the last rotation with a binary search: the releases page and 7 config reads for 100 releases', async () => {
      // Attached at v110 with K1,K0; rotated at v180 to K2,K1; other releases in between change other vars.
      serve(releases(version => (version >= 180 ? `${K2},${K1}` : (version >= 110 ? `${K1},${K0}` : undefined))))

      const history = await keyHistory(platform, 'service-1', {configVar: 'SECURE_KEY', currentLatest: fingerprint(K2), planName: 'securekey:fortnightly'})

      expect(history.lastChange).to.deep.equal({
        at: '2025-01-08T12:00:00Z', kind: 'rotated', latest: fingerprint(K2), release: 180, replaced: fingerprint(K1),
      })
      expect(history.nextExpected).to.equal('2025-01-22T12:00:00Z')
      expect(history.intervalDays).to.equal(14)
      expect(history.searched).to.equal(100)
      // log2(100) ≈ 7 probes, plus the release before the boundary when the search did not probe it.
      expect(configReads).to.have.length(7)
      expect(history.requests).to.equal(1 + configReads.length)
      expect(new Set(configReads).size).to.equal(configReads.length)
      expect(configReads).to.include(179).and.to.include(180)
    })

    it('reads the newest release too when the current LATEST is not given', async () => {
      serve(releases(version => (version >= 195 ? `${K2},${K1}` : `${K1},${K0}`)))

      const history = await keyHistory(platform, 'service-1', {configVar: 'SECURE_KEY', planName: 'securekey:fortnightly'})

      expect(history.lastChange?.release).to.equal(195)
      expect(configReads[0]).to.equal(200)
      expect(history.requests).to.equal(1 + configReads.length)
      expect(history.requests).to.be.at.most(10)
    })

    it('tells a key that arrived (provisioned or attached) from a rotation', async () => {
      serve(releases(version => (version >= 150 ? `${K1},${K0}` : undefined)))

      const history = await keyHistory(platform, 'service-1', {configVar: 'SECURE_KEY', currentLatest: fingerprint(K1), planName: 'securekey:weekly'})

      expect(history.lastChange).to.deep.include({kind: 'arrived', release: 150})
      expect(history.lastChange).not.to.have.property('replaced')
      expect(history.intervalDays).to.equal(7)
    })

    it('says nothing changed when every release searched has the current key', async () => {
      serve(releases(() => `${K1},${K0}`))

      const history = await keyHistory(platform, 'service-1', {configVar: 'SECURE_KEY', currentLatest: fingerprint(K1), planName: 'securekey:fortnightly'})

      expect(history.lastChange).to.equal(undefined)
      expect(history.nextExpected).to.equal(undefined)
      expect(history.requests).to.be.at.most(8)
    })

    it('never returns a key value', async () => {
      serve(releases(version => (version >= 180 ? `${K2},${K1}` : `${K1},${K0}`)))
      const history = await keyHistory(platform, 'service-1', {configVar: 'SECURE_KEY', currentLatest: fingerprint(K2), planName: 'securekey:fortnightly'})
      for (const key of [K0, K1, K2]) expect(JSON.stringify(history)).not.to.include(key)
    })
  })

  describe('rotationIntervalDays', () => {
    const cases: Array<[string | undefined, number | undefined]> = [
      ['securekey:daily', 1],
      ['securekey:weekly', 7],
      ['securekey:fortnightly', 14],
      ['securekey:28-day', 28],
      ['securekey:monthly', 28],
      ['fortnightly', 14],
      ['securekey:hourly', undefined],
      [undefined, undefined],
    ]
    for (const [plan, days] of cases) {
      it(`gives ${days} for ${plan}`, () => {
        expect(rotationIntervalDays(plan)).to.equal(days)
      })
    }

    it('adds the interval to the time of the last change', () => {
      expect(nextExpected('2025-03-01T10:00:00Z', 14)).to.equal('2025-03-15T10:00:00Z')
      expect(nextExpected('2025-03-01T10:00:00Z')).to.equal(undefined)
    })
  })
})
