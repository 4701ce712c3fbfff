
import {expect} from 'chai'

import {
  DEFAULT_POLL, nextPollDelay, pollSchedule, pollUntil,
} from '../../../src/core/wait.js'

describe('waiting', () => {
  describe('the schedule every --wait uses', () => {
    const rate = {remaining: 4000, requestsPerPoll: 4}

    it('starts at 2 s, grows ×1.5 and stops growing at 30 s', () => {
      const delays: number[] = []
      let delay: number | undefined
      for (let i = 0; i < 10; i++) {
        const next: number = nextPollDelay(delay, DEFAULT_POLL, rate)
        delays.push(next)
        delay = next
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

  describe('pollUntil', () => {
    it('checks at once, pauses by the schedule between checks, and stops when done', async () => {
      const slept: number[] = []
      const seen: Array<number | undefined> = []
      let calls = 0
      const result = await pollUntil(async () => ++calls, {
        done: value => value === 3,
        onPoll: (_value, next) => seen.push(next),
        schedule: {initialMs: 10, maxMs: 20},
        async sleep(ms) {
          slept.push(ms)
        },
      })
      expect(result).to.deep.equal({done: true, polls: 3, value: 3})
      expect(slept).to.deep.equal([10, 15])
      expect(seen).to.deep.equal([10, 15, undefined])
    })

    it('gives up when the timeout passes, with the last value', async () => {
      const result = await pollUntil(async () => 'still', {
        done: () => false, schedule: {initialMs: 5, maxMs: 5}, timeoutMs: 30,
      })
      expect(result.done).to.equal(false)
      expect(result.value).to.equal('still')
      expect(result.polls).to.be.greaterThan(1)
    })

    it('pauses twice the cap when RateLimit-Remaining is low', async () => {
      const slept: number[] = []
      await pollUntil(async () => 0, {
        done: () => slept.length === 1,
        rateLimitRemaining: () => 50,
        schedule: {initialMs: 10, maxMs: 20},
        async sleep(ms) {
          slept.push(ms)
        },
      })
      expect(slept).to.deep.equal([40])
    })
  })
})
