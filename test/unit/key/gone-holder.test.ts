import {expect} from 'chai'

import {NotFoundError} from '../../../src/core/errors.js'
import {PlatformError} from '../../../src/core/platform-api.js'
import {appProblem} from '../../../src/key/addons.js'
import {dropHolderCommand, goneHolderAdvice, holderProblem} from '../../../src/key/gone-holder.js'

const KEY = {configVar: 'SECURE_KEY', owner: 'service-1'}

describe('key/gone-holder', () => {
  describe('holderProblem', () => {
    const cases: Array<[string, unknown, ReturnType<typeof holderProblem>]> = [
      ['a 404 is an app that no longer exists', new PlatformError(404, 'not_found', 'Couldn\'t find that app.', 'app'), 'not_found'],
      ['a 403 forbidden is an app this account cannot see', new PlatformError(403, 'forbidden', 'You do not have access to the app service-3.'), 'forbidden'],
      ['appProblem\'s sentence for a 404 keeps its kind', appProblem(new PlatformError(404, 'not_found', 'Couldn\'t find that app.', 'app'), 'service-3'), 'not_found'],
      ['appProblem\'s sentence for a 403 keeps its kind', appProblem(new PlatformError(403, 'forbidden', 'No access.'), 'service-3'), 'forbidden'],
      ['a 403 for another reason (two-factor) is not the app\'s', new PlatformError(403, 'two_factor', 'needs a code'), undefined],
      ['a 503 is transient', new PlatformError(503, 'unavailable', 'Service unavailable.'), undefined],
      ['a 429 is transient', new PlatformError(429, 'rate_limit', 'Slow down.'), undefined],
      ['a network error is transient', new PlatformError(0, 'network_error', 'could not reach the Heroku API (ECONNRESET)'), undefined],
      ['a plugin error without an API id is not', new NotFoundError('no key'), undefined],
      ['anything else is not', new Error('boom'), undefined],
    ]
    for (const [title, error, expected] of cases) {
      it(title, () => {
        expect(holderProblem(error)).to.equal(expected)
      })
    }
  })

  it('advises dropping an app that no longer exists, confirmed by its name, and never dropping one out of reach', () => {
    expect(goneHolderAdvice({app: 'gone-app', problem: 'not_found'}, KEY)).to.include('gone-app no longer exists').and.include(dropHolderCommand('SECURE_KEY', 'service-1', 'gone-app'))
    expect(dropHolderCommand('SECURE_KEY', 'service-1', 'gone-app')).to.equal('heroku securekey:teardown SECURE_KEY -a service-1 --holder gone-app --confirm gone-app')
    const forbidden = goneHolderAdvice({app: 'locked-app', problem: 'forbidden'}, KEY)
    expect(forbidden).to.include('locked-app is not accessible with this account').and.include('heroku access -a locked-app').and.not.include('--holder')
  })
})
