/* eslint-disable camelcase -- Platform API fixtures and --json documents are snake_case */
import {expect} from 'chai'
import nock from 'nock'

import Provision from '../../../../src/commands/securekey/provision.js'
import {fingerprint} from '../../../../src/runtime/key.js'
import {
  ADDON, API, KEY, LATEST, OWNER_ATTACHMENT, PLANS, POSTGRES, PREVIOUS, TEST_KEYS, UNIT_ENV,
} from '../../../helpers/fixtures.js'
import {expectNoKeyValue, text} from '../../../helpers/output.js'
import {runCommand} from '../../../helpers/run-command.js'
import {withoutTerminal} from '../../../helpers/terminal.js'

const ENV = {...UNIT_ENV, HEROKU_SECUREKEY_WAIT_INTERVAL_MS: '5'}

/** The reads before a create: the add-ons service-1 owns (`owned`), then the securekey service's plans. */
/** The reads before a create: the app's add-ons, its config (no self-managed key the add-on would replace), the plans. */
const beforeCreate = (owned: unknown[] = []) => nock(API)
.get('/apps/service-1/addons').reply(200, owned)
.get('/apps/service-1/config-vars').reply(200, {})
.get('/addon-services/securekey/plans').reply(200, PLANS)

/** The reads after an add-on is provisioned: its attachments and the owner's config vars. */
function describeReads(api: nock.Scope, attachment = OWNER_ATTACHMENT, vars?: Record<string, string>) {
  return api
  .get(`/addons/${ADDON.id}/addon-attachments`).reply(200, [attachment])
  .get('/apps/service-1/config-vars').reply(200, vars ?? {SECURE_KEY: KEY})
}

const confirmationRequired = (status = 423) => [status, {id: 'confirmation_required', message: 'SECURE_KEY is already set on service-1.'}, {'X-Confirmation-Required': 'service-1'}] as const

describe('securekey:provision', () => {
  withoutTerminal()

  afterEach(() => {
    nock.cleanAll()
  })

  it('creates securekey:fortnightly with the API\'s default attachment and prints add-on, owner, plan, config var and fingerprint', async () => {
    const api = beforeCreate([POSTGRES])
    .post('/apps/service-1/addons', body => body.plan.name === 'securekey:fortnightly' && body.attachment === undefined && body.confirm === undefined)
    .reply(201, ADDON).get('/apps/service-1/addons').reply(200, [])
    describeReads(api)

    const result = await runCommand(Provision, ['-a', 'service-1'], ENV)

    expect(result.exitCode, result.stderr).to.equal(0)
    expect(api.isDone()).to.equal(true)
    const out = text(result)
    expect(out).to.include('Created securekey-solid-14332 on service-1.')
    expect(out).to.match(/Add-on:\s+securekey-solid-14332/)
    expect(out).to.match(/Owner:\s+service-1/)
    expect(out).to.match(/Plan:\s+securekey:fortnightly/)
    expect(out).to.match(/Config var:\s+SECURE_KEY \(attachment SECURE\)/)
    expect(out).to.include(`Fingerprint: ${fingerprint(LATEST)} (LATEST)`)
    expect(out).to.include('heroku securekey:attach securekey-solid-14332 -a <other-app>')
    expectNoKeyValue(result, TEST_KEYS)
  })

  it('prints one --json document with the add-on, attachment, created and LATEST\'s fingerprint', async () => {
    const api = beforeCreate()
    .post('/apps/service-1/addons', body => body.attachment?.name === 'SERVICE_ONE_SECURE')
    .reply(201, {...ADDON, config_vars: ['SERVICE_ONE_SECURE_KEY']}).get('/apps/service-1/addons').reply(200, [])
    describeReads(api, {...OWNER_ATTACHMENT, config_vars: ['SERVICE_ONE_SECURE_KEY'], name: 'SERVICE_ONE_SECURE'}, {SERVICE_ONE_SECURE_KEY: KEY})

    const result = await runCommand(Provision, ['-a', 'service-1', '--as', 'SERVICE_ONE_SECURE', '--json'], ENV)

    expect(result.exitCode, result.stderr).to.equal(0)
    expect(JSON.parse(result.stdout)).to.deep.equal({
      attachment: {config_var: 'SERVICE_ONE_SECURE_KEY', name: 'SERVICE_ONE_SECURE'},
      created: true,
      dry_run: false,
      fingerprint: {latest: fingerprint(LATEST)},
      key: {
        addon: {id: ADDON.id, plan: 'securekey:fortnightly', state: 'provisioned'}, config_var: 'SERVICE_ONE_SECURE_KEY', kind: 'addon', name: ADDON.name, owner: 'service-1',
      },
    })
    expectNoKeyValue(result, TEST_KEYS)
  })

  it('on a re-run shows the add-on the app owns and sends no mutating request', async () => {
    const api = nock(API).get('/apps/service-1/addons').reply(200, [POSTGRES, ADDON])
    describeReads(api)

    const result = await runCommand(Provision, ['-a', 'service-1', '--json'], ENV)

    expect(result.exitCode, result.stderr).to.equal(0)
    expect(api.isDone()).to.equal(true)
    expect(JSON.parse(result.stdout)).to.deep.include({created: false, fingerprint: {latest: fingerprint(LATEST)}})
    const human = await (async () => {
      describeReads(nock(API).get('/apps/service-1/addons').reply(200, [ADDON]))
      return runCommand(Provision, ['-a', 'service-1'], ENV)
    })()
    expect(text(human)).to.include('service-1 already owns securekey-solid-14332: created nothing (--another creates one more on purpose).')
  })

  it('ignores an add-on of another app attached to this one', async () => {
    const foreign = {
      ...ADDON, app: {id: 'x', name: 'service-9'}, id: 'foreign', name: 'securekey-foreign-1',
    }
    const api = beforeCreate([foreign])
    .post('/apps/service-1/addons').reply(201, ADDON).get('/apps/service-1/addons').reply(200, [])
    describeReads(api)

    const result = await runCommand(Provision, ['-a', 'service-1'], ENV)

    expect(result.exitCode, result.stderr).to.equal(0)
    expect(api.isDone()).to.equal(true)
  })

  it('says how to check an add-on still provisioning when --wait is not given, and exits 0', async () => {
    const api = beforeCreate()
    .post('/apps/service-1/addons').reply(201, {...ADDON, state: 'provisioning'}).get('/apps/service-1/addons').reply(200, [])

    const result = await runCommand(Provision, ['-a', 'service-1'], ENV)

    expect(result.exitCode, result.stderr).to.equal(0)
    expect(api.isDone()).to.equal(true)
    const out = text(result)
    expect(out).to.include('Created securekey-solid-14332 on service-1; it is still provisioning.')
    expect(out).to.include('heroku securekey:provision -a service-1 --wait')
    expect(out).to.include('Fingerprint: unknown: securekey-solid-14332 is still provisioning')
  })

  it('with --wait polls the add-on until it is provisioned, then shows the fingerprint', async () => {
    const api = beforeCreate()
    .post('/apps/service-1/addons').reply(201, {...ADDON, state: 'provisioning'}).get('/apps/service-1/addons').reply(200, [])
    .get(`/addons/${ADDON.id}`).times(2).reply(200, {...ADDON, state: 'provisioning'})
    .get(`/addons/${ADDON.id}`).reply(200, ADDON)
    describeReads(api)

    const result = await runCommand(Provision, ['-a', 'service-1', '--wait', '--json'], ENV)

    expect(result.exitCode, result.stderr).to.equal(0)
    expect(api.isDone()).to.equal(true)
    expect(JSON.parse(result.stdout)).to.deep.include({
      fingerprint: {latest: fingerprint(LATEST)},
      key: {
        addon: {id: ADDON.id, plan: 'securekey:fortnightly', state: 'provisioned'}, config_var: 'SECURE_KEY', kind: 'addon', name: ADDON.name, owner: 'service-1',
      },
    })
  })

  it('on a re-run with --wait waits for the add-on still provisioning instead of creating another', async () => {
    const api = nock(API)
    .get('/apps/service-1/addons').reply(200, [{...ADDON, state: 'provisioning'}])
    .get(`/addons/${ADDON.id}`).reply(200, ADDON)
    describeReads(api)

    const result = await runCommand(Provision, ['-a', 'service-1', '--wait'], ENV)

    expect(result.exitCode, result.stderr).to.equal(0)
    expect(api.isDone()).to.equal(true)
    expect(text(result)).to.include(`Fingerprint: ${fingerprint(LATEST)} (LATEST)`)
  })

  for (const [when, scope] of [
    ['answers deprovisioned at once', () => nock(API).post('/apps/service-1/addons').reply(201, {...ADDON, provision_message: 'The provider is down.', state: 'deprovisioned'}).get('/apps/service-1/addons').reply(200, [])],
    ['ends deprovisioned while waiting', () => nock(API)
    .post('/apps/service-1/addons').reply(201, {...ADDON, state: 'provisioning'}).get('/apps/service-1/addons').reply(200, [])
    .get(`/addons/${ADDON.id}`).reply(200, {...ADDON, provision_message: 'The provider is down.', state: 'deprovisioned'})],
  ] as const) {
    it(`fails, naming the add-on and the app, when the provision ${when}`, async () => {
      beforeCreate()
      const api = scope()

      const result = await runCommand(Provision, ['-a', 'service-1', '--wait'], ENV)

      expect(result.exitCode).to.equal(1)
      expect(api.isDone()).to.equal(true)
      expect(text(result)).to.include('securekey-solid-14332 could not be provisioned on service-1 (state deprovisioned): The provider is down.')
    })
  }

  it('a re-run after a failed provision creates a new add-on', async () => {
    const api = beforeCreate([{...ADDON, id: 'failed', state: 'deprovisioned'}])
    .post('/apps/service-1/addons').reply(201, ADDON).get('/apps/service-1/addons').reply(200, [])
    describeReads(api)

    const result = await runCommand(Provision, ['-a', 'service-1'], ENV)

    expect(result.exitCode, result.stderr).to.equal(0)
    expect(api.isDone()).to.equal(true)
  })

  it('stops without a terminal when the attachment name is taken, naming --confirm, and sends the create once', async () => {
    let posts = 0
    beforeCreate()
    .post('/apps/service-1/addons').times(2).reply(() => {
      posts++
      return confirmationRequired()
    })

    const result = await runCommand(Provision, ['-a', 'service-1'], ENV)

    expect(result.exitCode).to.equal(1)
    expect(posts).to.equal(1)
    const out = text(result)
    expect(out).to.include('The attachment name SECURE is already taken on service-1 (SECURE_KEY is already set on service-1.)')
    expect(out).to.include('Nothing was changed on service-1')
    expect(out).to.include('--confirm service-1')
  })

  for (const status of [423, 400]) {
    it(`with --confirm APP repeats the create with confirm after confirmation_required (HTTP ${status})`, async () => {
      const api = beforeCreate()
      .post('/apps/service-1/addons', body => body.confirm === undefined).reply(...confirmationRequired(status))
      .post('/apps/service-1/addons', body => body.confirm === 'service-1').reply(201, ADDON).get('/apps/service-1/addons').reply(200, [])
      describeReads(api)

      const result = await runCommand(Provision, ['-a', 'service-1', '--confirm', 'service-1'], ENV)

      expect(result.exitCode, result.stderr).to.equal(0)
      expect(api.isDone()).to.equal(true)
      expect(text(result)).to.include('The attachment name SECURE was taken on service-1 and has been replaced (confirmed by --confirm).')
    })
  }

  it('refuses a --confirm naming another app (not a peer of a self-managed key it would replace) before any mutating request', async () => {
    // The config read tells whether service-2 holds a self-managed SECURE_KEY of service-1's: it does not.
    nock(API).get('/apps/service-1/addons').reply(200, [])
    .get('/apps/service-1/config-vars').reply(200, {})
    const result = await runCommand(Provision, ['-a', 'service-1', '--confirm', 'service-2'], ENV)

    expect(result.exitCode).to.equal(1)
    expect(text(result)).to.include('--confirm service-2 does not match the app this command changes (service-1)')
    expect(nock.pendingMocks()).to.deep.equal([])
  })

  it('says "securekey:<plan> is not available" for a plan the service does not offer, creating nothing', async () => {
    const api = beforeCreate()

    const result = await runCommand(Provision, ['-a', 'service-1', '--plan', 'weekly'], ENV)

    expect(result.exitCode).to.equal(1)
    expect(api.isDone()).to.equal(true)
    expect(text(result)).to.include('securekey:weekly is not available: the securekey service offers securekey:fortnightly.')
  })

  it('says "securekey:fortnightly is not available" when the securekey service is gone', async () => {
    const api = nock(API)
    .get('/apps/service-1/addons').reply(200, [])
    .get('/apps/service-1/config-vars').reply(200, {})
    .get('/addon-services/securekey/plans').reply(404, {id: 'not_found', message: 'Couldn\'t find that add on service.', resource: 'add_on_service'})

    const result = await runCommand(Provision, ['-a', 'service-1'], ENV)

    expect(result.exitCode).to.equal(1)
    expect(api.isDone()).to.equal(true)
    expect(text(result)).to.include('securekey:fortnightly is not available: Couldn\'t find that add on service.')
  })

  it('says "is not available" when the create itself refuses the plan (422)', async () => {
    const api = beforeCreate()
    .post('/apps/service-1/addons').reply(422, {id: 'invalid_params', message: 'This add-on plan is no longer available.'})

    const result = await runCommand(Provision, ['-a', 'service-1'], ENV)

    expect(result.exitCode).to.equal(1)
    expect(api.isDone()).to.equal(true)
    expect(text(result)).to.include('securekey:fortnightly is not available: This add-on plan is no longer available.')
  })

  it('names the app when it does not exist', async () => {
    nock(API).get('/apps/service-9/addons').reply(404, {id: 'not_found', message: 'Couldn\'t find that app.', resource: 'app'})

    const result = await runCommand(Provision, ['-a', 'service-9'], ENV)

    expect(result.exitCode).to.equal(1)
    expect(text(result)).to.include('Couldn\'t find the app service-9')
  })

  for (const [what, argv, message] of [
    ['an app name', ['-a', 'Service_1'], '"Service_1" (--app) is not a valid app name'],
    ['an attachment name', ['-a', 'service-1', '--as', 'secure'], 'Did you mean SECURE?'],
    ['an add-on name', ['-a', 'service-1', '--name', 'my addon'], 'is not a valid add-on name'],
    ['a plan', ['-a', 'service-1', '--plan', 'heroku-postgresql:essential-0'], 'is not a valid plan name'],
  ] as const) {
    it(`refuses ${what} before any request`, async () => {
      const result = await runCommand(Provision, [...argv], ENV)

      expect(result.exitCode).to.equal(1)
      expect(text(result)).to.include(message)
    })
  }

  it('with --dry-run reads but creates nothing, saying what would be created', async () => {
    const api = beforeCreate()

    const result = await runCommand(Provision, ['-a', 'service-1', '--dry-run'], ENV)

    expect(result.exitCode, result.stderr).to.equal(0)
    expect(api.isDone()).to.equal(true)
    const out = text(result)
    expect(out).to.include('Dry run: would create a securekey:fortnightly add-on on service-1, attached as SECURE')
    expect(out).to.include('restarts service-1\'s dynos')
    expect(out).to.include('Nothing was changed.')

    beforeCreate()
    const json = await runCommand(Provision, ['-a', 'service-1', '--dry-run', '--json'], ENV)
    expect(JSON.parse(json.stdout)).to.deep.equal({
      attachment: {config_var: 'SECURE_KEY', name: 'SECURE'},
      created: false,
      dry_run: true,
      fingerprint: {latest: null},
      key: {
        addon: {id: null, plan: 'securekey:fortnightly', state: null}, config_var: 'SECURE_KEY', kind: 'addon', name: null, owner: 'service-1',
      },
    })
  })

  it('with --another refuses a name the existing add-on holds, before any mutating request', async () => {
    const api = nock(API).get('/apps/service-1/addons').reply(200, [ADDON])

    const result = await runCommand(Provision, ['-a', 'service-1', '--another'], ENV)

    expect(result.exitCode).to.equal(1)
    expect(api.isDone()).to.equal(true)
    expect(text(result)).to.include('service-1 already owns securekey-solid-14332, attached as SECURE (SECURE_KEY)')
    expect((result.error as Error & {suggestions?: string[]}).suggestions).to.deep.equal(['heroku securekey:provision -a service-1 --another --as SECURE_2'])
  })

  it('with --another --as NAME creates a second add-on on purpose', async () => {
    const second = {
      ...ADDON, config_vars: ['PARTNER_KEY'], id: '44444444-4444-4444-8444-444444444444', name: 'securekey-other-1',
    }
    const api = beforeCreate([ADDON])
    .post('/apps/service-1/addons', body => body.attachment?.name === 'PARTNER').reply(201, second)
    .get(`/addons/${second.id}/addon-attachments`).reply(200, [{...OWNER_ATTACHMENT, config_vars: ['PARTNER_KEY'], name: 'PARTNER'}])
    .get('/apps/service-1/config-vars').reply(200, {PARTNER_KEY: KEY, SECURE_KEY: `${PREVIOUS},${LATEST}`})

    const result = await runCommand(Provision, ['-a', 'service-1', '--another', '--as', 'PARTNER', '--json'], ENV)

    expect(result.exitCode, result.stderr).to.equal(0)
    expect(api.isDone()).to.equal(true)
    expect(JSON.parse(result.stdout)).to.deep.include({attachment: {config_var: 'PARTNER_KEY', name: 'PARTNER'}, created: true, fingerprint: {latest: fingerprint(LATEST)}})
  })
})
