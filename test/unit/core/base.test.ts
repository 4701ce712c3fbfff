import {expect} from 'chai'
import nock from 'nock'

import Status from '../../../src/commands/securekey/status.js'
import {API, UNIT_ENV} from '../../helpers/fixtures.js'
import {runCommand} from '../../helpers/run-command.js'

describe('the base command', () => {
  afterEach(() => nock.cleanAll())

  it('prints an API error as one sentence with its id and status, and exits 1', async () => {
    nock(API).get('/apps/service-9/addons').reply(400, {id: 'bad_request', message: 'Invalid request.'})
    const result = await runCommand(Status, ['-a', 'service-9'], UNIT_ENV)
    expect(result.exitCode).to.equal(1)
    expect(result.stderr).to.include('Invalid request. (bad_request, HTTP 400)')
  })

  it('names the cause when the API cannot be reached, without an id or status', async () => {
    const result = await runCommand(Status, ['-a', 'service-1'], {...UNIT_ENV, HEROKU_HOST: 'http://127.0.0.1:9'})
    expect(result.exitCode).to.equal(1)
    expect(result.stderr).to.include('could not reach the Heroku API (ECONNREFUSED)')
    expect(result.stderr).to.not.include('network_error')
  })

  it('with --json, prints the error as the one document on stdout too', async () => {
    nock(API).get('/apps/service-9/addons').reply(400, {id: 'bad_request', message: 'Invalid request.'})
    const result = await runCommand(Status, ['-a', 'service-9', '--json'], UNIT_ENV)
    expect(result.exitCode).to.equal(1)
    expect(JSON.parse(result.stdout)).to.deep.equal({
      error: {
        id: 'bad_request', message: 'Listing service-9\'s add-ons failed, so nothing was changed: Invalid request.', status: 400, suggestions: [],
      },
    })
  })

  it('names the app a command was given when the API cannot find it', async () => {
    nock(API).get('/apps/service-9/addons').reply(404, {id: 'not_found', message: 'Couldn\'t find that app.', resource: 'app'})
    const result = await runCommand(Status, ['-a', 'service-9', '--json'], UNIT_ENV)
    expect(result.exitCode).to.equal(1)
    const {error} = JSON.parse(result.stdout)
    expect(error.id).to.equal('not_found')
    expect(error.message).to.include('Couldn\'t find the app service-9')
    expect(result.stderr).to.include('Couldn\'t find the app service-9')
  })

  it('with --json, names the plugin\'s own errors by kind', async () => {
    nock(API).get('/apps/service-3/addons').reply(200, []).get('/apps/service-3/config-vars').reply(200, {})
    const result = await runCommand(Status, ['-a', 'service-3', '--json'], UNIT_ENV)
    expect(result.exitCode).to.equal(1)
    const {error} = JSON.parse(result.stdout)
    expect(error.id).to.equal('not_found')
    expect(error.message).to.include('service-3 holds no shared key')
    expect(error.suggestions).to.include('heroku securekey:provision -a service-3')
  })
})
