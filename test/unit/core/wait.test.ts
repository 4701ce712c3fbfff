
import {expect} from 'chai'

import {
  DEFAULT_POLL, nextPollDelay, pollSchedule, pollUntil, refillDelay,
} from '../../../src/core/wait.js'

describe('waiting', () => {
  describe('the schedule every --wait uses', () => {
    it('starts at 2 s, grows ×1.5 and stops growing at 30 s, for a poll of one request', () => {
      const delays: number[] = []
      let delay: number | undefined
      for (let i = 0; i < 10; i++) {
        const next: number = nextPollDelay(delay, DEFAULT_POLL, 1)
        delays.push(next)
        delay = next
      }

      expect(delays).to.deep.equal([2400, 3600, 5400, 8100, 12_150, 18_225, 27_338, 30_000, 30_000, 30_000])
    })

    it('spends at most a third of the account\'s hourly refill: 2.4 s a request, however many the poll makes', () => {
      expect(nextPollDelay(undefined, DEFAULT_POLL, 10)).to.equal(24_000)
      expect(nextPollDelay(30_000, DEFAULT_POLL, 100)).to.equal(240_000)
      // Over an hour of waiting, polls of 100 requests make at most 1,500 of them.
      expect(Math.floor(3_600_000 / nextPollDelay(30_000, DEFAULT_POLL, 100)) * 100).to.be.at.most(1500)
    })

    it('lets the pool refill above 500 before the next poll, at 75 a minute', () => {
      expect(refillDelay(400, DEFAULT_POLL, 4)).to.equal(104 * 800)
      expect(refillDelay(499, DEFAULT_POLL, 1)).to.equal(2 * 800)
    })

    it('takes the first pause from HEROKU_SECUREKEY_WAIT_INTERVAL_MS and scales the rest with it', () => {
      expect(pollSchedule({HEROKU_SECUREKEY_WAIT_INTERVAL_MS: '50'})).to.deep.equal({initialMs: 50, maxMs: 750, msPerRequest: 60})
      expect(pollSchedule({HEROKU_SECUREKEY_WAIT_INTERVAL_MS: '1s'})).to.deep.equal({initialMs: 1000, maxMs: 15_000, msPerRequest: 1200})
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
        schedule: {initialMs: 10, maxMs: 20, msPerRequest: 1},
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
        done: () => false, schedule: {initialMs: 5, maxMs: 5, msPerRequest: 1}, timeoutMs: 30,
      })
      expect(result.done).to.equal(false)
      expect(result.value).to.equal('still')
      expect(result.polls).to.be.greaterThan(1)
    })

    it('pauses while RateLimit-Remaining is below 500, says so, and asks the account again before polling', async () => {
      const slept: number[] = []
      const paused: number[] = []
      const answers = [450, 520]
      let polls = 0
      const account = {
        async rateLimitLeft() {
          account.rateLimitRemaining = answers.shift()!
          return account.rateLimitRemaining
        },
        rateLimitRemaining: 300 as number | undefined,
      }
      await pollUntil(async () => ++polls, {
        done: value => value === 2,
        onPause: remaining => paused.push(remaining),
        rateLimit: account,
        schedule: {initialMs: 10, maxMs: 20, msPerRequest: 3},
        async sleep(ms) {
          slept.push(ms)
        },
      })
      expect(polls).to.equal(2)
      expect(paused).to.deep.equal([300, 450])
      // The poll's pause, then two refills of (500 + 1 - left) requests at 1 ms each (msPerRequest 3 / 2400 × 800 ms).
      expect(slept).to.deep.equal([10, 201, 51])
    })
  })
})
