/* eslint-disable camelcase -- Platform API fixtures and --json documents are snake_case */
import {expect} from 'chai'
import nock from 'nock'
import {stripVTControlCharacters} from 'node:util'

import Attach from '../../../../src/commands/securekey/attach.js'
import {fingerprint} from '../../../../src/runtime/key.js'
import {
  ADDON, API, attachment, KEY, LATEST, OTHER, OWNER_ATTACHMENT, POSTGRES, TEST_KEYS, UNIT_ENV,
} from '../../../helpers/fixtures.js'
import {expectNoKeyValue, text} from '../../../helpers/output.js'
import {runCommand} from '../../../helpers/run-command.js'
import {withoutTerminal} from '../../../helpers/terminal.js'

const ENV = {...UNIT_ENV, HEROKU_APP: undefined}

/** --from service-1: the owner's add-ons and its config (for self-managed keys), then the add-on's attachments. */
function plan(attachments = [OWNER_ATTACHMENT]) {
  return nock(API)
  .get('/apps/service-1/addons').reply(200, [POSTGRES, ADDON])
  .get('/apps/service-1/config-vars').reply(200, {SECURE_KEY: KEY})
  .get(`/addons/${ADDON.id}/addon-attachments`).reply(200, attachments)
}

const attachBody = (peer: string, name = 'SERVICE_1_SECURE', confirm?: string) => (body: Record<string, unknown>) =>
  JSON.stringify(body) === JSON.stringify({
    addon: {name: ADDON.id}, app: {name: peer}, confirm, name,
  })

const taken = (peer: string) => [423, {id: 'confirmation_required', message: `SERVICE_1_SECURE_KEY is already set on ${peer}.`}, {'X-Confirmation-Required': peer}] as const

describe('securekey:attach', () => {
  withoutTerminal()

  // Planning reads every peer (GET /apps/{peer}) before any write; here every peer exists.
  beforeEach(() => {
    nock(API).persist().get(/^\/apps\/[a-z][\da-z-]+$/).reply(200, uri => ({name: uri.split('/')[2]}))
  })

  afterEach(() => {
    nock.cleanAll()
  })

  it('attaches the add-on --from owns as <OWNER>_SECURE, shows the config var before and after, and confirms the fingerprint', async () => {
    const api = plan()
    .post('/addon-attachments', attachBody('service-2')).reply(201, attachment('service-2', 'SERVICE_1_SECURE'))
    .get('/apps/service-1/config-vars').reply(200, {SECURE_KEY: KEY})
    .get('/apps/service-2/config-vars').reply(200, {SERVICE_1_SECURE_KEY: KEY})

    const result = await runCommand(Attach, ['--from', 'service-1', '-a', 'service-2'], ENV)

    expect(result.exitCode, result.stderr).to.equal(0)
    expect(api.isDone()).to.equal(true)
    const out = text(result)
    expect(out).to.include('Attaching securekey-solid-14332 (owned by service-1, securekey:fortnightly) to service-2 as SERVICE_1_SECURE: each gets SERVICE_1_SECURE_KEY.')
    expect(out).to.include('restarts its dynos')
    expect(out).to.include(`service-2  attached as SERVICE_1_SECURE; SERVICE_1_SECURE_KEY on service-2 matches service-1 (${fingerprint(LATEST)})`)
    expectNoKeyValue(result, TEST_KEYS)
  })

  it('attaches a named add-on under --as, to several apps, each on its own line', async () => {
    const api = nock(API)
    .get(`/addons/${ADDON.name}`).reply(200, ADDON)
    .get(`/addons/${ADDON.id}/addon-attachments`).reply(200, [OWNER_ATTACHMENT])
    .post('/addon-attachments', attachBody('service-2', 'SERVICE_ONE_SECURE')).reply(201, attachment('service-2', 'SERVICE_ONE_SECURE'))
    .post('/addon-attachments', attachBody('service-3', 'SERVICE_ONE_SECURE')).reply(201, attachment('service-3', 'SERVICE_ONE_SECURE'))
    .get('/apps/service-1/config-vars').reply(200, {SECURE_KEY: KEY})
    .get('/apps/service-2/config-vars').reply(200, {SERVICE_ONE_SECURE_KEY: KEY})
    .get('/apps/service-3/config-vars').reply(200, {SERVICE_ONE_SECURE_KEY: KEY})

    const result = await runCommand(Attach, [ADDON.name, '--as', 'SERVICE_ONE_SECURE', '-a', 'service-2', '-a', 'service-3', '--json'], ENV)

    expect(result.exitCode, result.stderr).to.equal(0)
    expect(api.isDone()).to.equal(true)
    const peer = (name: string) => ({
      app: name, config_var: 'SERVICE_ONE_SECURE_KEY', confirmed_by: null, fingerprint: {latest: fingerprint(LATEST)}, matches: true, message: null, status: 'attached',
    })
    expect(JSON.parse(result.stdout)).to.deep.equal({
      attachment: {config_var: 'SERVICE_ONE_SECURE_KEY', name: 'SERVICE_ONE_SECURE'},
      dry_run: false,
      fingerprint: {latest: fingerprint(LATEST)},
      key: {
        addon: {id: ADDON.id, plan: 'securekey:fortnightly', state: 'provisioned'}, config_var: 'SECURE_KEY', kind: 'addon', name: ADDON.name, owner: 'service-1',
      },
      peers: [peer('service-2'), peer('service-3')],
    })
    expectNoKeyValue(result, TEST_KEYS)
  })

  it('takes the one peer from HEROKU_APP when no -a is given, as flags.app does elsewhere', async () => {
    const api = plan()
    .post('/addon-attachments', attachBody('service-2')).reply(201, attachment('service-2', 'SERVICE_1_SECURE'))
    .get('/apps/service-1/config-vars').reply(200, {SECURE_KEY: KEY})
    .get('/apps/service-2/config-vars').reply(200, {SERVICE_1_SECURE_KEY: KEY})

    const result = await runCommand(Attach, ['--from', 'service-1'], {...ENV, HEROKU_APP: 'service-2'})

    expect(result.exitCode, result.stderr).to.equal(0)
    expect(api.isDone()).to.equal(true)
    expect(text(result)).to.include('service-2  attached as SERVICE_1_SECURE')
  })

  it('reports every peer when one fails, and exits non-zero naming the failed one', async () => {
    const api = plan()
    .post('/addon-attachments', attachBody('service-2')).reply(201, attachment('service-2', 'SERVICE_1_SECURE'))
    .post('/addon-attachments', attachBody('service-9')).reply(404, {id: 'not_found', message: 'Couldn\'t find that app.', resource: 'app'})
    .post('/addon-attachments', attachBody('service-3')).reply(201, attachment('service-3', 'SERVICE_1_SECURE'))
    .get('/apps/service-1/config-vars').reply(200, {SECURE_KEY: KEY})
    .get('/apps/service-2/config-vars').reply(200, {SERVICE_1_SECURE_KEY: KEY})
    .get('/apps/service-3/config-vars').reply(200, {SERVICE_1_SECURE_KEY: KEY})

    const result = await runCommand(Attach, ['--from', 'service-1', '-a', 'service-2', '-a', 'service-9', '-a', 'service-3'], ENV)

    expect(result.exitCode).to.equal(1)
    expect(api.isDone()).to.equal(true)
    const out = text(result)
    expect(out).to.match(/service-2 {2}attached as SERVICE_1_SECURE; SERVICE_1_SECURE_KEY on service-2 matches service-1/)
    expect(out).to.include('service-9  failed: Couldn\'t find that app. (not_found, HTTP 404)')
    expect(out).to.match(/service-3 {2}attached as SERVICE_1_SECURE; SERVICE_1_SECURE_KEY on service-3 matches service-1/)
    expect(out).to.include('1 of 3 apps could not be attached: service-9. The other 2 are attached; a re-run skips them and retries the rest.')
  })

  it('with --json and a failed peer, still prints the whole document and exits non-zero', async () => {
    plan()
    .post('/addon-attachments', attachBody('service-2')).reply(201, attachment('service-2', 'SERVICE_1_SECURE'))
    .post('/addon-attachments', attachBody('service-9')).reply(404, {id: 'not_found', message: 'Couldn\'t find that app.', resource: 'app'})
    .get('/apps/service-1/config-vars').reply(200, {SECURE_KEY: KEY})
    .get('/apps/service-2/config-vars').reply(200, {SERVICE_1_SECURE_KEY: KEY})

    const result = await runCommand(Attach, ['--from', 'service-1', '-a', 'service-2', '-a', 'service-9', '--json'], ENV)

    expect(result.exitCode).to.equal(1)
    const document = JSON.parse(result.stdout)
    expect(document.peers.map((peer: {app: string, status: string}) => [peer.app, peer.status])).to.deep.equal([['service-2', 'attached'], ['service-9', 'failed']])
    expect(document.peers[1].message).to.equal('Couldn\'t find that app. (not_found, HTTP 404)')
  })

  it('on a re-run says "already attached" and sends no attach request', async () => {
    const api = plan([OWNER_ATTACHMENT, attachment('service-2', 'SERVICE_1_SECURE')])
    .get('/apps/service-1/config-vars').reply(200, {SECURE_KEY: KEY})
    .get('/apps/service-2/config-vars').reply(200, {SERVICE_1_SECURE_KEY: KEY})

    const result = await runCommand(Attach, ['--from', 'service-1', '-a', 'service-2'], ENV)

    expect(result.exitCode, result.stderr).to.equal(0)
    expect(api.isDone()).to.equal(true)
    const out = text(result)
    expect(out).to.include(`service-2  already attached as SERVICE_1_SECURE; SERVICE_1_SECURE_KEY on service-2 matches service-1 (${fingerprint(LATEST)})`)
    expect(out).to.not.include('restarts')
  })

  it('warns loudly when a peer\'s key does not match the owner\'s', async () => {
    plan()
    .post('/addon-attachments', attachBody('service-2')).reply(201, attachment('service-2', 'SERVICE_1_SECURE'))
    .get('/apps/service-1/config-vars').reply(200, {SECURE_KEY: KEY})
    .get('/apps/service-2/config-vars').reply(200, {SERVICE_1_SECURE_KEY: `${OTHER},${LATEST}`})

    const result = await runCommand(Attach, ['--from', 'service-1', '-a', 'service-2'], ENV)

    expect(result.exitCode, result.stderr).to.equal(0)
    expect(result.stdout).to.include(`SERVICE_1_SECURE_KEY on service-2 does NOT match service-1 (${fingerprint(OTHER)})`)
    // oclif wraps warnings to the terminal width, with a ' ›' margin.
    const warning = stripVTControlCharacters(result.stderr).replaceAll(/\s*›\s*/g, ' ').replaceAll(/\s+/g, ' ')
    expect(warning).to.include(`Warning: SERVICE_1_SECURE_KEY on service-2 does NOT match service-1: service-2 has ${fingerprint(OTHER)}, service-1 has ${fingerprint(LATEST)}`)
    expectNoKeyValue(result, TEST_KEYS)
  })

  it('stops on a taken name without a terminal: that peer is not attached, the others are, exit non-zero', async () => {
    let service2Posts = 0
    const api = plan()
    .post('/addon-attachments', attachBody('service-2')).reply(() => {
      service2Posts++
      return taken('service-2')
    })
    .post('/addon-attachments', attachBody('service-3')).reply(201, attachment('service-3', 'SERVICE_1_SECURE'))
    .get('/apps/service-1/config-vars').reply(200, {SECURE_KEY: KEY})
    .get('/apps/service-3/config-vars').reply(200, {SERVICE_1_SECURE_KEY: KEY})

    const result = await runCommand(Attach, ['--from', 'service-1', '-a', 'service-2', '-a', 'service-3', '--json'], ENV)

    expect(result.exitCode).to.equal(1)
    expect(api.isDone()).to.equal(true)
    expect(service2Posts).to.equal(1)
    const [service2, service3] = JSON.parse(result.stdout).peers
    expect(service2).to.include({app: 'service-2', status: 'needs_confirmation'})
    expect(service2.message).to.include('SERVICE_1_SECURE is already taken on service-2 (SERVICE_1_SECURE_KEY is already set on service-2.)')
    expect(service2.message).to.include('--confirm service-2')
    expect(service3).to.include({app: 'service-3', status: 'attached'})
    expect(text(result)).to.include('1 of 2 apps could not be attached: service-2.')
  })

  it('with --confirm PEER repeats that peer\'s attach with confirm', async () => {
    const api = plan()
    .post('/addon-attachments', attachBody('service-2')).reply(...taken('service-2'))
    .post('/addon-attachments', attachBody('service-2', 'SERVICE_1_SECURE', 'service-2')).reply(201, attachment('service-2', 'SERVICE_1_SECURE'))
    .get('/apps/service-1/config-vars').reply(200, {SECURE_KEY: KEY})
    .get('/apps/service-2/config-vars').reply(200, {SERVICE_1_SECURE_KEY: KEY})

    const result = await runCommand(Attach, ['--from', 'service-1', '-a', 'service-2', '--confirm', 'service-2'], ENV)

    expect(result.exitCode, result.stderr).to.equal(0)
    expect(api.isDone()).to.equal(true)
    expect(text(result)).to.include('service-2  attached as SERVICE_1_SECURE (replacing what held SERVICE_1_SECURE, confirmed by --confirm); SERVICE_1_SECURE_KEY on service-2 matches service-1')
  })

  it('refuses an add-on of another service, naming its service, before any attach request', async () => {
    const api = nock(API).get(`/addons/${POSTGRES.name}`).reply(200, POSTGRES)

    const result = await runCommand(Attach, [POSTGRES.name, '-a', 'service-2'], ENV)

    expect(result.exitCode).to.equal(1)
    expect(api.isDone()).to.equal(true)
    expect(text(result)).to.include('postgresql-curved-1 is a heroku-postgresql add-on; securekey:attach shares securekey add-ons only; use heroku addons:attach <addon> -a <app> for other services.')
  })

  it('lists the add-ons when --from owns several securekey add-ons', async () => {
    const second = {...ADDON, id: 'second', name: 'securekey-other-2'}
    nock(API).get('/apps/service-1/addons').reply(200, [ADDON, second]).get('/apps/service-1/config-vars').reply(200, {})

    const result = await runCommand(Attach, ['--from', 'service-1', '-a', 'service-2'], ENV)

    expect(result.exitCode).to.equal(1)
    expect(text(result)).to.include('service-1 owns 2 shared keys: securekey-solid-14332 (add-on), securekey-other-2 (add-on)')
  })

  it('says so when --from owns no securekey add-on', async () => {
    nock(API).get('/apps/service-1/addons').reply(200, [POSTGRES]).get('/apps/service-1/config-vars').reply(200, {})

    const result = await runCommand(Attach, ['--from', 'service-1', '-a', 'service-2'], ENV)

    expect(result.exitCode).to.equal(1)
    expect(text(result)).to.include('service-1 owns no shared key.')
  })

  it('refuses to attach the add-on to the app that owns it, before any attach request', async () => {
    const api = nock(API).get('/apps/service-1/addons').reply(200, [ADDON]).get('/apps/service-1/config-vars').reply(200, {SECURE_KEY: KEY})

    const result = await runCommand(Attach, ['--from', 'service-1', '-a', 'service-2', '-a', 'service-1'], ENV)

    expect(result.exitCode).to.equal(1)
    expect(api.isDone()).to.equal(true)
    expect(text(result)).to.include('service-1 owns securekey-solid-14332 and holds its key already')
  })

  it('refuses a named add-on that --from does not own', async () => {
    nock(API).get(`/addons/${ADDON.name}`).reply(200, ADDON)

    const result = await runCommand(Attach, [ADDON.name, '--from', 'service-3', '-a', 'service-2'], ENV)

    expect(result.exitCode).to.equal(1)
    expect(text(result)).to.include('securekey-solid-14332 is owned by service-1, not service-3.')
  })

  it('with --dry-run shows each peer\'s plan, including a name to confirm, and sends no mutating request', async () => {
    const api = plan([OWNER_ATTACHMENT, attachment('service-4', 'SERVICE_1_SECURE')])
    .get('/apps/service-2/addon-attachments').reply(200, [])
    .get('/apps/service-2/config-vars').reply(200, {})
    .get('/apps/service-3/addon-attachments').reply(200, [])
    .get('/apps/service-3/config-vars').reply(200, {SERVICE_1_SECURE_KEY: KEY})

    const result = await runCommand(Attach, ['--from', 'service-1', '-a', 'service-2', '-a', 'service-3', '-a', 'service-4', '--dry-run'], ENV)

    expect(result.exitCode, result.stderr).to.equal(0)
    expect(api.isDone()).to.equal(true)
    const out = text(result)
    const header = 'Dry run: attaching securekey-solid-14332 (owned by service-1, securekey:fortnightly) to service-2, service-3, service-4 as SERVICE_1_SECURE'
    expect(out).to.include(`${header}: each gets SERVICE_1_SECURE_KEY.`)
    expect(out).to.include('service-2  would attach: sets SERVICE_1_SECURE_KEY and restarts service-2\'s dynos')
    expect(out).to.include('service-3  needs confirmation: SERVICE_1_SECURE is taken on service-3 by the config var SERVICE_1_SECURE_KEY; a real run asks on a terminal, or add --confirm service-3')
    expect(out).to.include('service-4  already attached as SERVICE_1_SECURE: nothing to do')
    expect(out).to.include('Nothing was changed.')
    expectNoKeyValue(result, TEST_KEYS)
  })

  it('with --dry-run --confirm says the taken name would be replaced', async () => {
    plan()
    .get('/apps/service-2/addon-attachments').reply(200, [{...attachment('service-2', 'SERVICE_1_SECURE'), addon: {id: POSTGRES.id, name: POSTGRES.name}}])
    .get('/apps/service-2/config-vars').reply(200, {})

    const result = await runCommand(Attach, ['--from', 'service-1', '-a', 'service-2', '--dry-run', '--confirm', 'service-2', '--json'], ENV)

    expect(result.exitCode, result.stderr).to.equal(0)
    expect(JSON.parse(result.stdout).peers[0]).to.include({
      message: 'SERVICE_1_SECURE is taken on service-2 by the attachment SERVICE_1_SECURE of postgresql-curved-1', status: 'would_replace',
    })
  })

  for (const [what, argv, message] of [
    ['a peer app name', ['--from', 'service-1', '-a', 'Service-2'], '"Service-2" (--app) is not a valid app name'],
    ['an --as name', ['--from', 'service-1', '-a', 'service-2', '--as', 'secure'], 'Did you mean SECURE?'],
    ['a --from app name', ['--from', 'Service 1', '-a', 'service-2'], '(--from) is not a valid app name'],
    ['a --confirm naming no peer', ['--from', 'service-1', '-a', 'service-2', '--confirm', 'service-3'], '--confirm service-3 does not match'],
    ['a call naming neither the add-on nor --from', ['-a', 'service-2'], 'Name the key to attach, or the app that owns it with --from.'],
  ] as const) {
    it(`refuses ${what} before any request`, async () => {
      const result = await runCommand(Attach, [...argv], ENV)

      expect(result.exitCode).to.equal(1)
      expect(text(result)).to.include(message)
    })
  }
})
