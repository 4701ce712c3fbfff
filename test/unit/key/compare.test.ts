/* eslint-disable camelcase -- the Platform API's and the --json document's snake_case fields */
import {expect} from 'chai'

import {
  compareDynos, compareHolders, compareKeys, type Comparison, type HolderReading, type HolderState, pickReference, type Reading, summaryLine,
} from '../../../src/key/compare.js'
import {fingerprint, parseSecureKey} from '../../../src/runtime/key.js'

const K1 = '1A'.repeat(32)
const K2 = '2B'.repeat(32)
const K3 = '3C'.repeat(32)
const K4 = '4D'.repeat(32)
const fp = (key: string) => fingerprint(key)

const value = (latest: string, previous: string) => `${latest},${previous}`
const read = (text?: string): Reading => ({key: text === undefined ? undefined : parseSecureKey(text), kind: 'read'})
const statesOf = (comparison: Comparison) => comparison.holders.map(holder => holder.state)
const unreachable = (reason: string): Reading => ({kind: 'unreachable', reason})
const holder = (app: string, reading: Reading, attachment = 'SECURE'): HolderReading => ({
  app, attachment, configVar: `${attachment}_KEY`, reading,
})

// The owner (service-1) holds K2,K1: K2 is LATEST, K1 the PREVIOUS it replaced.
const OWNER = holder('service-1', read(value(K2, K1)))

describe('compare', () => {
  describe('compareHolders', () => {
    const cases: Array<{peer: Reading, reason?: RegExp, state: HolderState, title: string}> = [
      {peer: read(value(K2, K1)), state: 'in_sync', title: 'both slots equal the owner\'s: in sync'},
      {peer: read(value(K2.toLowerCase(), ` ${K1} `)), state: 'in_sync', title: 'hex case and spaces do not matter: in sync'},
      {
        peer: read(value(K1, K4)), reason: /rotation not applied/, state: 'behind', title: 'LATEST is the owner\'s PREVIOUS: behind',
      },
      {
        peer: read(value(K3, K2)), reason: /newer LATEST/, state: 'ahead', title: 'PREVIOUS is the owner\'s LATEST: ahead',
      },
      {
        peer: read(value(K3, K4)), reason: /matches neither/, state: 'diverged', title: 'LATEST matches neither: diverged',
      },
      {
        peer: read(value(K2, K4)), reason: /PREVIOUS differs/, state: 'diverged', title: 'LATEST right but PREVIOUS not: diverged',
      },
      {
        peer: read(value(K1, K2)), reason: /swapped/, state: 'diverged', title: 'slots swapped: diverged',
      },
      {
        peer: read(), reason: /SECURE_KEY is not set/, state: 'missing', title: 'no config var: missing',
      },
      {
        peer: read(''), reason: /malformed \(empty\)/, state: 'malformed', title: 'an empty value: malformed',
      },
      {
        peer: read(K2), reason: /malformed \(one key\)/, state: 'malformed', title: 'one key: malformed',
      },
      {
        peer: read(`${K2},${K1},${K3}`), reason: /more than two keys/, state: 'malformed', title: 'three keys: malformed',
      },
      {
        peer: unreachable('You do not have access to the app service-2. (forbidden, HTTP 403)'), reason: /HTTP 403/, state: 'unreachable', title: 'config not readable: unreachable, with the reason',
      },
    ]

    for (const {peer, reason, state, title} of cases) {
      it(title, () => {
        const {holders} = compareHolders([OWNER, holder('service-2', peer)], 'service-1')
        expect(holders[1].state).to.equal(state)
        if (reason) expect(holders[1].reason).to.match(reason)
        else expect(holders[1].reason).to.equal(undefined)
      })
    }

    it('reports non-standard key text as such without calling it malformed', () => {
      const {holders} = compareHolders([holder('service-1', read('alpha,beta')), holder('service-2', read('alpha,beta'))], 'service-1')
      expect(holders.map(h => [h.state, h.keys?.standard])).to.deep.equal([['in_sync', false], ['in_sync', false]])
    })

    it('shows fingerprints of each slot and marks the owner\'s reference row', () => {
      const {holders, reference} = compareHolders([holder('service-2', read(value(K1, K4))), OWNER], 'service-1')
      expect(reference).to.include({app: 'service-1', configVar: 'SECURE_KEY', state: 'ok'})
      expect(reference.keys).to.deep.equal({latest: fp(K2), previous: fp(K1), standard: true})
      expect(holders.map(h => h.owner)).to.deep.equal([false, true])
      expect(holders[0].keys).to.deep.equal({latest: fp(K1), previous: fp(K4), standard: true})
    })

    it('compares an app holding the add-on under two names once per attachment', () => {
      const {holders, summary} = compareHolders([
        OWNER, holder('service-2', read(value(K2, K1)), 'ONE'), holder('service-2', read(value(K1, K4)), 'TWO'),
      ], 'service-1')
      expect(holders.map(h => `${h.app} ${h.attachment} ${h.state}`)).to.deep.equal(['service-1 SECURE in_sync', 'service-2 ONE in_sync', 'service-2 TWO behind'])
      expect(summary.total).to.equal(3)
    })

    it('takes as reference the owner\'s attachment whose var the add-on names', () => {
      const other = holder('service-1', read(value(K3, K4)), 'OTHER')
      expect(pickReference([other, OWNER], 'service-1', ['SECURE_KEY'])).to.equal(OWNER)
      expect(pickReference([other, OWNER], 'service-1')).to.equal(other)
      const {holders} = compareHolders([other, OWNER], 'service-1', ['SECURE_KEY'])
      expect(holders.map(h => [h.attachment, h.owner, h.state])).to.deep.equal([['OTHER', false, 'diverged'], ['SECURE', true, 'in_sync']])
    })

    describe('when the owner\'s value cannot be the reference', () => {
      const ownerCases: Array<{owner: HolderReading | undefined, problem: RegExp, state: string, title: string}> = [
        {
          owner: holder('service-1', read()), problem: /SECURE_KEY on service-1 \(the owner\) is not set/, state: 'missing', title: 'missing',
        },
        {
          owner: holder('service-1', read('garbage')), problem: /SECURE_KEY on service-1 \(the owner\) is malformed/, state: 'malformed', title: 'malformed',
        },
        {
          owner: holder('service-1', unreachable('boom (internal_server_error, HTTP 500)')), problem: /could not be read \(boom/, state: 'unreachable', title: 'unreachable',
        },
        {
          owner: undefined, problem: /service-1 \(the owner\) has no attachment/, state: 'missing', title: 'not attached to the owner at all',
        },
      ]

      for (const {owner, problem, state, title} of ownerCases) {
        it(`${title}: peers with a good pair are unknown, the others keep their own state`, () => {
          const peers = [
            holder('service-2', read(value(K2, K1))),
            holder('service-3', read(value(K2, K1))),
            holder('service-4', read()),
            holder('service-5', unreachable('nope (forbidden, HTTP 403)')),
          ]
          const comparison = compareHolders(owner ? [owner, ...peers] : peers, 'service-1')
          expect(comparison.reference.state).to.equal(state)
          expect(statesOf(comparison).slice(owner ? 1 : 0)).to.deep.equal(['unknown', 'unknown', 'missing', 'unreachable'])
          expect(comparison.holders[owner ? 1 : 0].reason).to.match(problem)
          if (owner) expect(comparison.holders[0].state).to.equal(state)
          expect(comparison.summary.latest).to.equal(undefined)
          expect(comparison.summary.peersAgree).to.equal(true)
          expect(summaryLine(comparison)).to.match(/in sync \(no reference: /).and.match(/readable apps agree with each other/)
        })
      }

      it('says when the readable peers disagree with each other', () => {
        const comparison = compareHolders([holder('service-1', read()), holder('service-2', read(value(K2, K1))), holder('service-3', read(value(K3, K2)))], 'service-1')
        expect(comparison.summary.peersAgree).to.equal(false)
        expect(summaryLine(comparison)).to.include('readable apps disagree with each other')
      })
    })

    it('counts every state in the summary and names who is not in sync', () => {
      const comparison = compareHolders([
        OWNER,
        holder('service-2', read(value(K1, K4))),
        holder('service-3', read(value(K2, K1))),
        holder('service-4', unreachable('x')),
      ], 'service-1')
      expect(comparison.summary).to.deep.include({
        inSync: 2, latest: fp(K2), peersAgree: undefined, total: 4,
      })
      expect(comparison.summary.states).to.deep.include({
        behind: 1, diverged: 0, in_sync: 2, unreachable: 1,
      })
      expect(summaryLine(comparison)).to.equal(`2/4 apps in sync (LATEST ${fp(K2)}); behind: service-2; unreachable: service-4`)
    })

    it('prints the all-in-sync summary line', () => {
      const comparison = compareHolders([OWNER, holder('service-2', read(value(K2, K1))), holder('service-3', read(value(K2, K1)))], 'service-1')
      expect(summaryLine(comparison)).to.equal(`3/3 apps in sync (LATEST ${fp(K2)})`)
    })

    it('never carries a key value', () => {
      const comparison = compareHolders([OWNER, holder('service-2', read(value(K1, K4))), holder('service-3', read('alpha,beta'))], 'service-1')
      const text = JSON.stringify(comparison) + summaryLine(comparison)
      for (const secret of [K1, K2, K4, 'alpha', 'beta']) expect(text).not.to.include(secret)
    })
  })

  describe('compareKeys', () => {
    it('compares fingerprints slot by slot', () => {
      const reference = {latest: 'skfp1:b', previous: 'skfp1:a', standard: true}
      expect(compareKeys({latest: 'skfp1:b', previous: 'skfp1:a', standard: false}, reference).state).to.equal('in_sync')
      expect(compareKeys({latest: 'skfp1:a', previous: 'skfp1:z', standard: true}, reference).state).to.equal('behind')
      expect(compareKeys({latest: 'skfp1:c', previous: 'skfp1:b', standard: true}, reference).state).to.equal('ahead')
    })

    it('in a staged rotation (the owner holds "CUR,NEW"), a holder with it is staged and one still on "CUR,OLD" behind, not diverged', () => {
      const owner = {latest: 'skfp1:cur', previous: 'skfp1:new', standard: true}
      expect(compareKeys({latest: 'skfp1:cur', previous: 'skfp1:new', standard: true}, owner, 'skfp1:new').state).to.equal('staged')
      expect(compareKeys({latest: 'skfp1:cur', previous: 'skfp1:old', standard: true}, owner, 'skfp1:new')).to.deep.equal({reason: 'does not accept the staged key yet', state: 'behind'})
      expect(compareKeys({latest: 'skfp1:cur', previous: 'skfp1:old', standard: true}, owner).state, 'without the record').to.equal('diverged')
    })
  })

  describe('compareDynos', () => {
    const reference = {latest: fp(K2), previous: fp(K1), standard: true}
    const dynos = [{name: 'web.1', release: 41}, {name: 'web.2', release: 41}, {name: 'worker.1', release: 43}]

    it('reports dynos on an older release that holds the previous key', () => {
      const report = compareDynos({
        appKeys: reference, configVar: 'SECURE_KEY', currentRelease: 43, dynos, readings: new Map([[41, read(value(K1, K4))]]), reference,
      })
      expect(report).to.deep.equal({
        currentRelease: 43,
        down: [],
        notDeployed: undefined,
        onCurrentKey: 1,
        oneOff: [],
        prebootUntil: undefined,
        releaseUnknown: [],
        stale: [{
          dynos: ['web.1', 'web.2'],
          keys: {latest: fp(K1), previous: fp(K4), standard: true},
          reason: 'still has the owner\'s PREVIOUS as LATEST: rotation not applied yet',
          release: 41,
          state: 'behind',
        }],
        total: 3,
      })
    })

    it('counts dynos on an older release with the same key as running the current key', () => {
      const report = compareDynos({
        appKeys: reference, configVar: 'SECURE_KEY', currentRelease: 43, dynos, readings: new Map([[41, read(value(K2, K1))]]), reference,
      })
      expect(report.stale).to.deep.equal([])
      expect(report.onCurrentKey).to.equal(3)
    })

    it('reports a release without the var, and one whose config could not be read', () => {
      const report = compareDynos({
        appKeys: reference,
        configVar: 'SECURE_KEY',
        currentRelease: 43,
        dynos: [...dynos, {name: 'web.3', release: 40}],
        readings: new Map([[40, read()], [41, unreachable('gone (not_found, HTTP 404)')]]),
        reference,
      })
      expect(report.stale.map(group => [group.release, group.state, group.dynos])).to.deep.equal([[40, 'missing', ['web.3']], [41, 'unreachable', ['web.1', 'web.2']]])
      expect(report.onCurrentKey).to.equal(1)
    })

    it('in a staged rotation, calls dynos that accept the new key staged, not diverged', () => {
      // The owner holds "CUR,NEW" (K2,K3); a dyno on an older release runs the same staged pair while the app's config moved on.
      const staged = {latest: fp(K2), previous: fp(K3), standard: true}
      const report = compareDynos({
        appKeys: reference, configVar: 'SECURE_KEY', currentRelease: 43, dynos, readings: new Map([[41, read(value(K2, K3))]]), reference: staged, staged: fp(K3),
      })
      expect(report.stale.map(group => group.state)).to.deep.equal(['staged'])
    })

    it('lists apart what the platform does: dynos down, one-off, without a release, an undeployed release, preboot', () => {
      const now = Date.parse('2026-12-03T12:00:00Z')
      const report = compareDynos({
        appKeys: reference,
        configVar: 'SECURE_KEY',
        currentRelease: 43,
        dynos: [
          {
            createdAt: '2026-12-03T11:58:00Z', name: 'web.1', release: 43, state: 'up', type: 'web',
          },
          {
            name: 'web.2', release: 41, state: 'crashed', type: 'web',
          },
          {
            name: 'worker.1', release: 43, state: 'idle', type: 'worker',
          },
          {
            name: 'run.7', release: 43, state: 'up', type: 'run',
          },
          {
            name: 'release.3', release: 44, state: 'up', type: 'release',
          },
          {
            name: 'web.3', release: 0, state: 'up', type: 'web',
          },
        ],
        newest: {status: 'pending', version: 44},
        preboot: {nowMs: now, windowMs: 5 * 60_000},
        readings: new Map(),
        reference,
      })
      expect(report.down).to.deep.equal([{dyno: 'web.2', state: 'crashed'}, {dyno: 'worker.1', state: 'idle'}])
      expect(report.oneOff).to.deep.equal([{dyno: 'run.7', release: 43}])
      expect(report.releaseUnknown).to.deep.equal(['web.3'])
      expect(report.notDeployed).to.deep.equal({status: 'pending', version: 44})
      expect(report.prebootUntil).to.equal('2026-12-03T12:03:00.000Z')
      // Only running dynos with a known release are compared and counted.
      expect(report.stale).to.deep.equal([])
      expect(report.total).to.equal(2)
    })

    it('without an owner reference, calls a different key unknown', () => {
      const report = compareDynos({
        appKeys: reference, configVar: 'SECURE_KEY', currentRelease: 43, dynos, readings: new Map([[41, read(value(K1, K4))]]),
      })
      expect(report.stale[0].state).to.equal('unknown')
    })
  })
})
