import {expect} from 'chai'

import {formatDuration, parseDuration} from '../../../src/core/duration.js'

describe('duration', () => {
  describe('parseDuration', () => {
    const valid: Array<[string, number]> = [
      ['90s', 90_000],
      ['5m', 300_000],
      ['1h', 3_600_000],
      ['1h30m', 5_400_000],
      ['2d', 172_800_000],
      ['250ms', 250],
      ['1m30s', 90_000],
      ['1.5m', 90_000],
      [' 5M ', 300_000],
    ]
    for (const [text, ms] of valid) {
      it(`reads ${JSON.stringify(text)} as ${ms} ms`, () => {
        expect(parseDuration(text)).to.equal(ms)
      })
    }

    for (const text of ['', 'soon', '5 minutes', 'm5', '-5m', '5x', '1h-30m', '45', '14', '1.5']) {
      it(`refuses ${JSON.stringify(text)}`, () => {
        expect(parseDuration(text)).to.equal(undefined)
      })
    }
  })

  describe('formatDuration', () => {
    const cases: Array<[number, string]> = [
      [250, '250ms'],
      [90_000, '1m30s'],
      [300_000, '5m'],
      [5_400_000, '1h30m'],
      [3_600_000, '1h'],
      [(13 * 86_400_000) + (4 * 3_600_000) + 59_000, '13d 4h'],
      [14 * 86_400_000, '14d'],
    ]
    for (const [ms, text] of cases) {
      it(`prints ${ms} ms as ${text}`, () => {
        expect(formatDuration(ms)).to.equal(text)
      })
    }

    it('round-trips what it prints', () => {
      for (const ms of [90_000, 300_000, 5_400_000]) expect(parseDuration(formatDuration(ms))).to.equal(ms)
    })
  })
})
