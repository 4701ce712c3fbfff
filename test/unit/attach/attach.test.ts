/* eslint-disable camelcase -- Platform API fixtures and --json documents are snake_case */
import type * as Heroku from '@heroku-cli/schema'

import {expect} from 'chai'

import type {Attachment} from '../../../src/core/platform-api.js'

import {
  anyFailed, type AttachOutcome, checkAttachInput, comparePeer, nameHolder, type PeerOutcome, planSteps, refuseOwnerAsPeer,
} from '../../../src/attach/attach.js'
import {ConfirmationRequiredError, SecurekeyError} from '../../../src/core/errors.js'
import {addonKey} from '../../../src/key/model.js'
import {fingerprint} from '../../../src/runtime/key.js'

const A = 'A1'.repeat(32)
const B = 'B2'.repeat(32)
const C = 'C3'.repeat(32)

const addon = {app: {name: 'service-1'}, id: 'addon-1', name: 'securekey-solid-14332'} as Heroku.AddOn

function attachment(app: string, name: string, addonId = 'addon-1', configVars?: string[]): Attachment {
  return {
    addon: {app: {name: 'service-1'}, id: addonId, name: addonId === 'addon-1' ? 'securekey-solid-14332' : 'postgresql-x'}, app: {name: app}, config_vars: configVars, name,
  } as Attachment
}

function outcome(dryRun: boolean, statuses: PeerOutcome['status'][]): AttachOutcome {
  return {dryRun, peers: statuses.map((status, i) => ({app: `service-${i + 2}`, configVar: 'S_KEY', status}))} as AttachOutcome
}

describe('attach', () => {
  describe('checkAttachInput', () => {
    it('returns the peers without duplicates', () => {
      expect(checkAttachInput({confirm: [], from: 'service-1', peers: ['service-2', 'service-3', 'service-2']})).to.deep.equal(['service-2', 'service-3'])
    })

    it('refuses a bad peer, --from, --as or add-on name', () => {
      expect(() => checkAttachInput({confirm: [], from: 'service-1', peers: ['Service-2']})).to.throw(SecurekeyError, '"Service-2" (--app) is not a valid app name')
      expect(() => checkAttachInput({confirm: [], from: 'Service_1', peers: ['service-2']})).to.throw(SecurekeyError, '(--from)')
      expect(() => checkAttachInput({
        as: 'service_one', confirm: [], from: 'service-1', peers: ['service-2'],
      })).to.throw(SecurekeyError, 'not a valid attachment name')
      expect(() => checkAttachInput({addon: 'securekey solid', confirm: [], peers: ['service-2']})).to.throw(SecurekeyError, 'not a valid add-on name')
    })

    it('needs the add-on or --from', () => {
      expect(() => checkAttachInput({confirm: [], peers: ['service-2']})).to.throw(SecurekeyError, 'Name the add-on to attach, or the app that owns it with --from')
    })

    it('refuses a --confirm that names no peer', () => {
      expect(() => checkAttachInput({confirm: ['service-1'], from: 'service-1', peers: ['service-2']})).to.throw(ConfirmationRequiredError, '--confirm service-1 does not match')
    })
  })

  describe('planSteps', () => {
    it('skips a peer already attached under the name, keeping the config var the API reports', () => {
      const attachments = [attachment('service-1', 'SECURE'), attachment('service-2', 'SERVICE_1_SECURE', 'addon-1', ['SERVICE_1_SECURE_KEY'])]
      expect(planSteps(['service-2', 'service-3'], attachments, 'SERVICE_1_SECURE')).to.deep.equal([
        {action: 'already_attached', app: 'service-2', configVar: 'SERVICE_1_SECURE_KEY'},
        {action: 'attach', app: 'service-3', configVar: 'SERVICE_1_SECURE_KEY'},
      ])
    })

    it('attaches a peer attached under another name', () => {
      expect(planSteps(['service-2'], [attachment('service-2', 'OLD')], 'SERVICE_1_SECURE')).to.deep.equal([
        {action: 'attach', app: 'service-2', configVar: 'SERVICE_1_SECURE_KEY'},
      ])
    })
  })

  describe('refuseOwnerAsPeer', () => {
    it('refuses attaching the add-on to its own owner', () => {
      expect(() => refuseOwnerAsPeer(['service-2', 'service-1'], addonKey(addon))).to.throw(SecurekeyError, 'service-1 owns securekey-solid-14332')
      expect(() => refuseOwnerAsPeer(['service-2'], addonKey(addon))).to.not.throw()
    })
  })

  describe('nameHolder', () => {
    it('names another add-on\'s attachment or a config var holding the name', () => {
      expect(nameHolder('X', [attachment('service-2', 'X', 'addon-2')], {}, 'addon-1')).to.equal('the attachment X of postgresql-x')
      expect(nameHolder('X', [], {X_KEY: A}, 'addon-1')).to.equal('the config var X_KEY')
      expect(nameHolder('X', [attachment('service-2', 'Y', 'addon-2')], {X_URL: 'u'}, 'addon-1')).to.equal(undefined)
    })
  })

  describe('comparePeer', () => {
    const peer: PeerOutcome = {app: 'service-2', configVar: 'S_KEY', status: 'attached'}

    it('matches when both keys are the owner\'s, giving LATEST\'s fingerprint', () => {
      expect(comparePeer(peer, {S_KEY: `${A},${B}`}, `${A},${B}`)).to.deep.equal({...peer, fingerprint: fingerprint(A), matches: true})
    })

    it('does not match when either slot differs', () => {
      expect(comparePeer(peer, {S_KEY: `${C},${A}`}, `${A},${B}`)).to.include({fingerprint: fingerprint(C), matches: false})
      expect(comparePeer(peer, {S_KEY: `${A},${C}`}, `${A},${B}`)).to.include({matches: false})
    })

    it('says why no comparison was made, without any key value', () => {
      const unset = comparePeer(peer, {}, `${A},${B}`)
      expect(unset).to.include({message: 'S_KEY is not set on service-2'})
      expect(unset.matches).to.equal(undefined)
      const unreadable = comparePeer(peer, undefined, `${A},${B}`, 'Couldn\'t find that app.')
      expect(unreadable.message).to.equal('could not read S_KEY on service-2: Couldn\'t find that app.')
      const ownerUnknown = comparePeer(peer, {S_KEY: `${A},${B}`})
      expect(ownerUnknown).to.include({fingerprint: fingerprint(A)})
      expect(ownerUnknown.matches).to.equal(undefined)
      expect(JSON.stringify([unset, unreadable, ownerUnknown])).to.not.include('A1A1')
    })
  })

  describe('anyFailed', () => {
    it('is true when a peer failed, and on a real run when one was left unconfirmed', () => {
      expect(anyFailed(outcome(false, ['attached', 'failed']))).to.equal(true)
      expect(anyFailed(outcome(false, ['attached', 'needs_confirmation']))).to.equal(true)
      expect(anyFailed(outcome(false, ['attached', 'already_attached']))).to.equal(false)
    })

    it('on a dry run, only a failed peer counts: needing confirmation is part of the plan', () => {
      expect(anyFailed(outcome(true, ['would_attach', 'needs_confirmation', 'would_replace']))).to.equal(false)
      expect(anyFailed(outcome(true, ['would_attach', 'failed']))).to.equal(true)
    })
  })
})
