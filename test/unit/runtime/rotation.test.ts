import {expect} from 'chai'

import {parseSecureKey} from '../../../src/runtime/key.js'
import {isStaged, verifyPresentedKey} from '../../../src/runtime/rotation.js'

const CUR = 'A'.repeat(64)
const NEW = 'B'.repeat(64)
const staged = parseSecureKey(`${CUR},${NEW}`)
if (!staged.ok) throw new Error('fixture')

describe('the runtime helper in a staged rotation ("CUR,NEW": PREVIOUS is the newer key)', () => {
  it('accepts both keys, and never tells a client presenting NEW to move back to CUR', () => {
    expect(verifyPresentedKey(staged.pair, NEW, {staged: true})).to.deep.equal({ok: true, refresh: false, slot: 'previous'})
    expect(verifyPresentedKey(staged.pair, CUR, {staged: true})).to.deep.equal({ok: true, refresh: false, slot: 'latest'})
  })

  it('keeps the refresh hint outside a staged rotation (PREVIOUS is then the older key)', () => {
    expect(verifyPresentedKey(staged.pair, NEW).refresh).to.equal(true)
  })

  it('reads the phase from the record securekey:rotate keeps beside the key, on the owner and on peers', () => {
    expect(isStaged('SECURE_KEY', {
      SECURE_KEY_RECORD: JSON.stringify({
        owner: 'service-1', rotation: {phase: 'staged'}, v: 1, var: 'SECURE_KEY',
      }),
    })).to.equal(true)
    expect(isStaged('PEER_KEY', {
      PEER_KEY_RECORD: JSON.stringify({
        owner: 'service-1', rotation: {phase: 'promoted'}, v: 1, var: 'SECURE_KEY',
      }),
    })).to.equal(false)
    expect(isStaged('SECURE_KEY', {})).to.equal(false)
    expect(isStaged('SECURE_KEY', {SECURE_KEY_RECORD: 'not json'})).to.equal(false)
  })
})
