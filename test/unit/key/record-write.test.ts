/* eslint-disable camelcase -- the record is JSON in a config var, in the Platform API's snake_case */
import {expect} from 'chai'

import {replacedBy} from '../../../src/key/record-write.js'
import {type OwnerRecord, recordProblem} from '../../../src/key/record.js'
import {heldByAnother, recordAt} from '../../../src/key/rotation-state.js'

const base = {config: {OTHER: 'x', SECURE_KEY_RECORD: 'R0'}, version: 10}
const ours = {SECURE_KEY_RECORD: 'R-ours'}
const release = (version: number, record: string, extra: Record<string, string> = {}) => ({config: {OTHER: 'x', SECURE_KEY_RECORD: record, ...extra}, version})

const record = (rotation?: OwnerRecord['rotation']): OwnerRecord => ({
  changed_at: '2026-01-01T00:00:00.000Z', holders: [{app: 'service-2', var: 'SERVICE_1_SECURE_KEY'}], owner: 'service-1', rotation, v: 1, var: 'SECURE_KEY',
})
const NOW = new Date('2026-06-01T12:00:00.000Z')
const staged = (run?: string, until?: string) => record({
  new: 'skfp1:aaaaaaaaaaaaaaaa', phase: 'staged', run, started_at: '2026-06-01T11:59:00.000Z', until,
})

const json = (rotation: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  ...record(), ...extra, rotation: {
    new: 'skfp1:aaaaaaaaaaaaaaaa', phase: 'staged', started_at: 'T', ...rotation,
  },
})

describe('a self-managed key\'s record under concurrency', () => {
  describe('key/record-write replacedBy: what a write replaced, from the releases made since its read', () => {
    it('finds nothing replaced when ours is the first release since the read', () => {
      expect(replacedBy(base, ours, [release(11, 'R-ours'), release(12, 'R-later')])).to.deep.equal({ours: release(11, 'R-ours'), replaced: undefined})
    })

    it('finds nothing replaced when a release between changed only other vars (a deploy, an add-on)', () => {
      const between = release(11, 'R0', {DATABASE_URL: 'y'})
      expect(replacedBy(base, ours, [between, release(12, 'R-ours')])?.replaced).to.equal(undefined)
    })

    it('names the other command\'s release when it wrote the record between our read and our write', () => {
      const theirs = release(11, 'R-theirs')
      expect(replacedBy(base, ours, [theirs, release(12, 'R-ours')])).to.deep.equal({ours: release(12, 'R-ours'), replaced: theirs})
    })

    it('takes the first release carrying our write as ours: a later one is another command putting ours back', () => {
      const verdict = replacedBy(base, ours, [release(11, 'R-ours'), release(12, 'R-theirs'), release(13, 'R-ours')])
      expect(verdict?.ours.version).to.equal(11)
      expect(verdict?.replaced).to.equal(undefined)
    })

    it('treats a removal as written only where the var is absent', () => {
      const removal = {SECURE_KEY_RECORD: null}
      const gone = {config: {OTHER: 'x'}, version: 11}
      expect(replacedBy(base, removal, [gone])).to.deep.equal({ours: gone, replaced: undefined})
      expect(replacedBy(base, removal, [release(11, 'R0')])).to.equal(undefined)
    })

    it('cannot tell (undefined) when no release carries our write', () => {
      expect(replacedBy(base, ours, [release(11, 'R-theirs'), release(12, 'R-other')])).to.equal(undefined)
    })
  })

  describe('key/rotation-state heldByAnother: the lease of a rotation run', () => {
    it('is held by another run until its until', () => {
      expect(heldByAnother(staged('0a1b2c3d', '2026-06-01T12:05:00.000Z'), 'ffffffff', NOW)?.run).to.equal('0a1b2c3d')
    })

    it('is not held against the run that holds it', () => {
      expect(heldByAnother(staged('0a1b2c3d', '2026-06-01T12:05:00.000Z'), '0a1b2c3d', NOW)).to.equal(undefined)
    })

    it('is over once until has passed, or when until is not a time, so a re-run continues', () => {
      expect(heldByAnother(staged('0a1b2c3d', '2026-06-01T11:59:59.000Z'), 'ffffffff', NOW)).to.equal(undefined)
      expect(heldByAnother(staged('0a1b2c3d', 'tomorrow'), 'ffffffff', NOW)).to.equal(undefined)
    })

    it('holds nothing in a record written before runs had an id, or once the rotation is complete', () => {
      expect(heldByAnother(staged(), 'ffffffff', NOW)).to.equal(undefined)
      expect(heldByAnother(record({
        new: 'skfp1:aaaaaaaaaaaaaaaa', phase: 'complete', run: '0a1b2c3d', started_at: '2026-06-01T11:59:00.000Z', until: '2026-06-01T12:05:00.000Z',
      }), 'ffffffff', NOW)).to.equal(undefined)
    })
  })

  describe('key/rotation-state recordAt with a lease', () => {
    const state = {current: 'skfp1:cccccccccccccccc', new: 'skfp1:aaaaaaaaaaaaaaaa'}

    it('writes the run and its until with stage and promote, and the run alone with close', () => {
      const lease = {run: '0a1b2c3d', until: '2026-06-01T12:11:00.000Z'}
      expect(recordAt('stage', record(), state, NOW.toISOString(), lease).rotation).to.include(lease)
      expect(recordAt('promote', record(), state, NOW.toISOString(), lease).rotation).to.include(lease)
      const closed = recordAt('close', record(), state, NOW.toISOString(), lease).rotation
      expect(closed).to.include({phase: 'complete', run: '0a1b2c3d'})
      expect(closed).to.not.have.property('until')
    })
  })

  describe('key/record recordProblem: the fields of concurrency', () => {
    it('accepts a run id of 8 hex digits, an until and a write_id', () => {
      expect(recordProblem(json({run: '0a1b2c3d', until: '2026-06-01T12:11:00.000Z'}, {write_id: '01234567'}))).to.equal(undefined)
    })

    it('refuses a run id that is not 8 hex digits, an until that is not a string, a write_id that is not one', () => {
      expect(recordProblem(json({run: '../../x'}))).to.match(/run or until/)
      expect(recordProblem(json({until: 5}))).to.match(/run or until/)
      expect(recordProblem(json({}, {write_id: {}}))).to.match(/write_id/)
    })
  })
})
