/* eslint-disable camelcase -- Platform API fixtures and --json documents are snake_case */
import type * as Heroku from '@heroku-cli/schema'

import {expect} from 'chai'

import type {Attachment} from '../../../src/core/platform-api.js'

import {InvalidInputError, SecurekeyError} from '../../../src/core/errors.js'
import {
  attachmentKeyVar, attachmentNameOf, checkAddonName, checkAppName, checkAttachmentName, checkPlanName, defaultAttachmentName, keyVarFor, reportedKeyVar,
} from '../../../src/core/names.js'

describe('attachment-name', () => {
  describe('attachmentKeyVar', () => {
    it('takes the var the attachment lists, else <ATTACHMENT NAME>_KEY', () => {
      expect(attachmentKeyVar({config_vars: ['SERVICE_ONE_SECURE_KEY'], name: 'SERVICE_ONE_SECURE'})).to.equal('SERVICE_ONE_SECURE_KEY')
      expect(attachmentKeyVar({name: 'SECURE'})).to.equal('SECURE_KEY')
      expect(attachmentKeyVar({config_vars: [], name: 'other'})).to.equal('OTHER_KEY')
      expect(attachmentKeyVar({config_vars: ['DATABASE_URL', 'PEER_KEY'], name: 'PEER'})).to.equal('PEER_KEY')
    })
  })

  describe('defaultAttachmentName', () => {
    it('derives the peer attachment name from the owner app: service-1 → SERVICE_1_SECURE', () => {
      expect(defaultAttachmentName('service-1')).to.equal('SERVICE_1_SECURE')
      expect(keyVarFor(defaultAttachmentName('service-1'))).to.equal('SERVICE_1_SECURE_KEY')
    })

    it('turns every dash into an underscore and never yields the bare SECURE', () => {
      expect(defaultAttachmentName('my-api-v2')).to.equal('MY_API_V2_SECURE')
      expect(defaultAttachmentName('ab')).to.not.equal('SECURE')
    })

    it('gives a valid attachment name for any valid app name', () => {
      for (const app of ['abc', 'a1-b2-c3', 'x'.repeat(30), 'service-1']) {
        expect(checkAttachmentName(defaultAttachmentName(app))).to.equal(defaultAttachmentName(app))
      }
    })
  })

  describe('checkAppName', () => {
    it('accepts Heroku app names', () => {
      expect(checkAppName('service-1')).to.equal('service-1')
      expect(checkAppName('abc')).to.equal('abc')
    })

    for (const bad of ['Service-1', 'service_1', '1service', 'ab', 'service-', 'x'.repeat(31), '', 'service 1']) {
      it(`refuses ${JSON.stringify(bad)}, naming the value and the flag`, () => {
        expect(() => checkAppName(bad, '--from')).to.throw(SecurekeyError, `${JSON.stringify(bad)} (--from) is not a valid app name`)
      })
    }
  })

  describe('checkAttachmentName', () => {
    it('accepts upper-case names with digits and underscores', () => {
      expect(checkAttachmentName('SERVICE_ONE_SECURE')).to.equal('SERVICE_ONE_SECURE')
      expect(checkAttachmentName('S3')).to.equal('S3')
    })

    it('refuses lower case and suggests the upper-cased name', () => {
      expect(() => checkAttachmentName('service_one')).to.throw(SecurekeyError, /not a valid attachment name.*Did you mean SERVICE_ONE\?/)
      expect(() => checkAttachmentName('service-one')).to.throw(SecurekeyError, /Did you mean SERVICE_ONE\?/)
    })

    it('refuses an empty name and one over 50 characters as invalid input, without echoing it', () => {
      expect(() => checkAttachmentName('')).to.throw(InvalidInputError, '--as is empty')
      expect(() => checkAttachmentName('A'.repeat(51))).to.throw(InvalidInputError, 'is 51 characters long; at most 50')
      expect(checkAttachmentName('A'.repeat(50))).to.equal('A'.repeat(50))
    })

    it('refuses names that cannot be made valid, without a suggestion', () => {
      for (const bad of ['1SECURE', '_SECURE', 'SECURE KEY']) {
        expect(() => checkAttachmentName(bad)).to.throw(SecurekeyError, 'is not a valid attachment name')
        expect(() => checkAttachmentName(bad)).to.not.throw(/Did you mean/)
      }
    })
  })

  describe('checkAddonName', () => {
    it('accepts names and UUIDs', () => {
      expect(checkAddonName('securekey-solid-14332')).to.equal('securekey-solid-14332')
      expect(checkAddonName('0f4f9154-5c5f-430e-82d6-735c5be42dcf')).to.equal('0f4f9154-5c5f-430e-82d6-735c5be42dcf')
    })

    it('refuses what is neither', () => {
      expect(() => checkAddonName('securekey solid')).to.throw(SecurekeyError, 'is not a valid add-on name')
      expect(() => checkAddonName('-x')).to.throw(SecurekeyError)
    })
  })

  describe('checkPlanName', () => {
    it('takes the bare plan or the full plan name and returns the bare one', () => {
      expect(checkPlanName('fortnightly')).to.equal('fortnightly')
      expect(checkPlanName('securekey:fortnightly')).to.equal('fortnightly')
    })

    it('refuses another service\'s plan and malformed names', () => {
      expect(() => checkPlanName('heroku-postgresql:essential-0')).to.throw(SecurekeyError, 'is not a valid plan name')
      expect(() => checkPlanName('Fort Nightly')).to.throw(SecurekeyError)
    })
  })

  describe('reportedKeyVar and attachmentNameOf', () => {
    it('prefers the config var the API reports for the attachment', () => {
      expect(reportedKeyVar({config_vars: ['OTHER_KEY']} as Attachment, undefined, 'SECURE')).to.equal('OTHER_KEY')
      expect(reportedKeyVar({config_vars: ['A_KEY', 'SECURE_KEY']} as Attachment, undefined, 'SECURE')).to.equal('SECURE_KEY')
    })

    it('falls back to the add-on\'s config vars, then to NAME_KEY', () => {
      expect(reportedKeyVar(undefined, {config_vars: ['SECURE_KEY']} as Heroku.AddOn, 'X')).to.equal('SECURE_KEY')
      expect(reportedKeyVar(undefined, undefined, 'SERVICE_1_SECURE')).to.equal('SERVICE_1_SECURE_KEY')
      expect(reportedKeyVar({} as Attachment, {config_vars: ['SECURE_KEY']} as Heroku.AddOn, 'PEER')).to.equal('PEER_KEY')
    })

    it('reads the attachment name back from a config var', () => {
      expect(attachmentNameOf('SERVICE_1_SECURE_KEY')).to.equal('SERVICE_1_SECURE')
      expect(attachmentNameOf('_KEY')).to.equal(undefined)
      expect(attachmentNameOf('DATABASE_URL')).to.equal(undefined)
    })
  })
})
