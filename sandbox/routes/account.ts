import type {Platform} from '../platform.js'
import type {Router} from '../router.js'

import {accountJson} from '../representations.js'
import {ok} from '../router.js'

/** `GET /account` (also what Particleboard answers, for the CLI's delinquency check) and the free rate-limit probe. */
export function accountRoutes(router: Router, platform: Platform): void {
  router
  .add('GET', '/account', () => ok(accountJson(platform.state)))
  .add('GET', '/account/rate-limits', () => ok({remaining: platform.rateLimiter.remaining}))
}
