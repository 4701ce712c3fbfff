/* eslint-disable camelcase -- Platform API fixtures and --json documents are snake_case */
import type * as Heroku from '@heroku-cli/schema'

import {expect} from 'chai'

import {SecurekeyError} from '../../../src/core/errors.js'
import {PlatformError} from '../../../src/core/platform-api.js'
import {latestFingerprint} from '../../../src/key/compare.js'
import {
  decideProvision, isPlanRejection, ownerAttachmentNames, planNotAvailable,
} from '../../../src/provision/provision.js'
import {fingerprint} from '../../../src/runtime/key.js'

const KEY = `${'A1'.repeat(32)},${'B2'.repeat(32)}`

function addon(name: string, options: {configVars?: string[], createdAt?: string, state?: string} = {}): Heroku.AddOn {
  return ({
    addon_service: {name: 'securekey'},
    app: {name: 'service-1'},
    config_vars: options.configVars ?? ['SECURE_KEY'],
    created_at: options.createdAt ?? '2024-01-01T00:00:00Z',
    id: `${name}-id`,
    name,
    plan: {name: 'securekey:fortnightly'},
    state: options.state ?? 'provisioned',
  }) as Heroku.AddOn
}

const base = {another: false, app: 'service-1'}

describe('provision', () => {
  describe('decideProvision', () => {
    it('creates when the app owns no securekey add-on', () => {
      expect(decideProvision([], base)).to.deep.equal({action: 'create'})
    })

    it('reuses the add-on the app owns: a re-run creates nothing', () => {
      const owned = addon('securekey-solid-14332')
      expect(decideProvision([owned], base)).to.deep.equal({action: 'reuse', addon: owned, others: []})
    })

    it('ignores a failed provision (deprovisioned) and one being destroyed, and creates anew', () => {
      expect(decideProvision([addon('a', {state: 'deprovisioned'}), addon('b', {state: 'deprovisioning'})], base)).to.deep.equal({action: 'create'})
    })

    it('reuses one still provisioning (a re-run with --wait completes it)', () => {
      const pending = addon('a', {state: 'provisioning'})
      expect(decideProvision([pending], base)).to.include({action: 'reuse', addon: pending})
    })

    it('among several, shows the oldest unless --name or --as points at another', () => {
      const older = addon('older', {createdAt: '2024-01-01T00:00:00Z'})
      const newer = addon('newer', {configVars: ['PARTNER_KEY'], createdAt: '2024-02-01T00:00:00Z'})
      expect(decideProvision([newer, older], base)).to.deep.include({addon: older, others: [newer]})
      expect(decideProvision([older, newer], {...base, name: 'newer'})).to.deep.include({addon: newer})
      expect(decideProvision([older, newer], {...base, as: 'PARTNER'})).to.deep.include({addon: newer})
    })

    it('with --another, creates one more under a name no existing add-on holds', () => {
      expect(decideProvision([addon('a')], {...base, another: true, as: 'PARTNER'})).to.deep.equal({action: 'create'})
    })

    it('with --another, refuses the name an existing add-on holds on the owner (it would replace that key)', () => {
      expect(() => decideProvision([addon('securekey-a')], {...base, another: true})).to.throw(SecurekeyError, 'service-1 already owns securekey-a, attached as SECURE (SECURE_KEY)')
      expect(() => decideProvision([addon('b', {configVars: ['PARTNER_KEY']})], {...base, another: true, as: 'PARTNER'})).to.throw(SecurekeyError, 'attached as PARTNER')
    })
  })

  describe('ownerAttachmentNames', () => {
    it('derives the owner\'s attachment names from the config vars the API reports', () => {
      expect(ownerAttachmentNames(addon('a', {configVars: ['SECURE_KEY', 'OTHER_KEY', 'WEIRD']}))).to.deep.equal(['SECURE', 'OTHER'])
    })
  })

  describe('planNotAvailable and isPlanRejection', () => {
    it('says "securekey:<plan> is not available: <why>"', () => {
      const error = planNotAvailable('weekly', 'the securekey service offers securekey:fortnightly.', ['securekey:fortnightly'])
      expect(error.message).to.equal('securekey:weekly is not available: the securekey service offers securekey:fortnightly.')
      expect(error.suggestions).to.deep.equal(['--plan fortnightly', '--self-managed (a key this plugin keeps in a config var, no add-on needed)'])
    })

    it('treats a 404 about anything but the app, and a 422 about the plan or service, as a refused plan', () => {
      expect(isPlanRejection(new PlatformError(404, 'not_found', 'Couldn\'t find that add on service.', 'add_on_service'))).to.equal(true)
      expect(isPlanRejection(new PlatformError(422, 'invalid_params', 'Couldn\'t find either the add-on service or the add-on plan of "securekey:x".'))).to.equal(true)
      expect(isPlanRejection(new PlatformError(404, 'not_found', 'Couldn\'t find that app.', 'app'))).to.equal(false)
      expect(isPlanRejection(new PlatformError(422, 'invalid_params', 'Name x is already taken by another add-on.'))).to.equal(false)
      expect(isPlanRejection(new Error('plan'))).to.equal(false)
    })
  })

  describe('latestFingerprint', () => {
    it('gives LATEST\'s skfp1 fingerprint', () => {
      expect(latestFingerprint({SECURE_KEY: KEY}, 'SECURE_KEY', 'service-1')).to.deep.equal({fingerprint: fingerprint('A1'.repeat(32))})
    })

    it('says why there is none, never echoing the value', () => {
      expect(latestFingerprint({}, 'SECURE_KEY', 'service-1')).to.deep.equal({problem: 'SECURE_KEY is not set on service-1'})
      const malformed = latestFingerprint({SECURE_KEY: 'A1'.repeat(32)}, 'SECURE_KEY', 'service-1')
      expect(malformed).to.deep.equal({problem: 'SECURE_KEY on service-1 is malformed (one key)'})
      expect(JSON.stringify(malformed)).to.not.include('A1A1')
    })
  })
})
