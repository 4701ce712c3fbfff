
import {expect} from 'chai'

import {DEFAULT_POLL, nextPollDelay, pollSchedule} from '../../../src/status/status.js'

describe('status gathering helpers', () => {
  describe('the --wait schedule', () => {
    const rate = {remaining: 4000, requestsPerPoll: 4}

    it('starts at 2 s, grows ×1.5 and stops growing at 30 s', () => {
      const delays: number[] = []
      let delay: number | undefined
      for (let i = 0; i < 10; i++) {
        delay = nextPollDelay(delay, DEFAULT_POLL, rate)
        delays.push(delay)
      }

      expect(delays).to.deep.equal([2000, 3000, 4500, 6750, 10_125, 15_188, 22_782, 30_000, 30_000, 30_000])
    })

    it('waits twice the longest pause when RateLimit-Remaining is low', () => {
      expect(nextPollDelay(undefined, DEFAULT_POLL, {remaining: 60, requestsPerPoll: 4})).to.equal(60_000)
      expect(nextPollDelay(3000, DEFAULT_POLL, {remaining: 300, requestsPerPoll: 40})).to.equal(60_000)
      expect(nextPollDelay(undefined, DEFAULT_POLL, {remaining: undefined, requestsPerPoll: 4})).to.equal(2000)
    })

    it('takes the first pause from HEROKU_SECUREKEY_WAIT_INTERVAL_MS and caps at 15 times it', () => {
      expect(pollSchedule({HEROKU_SECUREKEY_WAIT_INTERVAL_MS: '50'})).to.deep.equal({initialMs: 50, maxMs: 750})
      expect(pollSchedule({HEROKU_SECUREKEY_WAIT_INTERVAL_MS: '1s'})).to.deep.equal({initialMs: 1000, maxMs: 15_000})
      expect(pollSchedule({})).to.deep.equal(DEFAULT_POLL)
      expect(pollSchedule({HEROKU_SECUREKEY_WAIT_INTERVAL_MS: 'soon'})).to.deep.equal(DEFAULT_POLL)
    })
  })
})
