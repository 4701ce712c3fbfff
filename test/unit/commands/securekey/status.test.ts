/* eslint-disable camelcase -- the Platform API's and the --json document's snake_case fields */
import {expect} from 'chai'
import nock from 'nock'
import {stripVTControlCharacters} from 'node:util'

import Status from '../../../../src/commands/securekey/status.js'
import {fingerprint} from '../../../../src/runtime/key.js'
import {
  ADDON, API, attachment, POSTGRES, TEST_KEYS, UNIT_ENV,
} from '../../../helpers/fixtures.js'
import {expectNoKeyValue, text} from '../../../helpers/output.js'
import {runCommand} from '../../../helpers/run-command.js'

const ENV = {...UNIT_ENV, HEROKU_SECUREKEY_WAIT_INTERVAL_MS: '10'}
/** Three generations of the key, oldest first. */
const [K0, K1, K2] = TEST_KEYS

const ATTACHMENTS = [attachment('service-2', 'SERVICE_ONE_SECURE'), attachment('service-1', 'SECURE'), attachment('service-3', 'SERVICE_ONE_SECURE')]

function serveAddon(configs: Record<string, Record<string, string>>, status: Record<string, number> = {}) {
  const api = nock(API)
  .get(`/addons/${ADDON.name}`)
  .reply(200, ADDON)
  .get(`/addons/${ADDON.id}/addon-attachments`)
  .matchHeader('accept-inclusion', 'addon:plan,config_vars')
  .reply(200, ATTACHMENTS)
  for (const [name, config] of Object.entries(configs)) {
    const code = status[name] ?? 200
    api.get(`/apps/${name}/config-vars`).reply(code, code === 200 ? config : {id: 'forbidden', message: `You do not have access to the app ${name}.`})
  }

  return api
}

describe('securekey:status', () => {
  afterEach(() => {
    nock.cleanAll()
  })

  it('lists every attachment with fingerprints and says all apps are in sync, in N+2 requests', async () => {
    const api = serveAddon({'service-1': {SECURE_KEY: `${K1},${K0}`}, 'service-2': {SERVICE_ONE_SECURE_KEY: `${K1},${K0}`}, 'service-3': {SERVICE_ONE_SECURE_KEY: `${K1},${K0}`}})

    const result = await runCommand(Status, [ADDON.name], ENV)

    expect(result.exitCode, result.stderr).to.equal(0)
    const out = text(result)
    expect(out).to.include('=== securekey-solid-14332 (owner service-1, securekey:fortnightly, provisioned)')
    expect(out).to.match(/service-1\s+SECURE\s+SECURE_KEY\s+skfp1:[\da-f]{16}\s+skfp1:[\da-f]{16}\s+in sync\s+owner \(reference\)/)
    expect(out).to.include(`3/3 apps in sync (LATEST ${fingerprint(K1)})`)
    expect(out.indexOf('service-1  ')).to.be.below(out.indexOf('service-2  '))
    expect(api.isDone()).to.equal(true)
    expectNoKeyValue(result, TEST_KEYS)
  })

  it('reports a peer that still has the previous key as behind, and exits 0 without --check', async () => {
    serveAddon({'service-1': {SECURE_KEY: `${K2},${K1}`}, 'service-2': {SERVICE_ONE_SECURE_KEY: `${K1},${K0}`}, 'service-3': {SERVICE_ONE_SECURE_KEY: `${K2},${K1}`}})

    const result = await runCommand(Status, [ADDON.name], ENV)

    expect(result.exitCode).to.equal(0)
    expect(text(result)).to.match(/service-2\s+SERVICE_ONE_SECURE\s+SERVICE_ONE_SECURE_KEY\s+\S+\s+\S+\s+behind/)
    expect(text(result)).to.include('2/3 apps in sync').and.include('behind: service-2')
    expectNoKeyValue(result, TEST_KEYS)
  })

  it('with --check exits 1 and names the apps out of sync, after printing the table', async () => {
    serveAddon({'service-1': {SECURE_KEY: `${K2},${K1}`}, 'service-2': {SERVICE_ONE_SECURE_KEY: `${K1},${K0}`}, 'service-3': {SERVICE_ONE_SECURE_KEY: 'hand-written'}})

    const result = await runCommand(Status, [ADDON.name, '--check'], ENV)

    expect(result.exitCode).to.equal(1)
    expect(result.stdout).to.include('1/3 apps in sync')
    expect(stripVTControlCharacters(result.stderr)).to.include('Not every app is in sync: service-2 (behind), service-3 (malformed).')
    expect(result.stdout + result.stderr).not.to.include('hand-written')
    expectNoKeyValue(result, TEST_KEYS)
  })

  it('with --check exits 0 when every app is in sync', async () => {
    serveAddon({'service-1': {SECURE_KEY: `${K1},${K0}`}, 'service-2': {SERVICE_ONE_SECURE_KEY: `${K1},${K0}`}, 'service-3': {SERVICE_ONE_SECURE_KEY: `${K1},${K0}`}})
    const result = await runCommand(Status, [ADDON.name, '--check'], ENV)
    expect(result.exitCode, result.stderr).to.equal(0)
  })

  it('reports an app it may not read as unreachable with Heroku\'s reason', async () => {
    serveAddon({'service-1': {SECURE_KEY: `${K1},${K0}`}, 'service-2': {SERVICE_ONE_SECURE_KEY: `${K1},${K0}`}, 'service-3': {}}, {'service-3': 403})

    const result = await runCommand(Status, [ADDON.name], ENV)

    expect(result.exitCode).to.equal(0)
    expect(text(result)).to.match(/service-3\s+SERVICE_ONE_SECURE\s+SERVICE_ONE_SECURE_KEY\s+unreachable\s+You do not have access to the app service-3\. \(forbidden, HTTP 403\)/)
    expect(text(result)).to.include('2/3 apps in sync').and.include('unreachable: service-3')
  })

  it('prints one stable --json document without key material', async () => {
    serveAddon({'service-1': {SECURE_KEY: `${K2},${K1}`}, 'service-2': {SERVICE_ONE_SECURE_KEY: `${K1},${K0}`}, 'service-3': {}})

    const result = await runCommand(Status, [ADDON.name, '--json'], ENV)

    expect(result.exitCode, result.stderr).to.equal(0)
    const keys = (latest: string, previous: string) => ({latest: fingerprint(latest), previous: fingerprint(previous), standard: true})
    expect(JSON.parse(result.stdout)).to.deep.equal({
      keys: [{
        apps: [
          {
            app: 'service-1', attachment: 'SECURE', config_var: 'SECURE_KEY', ...keys(K2, K1), owner: true, reason: null, state: 'in_sync',
          },
          {
            app: 'service-2', attachment: 'SERVICE_ONE_SECURE', config_var: 'SERVICE_ONE_SECURE_KEY', ...keys(K1, K0), owner: false,
            reason: 'still has the owner\'s PREVIOUS as LATEST: rotation not applied yet', state: 'behind',
          },
          {
            app: 'service-3', attachment: 'SERVICE_ONE_SECURE', config_var: 'SERVICE_ONE_SECURE_KEY', latest: null, owner: false, previous: null,
            reason: 'SERVICE_ONE_SECURE_KEY is not set', standard: null, state: 'missing',
          },
        ],
        key: {
          addon: {id: ADDON.id, plan: 'securekey:fortnightly', state: 'provisioned'}, config_var: 'SECURE_KEY', kind: 'addon', name: ADDON.name, owner: 'service-1',
        },
        owner: {
          app: 'service-1', attachment: 'SECURE', config_var: 'SECURE_KEY', ...keys(K2, K1), reason: null, state: 'ok',
        },
        summary: {
          all_in_sync: false,
          in_sync: 1,
          latest: fingerprint(K2),
          peers_agree: null,
          states: {
            ahead: 0, behind: 1, diverged: 0, in_sync: 1, malformed: 0, missing: 1, staged: 0, unknown: 0, unreachable: 0,
          },
          total: 3,
        },
      }],
      summary: {
        all_in_sync: false, in_sync: 1, keys: 1, total: 3,
      },
    })
    expectNoKeyValue(result, TEST_KEYS)
  })

  it('with --json --check prints the document and still exits 1', async () => {
    serveAddon({'service-1': {SECURE_KEY: `${K2},${K1}`}, 'service-2': {SERVICE_ONE_SECURE_KEY: `${K1},${K0}`}, 'service-3': {SERVICE_ONE_SECURE_KEY: `${K2},${K1}`}})
    const result = await runCommand(Status, [ADDON.name, '--json', '--check'], ENV)
    expect(result.exitCode).to.equal(1)
    expect(JSON.parse(result.stdout).summary).to.deep.equal({
      all_in_sync: false, in_sync: 2, keys: 1, total: 3,
    })
  })

  it('with -a only, reports every securekey add-on the app holds, without fetching the add-on again', async () => {
    const api = nock(API)
    .get('/apps/service-2/addons')
    .reply(200, [POSTGRES, ADDON])
    .get(`/addons/${ADDON.id}/addon-attachments`)
    .reply(200, ATTACHMENTS)
    .get('/apps/service-1/config-vars').reply(200, {SECURE_KEY: `${K1},${K0}`})
    .get('/apps/service-2/config-vars').reply(200, {SERVICE_ONE_SECURE_KEY: `${K1},${K0}`})
    .get('/apps/service-3/config-vars').reply(200, {SERVICE_ONE_SECURE_KEY: `${K1},${K0}`})

    const result = await runCommand(Status, ['-a', 'service-2'], ENV)

    expect(result.exitCode, result.stderr).to.equal(0)
    expect(text(result)).to.include('3/3 apps in sync').and.not.include('postgresql-curved-1')
    expect(api.isDone()).to.equal(true)
  })

  it('says what to run when the app holds no securekey add-on, and sends nothing more', async () => {
    const api = nock(API).get('/apps/service-2/addons').reply(200, [POSTGRES]).get('/apps/service-2/config-vars').reply(200, {})

    const result = await runCommand(Status, ['-a', 'service-2'], ENV)

    expect(result.exitCode).to.equal(1)
    expect(text(result)).to.include('service-2 holds no shared key: no securekey add-on is attached to it and it holds no self-managed key.')
    expect(result.error?.message).to.include('service-2 holds no shared key')
    expect(api.isDone()).to.equal(true)
    expect(nock.pendingMocks()).to.deep.equal([])
  })

  it('refuses an add-on of another service, naming it', async () => {
    nock(API).get(/^\/addons\/[^/]+$/).reply(200, POSTGRES)
    const result = await runCommand(Status, ['postgresql-curved-1'], ENV)
    expect(result.exitCode).to.equal(1)
    expect(text(result)).to.include('postgresql-curved-1 is a heroku-postgresql add-on; securekey:status compares securekey keys only')
  })

  it('says how to name the add-on when given neither ADDON nor -a', async () => {
    const result = await runCommand(Status, [], {...ENV, HEROKU_APP: undefined})
    expect(result.exitCode).to.equal(1)
    expect(text(result)).to.include('Name a shared key or an app that holds one.')
  })

  it('refuses a --timeout that is not a duration, and --timeout without --wait', async () => {
    const bad = await runCommand(Status, [ADDON.name, '--wait', '--timeout', 'soon'], ENV)
    expect(bad.exitCode).to.equal(2)
    expect(text(bad)).to.include('Expected a duration like 90s, 5m, 1h30m or 14d, got "soon".')

    const alone = await runCommand(Status, [ADDON.name, '--timeout', '5m'], ENV)
    expect(alone.exitCode).to.equal(2)
    expect(text(alone)).to.include('All of the following must be provided when using --timeout: --wait')
  })

  it('with --wait polls until the lagging app catches up, then exits 0', async () => {
    nock(API).get(`/addons/${ADDON.name}`).reply(200, ADDON)
    .get(`/addons/${ADDON.id}/addon-attachments`).times(2).reply(200, ATTACHMENTS)
    .get('/apps/service-1/config-vars').times(2).reply(200, {SECURE_KEY: `${K2},${K1}`})
    .get('/apps/service-3/config-vars').times(2).reply(200, {SERVICE_ONE_SECURE_KEY: `${K2},${K1}`})
    .get('/apps/service-2/config-vars').reply(200, {SERVICE_ONE_SECURE_KEY: `${K1},${K0}`})
    .get('/apps/service-2/config-vars').reply(200, {SERVICE_ONE_SECURE_KEY: `${K2},${K1}`})

    const result = await runCommand(Status, [ADDON.name, '--wait'], ENV)

    expect(result.exitCode, result.stderr).to.equal(0)
    expect(text(result)).to.include('3/3 apps in sync')
    // Without a terminal, one line a poll on stderr, so a CI log reads top to bottom. The pause is the account budget's
    // for a poll of 4 requests (1 + 3 apps) at the test's 10 ms schedule: 4 × 12 ms.
    expect(text({...result, stdout: ''}).split('\n').slice(0, 3)).to.deep.equal([
      'Waiting until every app is in sync...',
      '  2/3 in sync (service-2 behind), next check in 48ms',
      '  every app is in sync',
    ])
    expect(nock.pendingMocks()).to.deep.equal([])
  })

  it('with --wait gives up at --timeout, printing the last table, exit 1', async () => {
    nock(API).get(`/addons/${ADDON.name}`).reply(200, ADDON)
    .get(`/addons/${ADDON.id}/addon-attachments`).times(100).reply(200, ATTACHMENTS)
    .get('/apps/service-1/config-vars').times(100).reply(200, {SECURE_KEY: `${K2},${K1}`})
    .get('/apps/service-3/config-vars').times(100).reply(200, {SERVICE_ONE_SECURE_KEY: `${K2},${K1}`})
    .get('/apps/service-2/config-vars').times(100).reply(200, {SERVICE_ONE_SECURE_KEY: `${K1},${K0}`})

    const result = await runCommand(Status, [ADDON.name, '--wait', '--timeout', '200ms'], ENV)

    expect(result.exitCode).to.equal(1)
    expect(result.stdout).to.include('2/3 apps in sync')
    expect(text(result)).to.include('Not every app was in sync after 200ms: service-2 (behind).')
    expectNoKeyValue(result, TEST_KEYS)
  })
})
