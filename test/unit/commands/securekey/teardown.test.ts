/* eslint-disable camelcase -- the Platform API's and the --json document's snake_case fields */
import {expect} from 'chai'
import nock from 'nock'

import Teardown from '../../../../src/commands/securekey/teardown.js'
import {
  ADDON, API, attachment, POSTGRES, UNIT_ENV,
} from '../../../helpers/fixtures.js'
import {runCommand} from '../../../helpers/run-command.js'
import {withoutTerminal} from '../../../helpers/terminal.js'

const ENV = {...UNIT_ENV, HEROKU_SECUREKEY_WAIT_INTERVAL_MS: '1'}
// The refusal test below names this add-on.
const postgres = {...POSTGRES, name: 'postgresql-round-1'}
const ATTACHMENTS = [attachment('service-1', 'SECURE'), attachment('service-2', 'SERVICE_1_SECURE'), attachment('service-3', 'SERVICE_1_SECURE')]

let seen: string[]

function api(): nock.Scope {
  return nock(API).on('request', (req: {method: string, path: string}) => {
    seen.push(`${req.method} ${req.path}`)
  })
}

const mutating = () => seen.filter(request => !request.startsWith('GET '))

describe('securekey:teardown', () => {
  withoutTerminal()

  beforeEach(() => {
    seen = []
  })

  afterEach(() => {
    nock.cleanAll()
  })

  it('prints the plan with --dry-run and sends only GET requests', async () => {
    const scope = api()
    .get('/apps/service-1/addons').reply(200, [ADDON, postgres]).get('/apps/service-1/config-vars').reply(200, {})
    .get(`/addons/${ADDON.id}/addon-attachments`).reply(200, ATTACHMENTS)

    const {exitCode, stdout} = await runCommand(Teardown, ['-a', 'service-1', '--dry-run'], ENV)

    expect(exitCode).to.equal(0)
    expect(stdout).to.equal([
      'Teardown of securekey-solid-14332 (securekey:fortnightly), owned by service-1:',
      '  1. Detach SERVICE_1_SECURE from service-2: removes SERVICE_1_SECURE_KEY and restarts service-2',
      '  2. Detach SERVICE_1_SECURE from service-3: removes SERVICE_1_SECURE_KEY and restarts service-3',
      '  3. Destroy securekey-solid-14332 on service-1: removes SECURE_KEY and restarts service-1',
      'Dry run: nothing was changed. To tear it down: heroku securekey:teardown securekey-solid-14332 -a service-1 --confirm service-1',
      '',
    ].join('\n'))
    expect(mutating()).to.deep.equal([])
    scope.done()
  })

  it('detaches each peer, lists the attachments again, then destroys on the owner without force', async () => {
    const scope = api()
    .get('/apps/service-1/addons').reply(200, [ADDON]).get('/apps/service-1/config-vars').reply(200, {})
    .get(`/addons/${ADDON.id}/addon-attachments`).reply(200, ATTACHMENTS)
    .delete(`/addon-attachments/${ATTACHMENTS[1].id}`).reply(200, ATTACHMENTS[1])
    .delete(`/addon-attachments/${ATTACHMENTS[2].id}`).reply(200, ATTACHMENTS[2])
    .get(`/addons/${ADDON.id}/addon-attachments`).reply(200, [ATTACHMENTS[0]])
    .delete(`/apps/service-1/addons/${ADDON.id}`, body => body.force === false).reply(200, {...ADDON, state: 'deprovisioned'})

    const {exitCode, stderr, stdout} = await runCommand(Teardown, ['-a', 'service-1', '--confirm', 'service-1'], ENV)

    expect(exitCode, stderr).to.equal(0)
    expect(stdout).to.include('Detached SERVICE_1_SECURE from service-2: SERVICE_1_SECURE_KEY removed\n')
    expect(stdout).to.include('Detached SERVICE_1_SECURE from service-3: SERVICE_1_SECURE_KEY removed\n')
    expect(stdout).to.include('Destroyed securekey-solid-14332 on service-1: teardown complete.\n')
    expect(mutating().at(-1)).to.equal(`DELETE /apps/service-1/addons/${ADDON.id}`)
    scope.done()
  })

  it('stops before any change without a terminal and without --confirm, saying how to confirm', async () => {
    const scope = api()
    .get('/apps/service-1/addons').reply(200, [ADDON]).get('/apps/service-1/config-vars').reply(200, {})
    .get(`/addons/${ADDON.id}/addon-attachments`).reply(200, ATTACHMENTS)

    const {exitCode, stderr} = await runCommand(Teardown, ['-a', 'service-1'], ENV)

    expect(exitCode).to.equal(1)
    expect(stderr).to.include('There is no terminal to confirm on: re-run with --confirm service-1.')
    expect(mutating()).to.deep.equal([])
    scope.done()
  })

  it('aborts on a --confirm naming another app, changing nothing', async () => {
    api()
    .get('/apps/service-1/addons').reply(200, [ADDON]).get('/apps/service-1/config-vars').reply(200, {})
    .get(`/addons/${ADDON.id}/addon-attachments`).reply(200, ATTACHMENTS)

    const {exitCode, stderr} = await runCommand(Teardown, ['-a', 'service-1', '--confirm', 'service-2'], ENV)

    expect(exitCode).to.equal(1)
    expect(stderr).to.include('--confirm service-2 does not match service-1, the app that owns securekey-solid-14332: nothing was changed.')
    expect(mutating()).to.deep.equal([])
  })

  it('refuses an add-on of another service', async () => {
    api().get(`/addons/${postgres.name}`).reply(200, postgres)

    const {exitCode, stderr} = await runCommand(Teardown, [postgres.name, '-a', 'service-1', '--confirm', 'service-1'], ENV)

    expect(exitCode).to.equal(1)
    expect(stderr).to.include('postgresql-round-1 is a heroku-postgresql add-on; securekey:teardown only removes securekey add-ons.')
    expect(mutating()).to.deep.equal([])
  })

  it('says there is nothing to tear down, exiting 0, when the app owns no securekey add-on', async () => {
    api().get('/apps/service-1/addons').reply(200, [postgres]).get('/apps/service-1/config-vars').reply(200, {})

    const {exitCode, stdout} = await runCommand(Teardown, ['-a', 'service-1', '--confirm', 'service-1'], ENV)

    expect(exitCode).to.equal(0)
    expect(stdout).to.equal('service-1 owns no shared key (no securekey add-on, no self-managed key): nothing to tear down.\n')
  })

  it('refuses a named add-on that cannot be found, exiting 1 (a typo looks like a finished teardown)', async () => {
    api()
    .get('/addons/securekey-gone-1').reply(404, {id: 'not_found', message: 'Couldn\'t find that add on.', resource: 'add_on'})
    .post('/actions/addons/resolve', {addon: 'securekey-gone-1', app: 'service-1'}).reply(404, {id: 'not_found', message: 'Couldn\'t find that add on.', resource: 'add_on'})

    const {exitCode, stderr} = await runCommand(Teardown, ['securekey-gone-1', '-a', 'service-1', '--confirm', 'service-1'], ENV)

    expect(exitCode).to.equal(1)
    expect(stderr).to.include('Couldn\'t find a securekey key named securekey-gone-1 on service-1')
    expect(seen.filter(request => request.startsWith('DELETE'))).to.deep.equal([])
  })

  it('prints the plan and each step\'s result with --json', async () => {
    api()
    .get('/apps/service-1/addons').reply(200, [ADDON]).get('/apps/service-1/config-vars').reply(200, {})
    .get(`/addons/${ADDON.id}/addon-attachments`).reply(200, ATTACHMENTS.slice(0, 2))
    .delete(`/addon-attachments/${ATTACHMENTS[1].id}`).reply(200, ATTACHMENTS[1])
    .get(`/addons/${ADDON.id}/addon-attachments`).reply(200, [ATTACHMENTS[0]])
    .delete(`/apps/service-1/addons/${ADDON.id}`).reply(202, {...ADDON, state: 'deprovisioning'})
    .get(`/addons/${ADDON.id}`).reply(404, {id: 'not_found', message: 'Couldn\'t find that add on.', resource: 'add_on'})

    const {exitCode, stderr, stdout} = await runCommand(Teardown, ['-a', 'service-1', '--confirm', 'service-1', '--wait', '--json'], ENV)

    expect(exitCode, stderr).to.equal(0)
    const peer = {app: 'service-2', attachment: {id: ATTACHMENTS[1].id, name: 'SERVICE_1_SECURE'}, config_var: 'SERVICE_1_SECURE_KEY'}
    expect(JSON.parse(stdout)).to.deep.equal({
      complete: true,
      dry_run: false,
      key: {
        addon: {id: ADDON.id, plan: 'securekey:fortnightly', state: 'provisioned'}, config_var: 'SECURE_KEY', kind: 'addon', name: 'securekey-solid-14332', owner: 'service-1',
      },
      plan: {
        destroy: {addon: 'securekey-solid-14332', app: 'service-1', config_vars: ['SECURE_KEY']},
        owner_attachments: [{app: 'service-1', attachment: {id: ATTACHMENTS[0].id, name: 'SECURE'}, config_var: 'SECURE_KEY'}],
        peers: [peer],
      },
      results: {
        destroyed: {state: 'deprovisioned'}, detached: [{...peer, late: false}], failed: [], stopped: null,
      },
    })
  })

  it('prints the document with complete: false and exits 1 when a peer fails to detach under --json', async () => {
    api()
    .get('/apps/service-1/addons').reply(200, [ADDON]).get('/apps/service-1/config-vars').reply(200, {})
    .get(`/addons/${ADDON.id}/addon-attachments`).reply(200, ATTACHMENTS)
    .delete(`/addon-attachments/${ATTACHMENTS[1].id}`).reply(200, ATTACHMENTS[1])
    .delete(`/addon-attachments/${ATTACHMENTS[2].id}`).reply(503, {id: 'unavailable', message: 'Service unavailable.'})

    const {exitCode, stderr, stdout} = await runCommand(Teardown, ['-a', 'service-1', '--confirm', 'service-1', '--json'], ENV)

    expect(exitCode).to.equal(1)
    const document = JSON.parse(stdout)
    expect(document.complete).to.equal(false)
    expect(document.results.destroyed).to.equal(null)
    expect(document.results.failed).to.deep.equal([{
      app: 'service-3', attachment: {id: ATTACHMENTS[2].id, name: 'SERVICE_1_SECURE'}, config_var: 'SERVICE_1_SECURE_KEY',
      error: {id: 'unavailable', message: 'Service unavailable.', status: 503}, late: false,
    }])
    expect(document.results.stopped.reason).to.equal('detach_failed')
    expect(stderr).to.include('Teardown stopped: securekey-solid-14332 is still attached to service-3')
    expect(mutating()).not.to.include(`DELETE /apps/service-1/addons/${ADDON.id}`)
  })
})
