/* eslint-disable camelcase -- the record's snake_case fields */
import {expect} from 'chai'

import {type OwnerRecord} from '../../../src/key/record.js'
import {rotationState, unprovenStage} from '../../../src/key/rotation-state.js'

const prints = (latest: string, previous: string) => ({latest, previous, standard: true})
const record = (rotation?: OwnerRecord['rotation']): OwnerRecord => ({
  changed_at: '2026-11-01T00:00:00Z', holders: [], owner: 'service-1', ...(rotation ? {rotation} : {}), v: 1, var: 'SECURE_KEY',
})
const STARTED = '2026-12-01T00:00:00Z'

describe('key/rotation-state', () => {
  it('takes a staged record as staged only when it names the LATEST it started from', () => {
    const owner = prints('skfp1:cur', 'skfp1:new')
    expect(rotationState(record({
      from: 'skfp1:cur', new: 'skfp1:new', phase: 'staged', started_at: STARTED,
    }), owner)).to.deep.equal({current: 'skfp1:cur', new: 'skfp1:new', standing: 'staged'})
    expect(rotationState(record({
      from: 'skfp1:other', new: 'skfp1:new', phase: 'staged', started_at: STARTED,
    }), owner).standing).to.equal('settled')
    expect(rotationState(record({new: 'skfp1:new', phase: 'staged', started_at: STARTED}), owner).standing).to.equal('settled')
  })

  it('flags a "staged" record without "from" whose NEW is the owner\'s PREVIOUS: a hand edit over "CUR,OLD" reads the same', () => {
    const settled = prints('skfp1:cur', 'skfp1:old')
    expect(unprovenStage(record({new: 'skfp1:old', phase: 'staged', started_at: STARTED}), settled)).to.equal(true)
    expect(unprovenStage(record({
      from: 'skfp1:cur', new: 'skfp1:old', phase: 'staged', started_at: STARTED,
    }), settled)).to.equal(false)
    expect(unprovenStage(record({new: 'skfp1:other', phase: 'staged', started_at: STARTED}), settled)).to.equal(false)
    expect(unprovenStage(record({new: 'skfp1:cur', phase: 'complete', started_at: STARTED}), settled)).to.equal(false)
    expect(unprovenStage(record(), settled)).to.equal(false)
  })
})
