/**
 * Bad input: every case exits non-zero with a sentence naming what is wrong, and sends NO mutating request (asserted on
 * the sandbox's request log). Two-factor is played with nock: the sandbox has no two-factor accounts.
 */
import {expect} from 'chai'
import nock from 'nock'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {type Sandbox, startSandbox} from '../../sandbox/index.js'
import Attach from '../../src/commands/securekey/attach.js'
import Provision from '../../src/commands/securekey/provision.js'
import Status from '../../src/commands/securekey/status.js'
import Teardown from '../../src/commands/securekey/teardown.js'
import {API, UNIT_ENV} from '../helpers/fixtures.js'
import {expectNoKeyValue, unwrapped} from '../helpers/output.js'
import {runCommand} from '../helpers/run-command.js'
import {
  type Added, attachTo, keysIn, mutating, provisioned, sandboxApi,
} from '../helpers/sandbox-setup.js'
import {withoutTerminal} from '../helpers/terminal.js'

type Command = Parameters<typeof runCommand>[0]
const APPS = ['service-1', 'service-2', 'service-3', 'service-4']

describe('bad input: a sentence naming what is wrong, and no mutating request', () => {
  let sandbox: Sandbox
  let addon: Added
  let postgres: Added
  let keys: string[]
  let tried = 0

  withoutTerminal()

  before(async () => {
    sandbox = await startSandbox({apps: APPS, forbiddenApps: ['locked-app']})
    addon = await provisioned(sandbox)
    await attachTo(sandbox, addon.name, 'service-2')
    postgres = await provisioned(sandbox, 'service-3', 'heroku-postgresql:essential-0')
    await sandboxApi(sandbox, 'POST', '/apps/service-4/addons', {attachment: {name: 'FIRST'}, plan: {name: 'securekey:fortnightly'}})
    await sandboxApi(sandbox, 'POST', '/apps/service-4/addons', {attachment: {name: 'SECOND'}, plan: {name: 'securekey:fortnightly'}})
    keys = keysIn(sandbox, APPS)
  })

  after(async () => {
    console.log(`      bad-input cases tried: ${tried}`)
    await sandbox.close()
  })

  // [title, command, argv, what the message must say]
  const cases: Array<[string, Command, string[], RegExp]> = [
    ['an invalid app name (attach -a)', Attach, ['--from', 'service-1', '-a', 'Bad_App'], /"Bad_App" \(--app\) is not a valid app name/],
    ['an invalid app name (--from)', Attach, ['--from', 'x', '-a', 'service-3'], /"x" \(--from\) is not a valid app name/],
    ['an invalid app name (provision)', Provision, ['-a', 'service one'], /not a valid app name/],
    ['attachment name in lower case', Attach, ['--from', 'service-1', '-a', 'service-3', '--as', 'partner'], /"partner" \(--as\) is not a valid attachment name.*Did you mean PARTNER\?/],
    ['attachment name with a dash', Attach, ['--from', 'service-1', '-a', 'service-3', '--as', 'PART-NER'], /Did you mean PART_NER\?/],
    ['attachment name starting with a digit', Attach, ['--from', 'service-1', '-a', 'service-3', '--as', '1PARTNER'], /not a valid attachment name/],
    ['attachment name empty (attach)', Attach, ['--from', 'service-1', '-a', 'service-3', '--as', ''], /--as is empty/],
    ['attachment name empty (provision)', Provision, ['-a', 'service-3', '--as', ''], /--as is empty/],
    ['attachment name very long (attach)', Attach, ['--from', 'service-1', '-a', 'service-3', '--as', 'A'.repeat(200)], /200 characters long; at most 50/],
    ['attachment name very long (provision)', Provision, ['-a', 'service-3', '--as', 'A'.repeat(51)], /51 characters long; at most 50/],
    ['an unknown add-on (attach)', Attach, ['securekey-nope-1', '-a', 'service-3'], /Couldn't find a securekey key named securekey-nope-1/],
    ['an unknown add-on (status)', Status, ['securekey-nope-1'], /securekey-nope-1/],
    ['an unknown add-on (teardown)', Teardown, ['securekey-nope-1', '-a', 'service-1', '--confirm', 'service-1'], /securekey-nope-1/],
    ['an ambiguous owner (attach --from)', Attach, ['--from', 'service-4', '-a', 'service-3'], /service-4 owns 2 shared keys/],
    ['an ambiguous owner (teardown)', Teardown, ['-a', 'service-4', '--confirm', 'service-4'], /service-4 owns 2 shared keys/],
    ['another service\'s add-on (attach)', Attach, ['POSTGRES', '-a', 'service-1'], /is a heroku-postgresql add-on/],
    ['a wrong --confirm (attach)', Attach, ['--from', 'service-1', '-a', 'service-3', '--confirm', 'service-9'], /--confirm service-9 does not match/],
    ['a wrong --confirm (teardown)', Teardown, ['-a', 'service-1', '--confirm', 'service-2'], /--confirm service-2 does not match service-1/],
    ['a wrong --confirm (provision)', Provision, ['-a', 'service-3', '--confirm', 'service-1'], /--confirm service-1 does not match/],
    ['--dry-run with a wrong --confirm (teardown)', Teardown, ['-a', 'service-1', '--dry-run', '--confirm', 'wrong-app'], /--confirm wrong-app does not match service-1/],
    ['an add-on and a --from that does not own it', Attach, ['ADDON', '--from', 'service-3', '-a', 'service-4'], /is owned by service-1, not service-3/],
    ['the owner as a peer', Attach, ['--from', 'service-1', '-a', 'service-1'], /service-1 owns .* and holds its key already/],
    ['--timeout without --wait', Status, ['-a', 'service-1', '--timeout', '5m'], /--wait/],
    ['an empty -a (status)', Status, ['-a', ''], /--app is empty/],
    ['an empty -a among others (attach)', Attach, ['--from', 'service-1', '-a', 'service-3', '-a', ''], /--app is empty/],
    ['a --timeout that is no duration', Status, ['-a', 'service-1', '--wait', '--timeout', '2weeks'], /Expected a duration like 90s, 5m, 1h30m or 14d, got "2weeks"/],
    ['a --timeout without a unit', Status, ['-a', 'service-1', '--wait', '--timeout', '14'], /Expected a duration with a unit, got "14": say 14d, 14h, 14m or 14s/],
    ['status of an add-on -a an app that does not hold it', Status, ['ADDON', '-a', 'service-3'], /is owned by service-1 and is not attached to service-3/],
    ['status -a an app that does not exist', Status, ['-a', 'no-such-app'], /Couldn't find the app no-such-app/],
    ['attach -a an app that does not exist', Attach, ['--from', 'service-1', '-a', 'no-such-app', '-a', 'service-3'], /Couldn't find the app no-such-app/],
    ['attach -a a forbidden app', Attach, ['--from', 'service-1', '-a', 'service-3', '-a', 'locked-app'], /Your account cannot read locked-app/],
    ['attach --dry-run -a a forbidden app', Attach, ['--from', 'service-1', '-a', 'locked-app', '--dry-run'], /Your account cannot read locked-app/],
    ['provision -a an app that does not exist', Provision, ['-a', 'no-such-app', '--confirm', 'no-such-app'], /Couldn't find the app no-such-app/],
    ['provision -a a forbidden app', Provision, ['-a', 'locked-app'], /Your account cannot read locked-app/],
    ['teardown -a an app that does not exist', Teardown, ['-a', 'no-such-app', '--confirm', 'no-such-app'], /Couldn't find the app no-such-app/],
  ]

  for (const [title, command, argv, says] of cases) {
    it(`refuses ${title}`, async () => {
      tried++
      sandbox.control.clearRequests()
      const args = argv.map(arg => arg === 'ADDON' ? addon.name : (arg === 'POSTGRES' ? postgres.name : arg))
      const result = await runCommand(command, args, sandbox.env)
      expect(result.exitCode, result.stdout + result.stderr).to.not.equal(0)
      expect(unwrapped(result.stderr)).to.match(says)
      expect(mutating(sandbox)).to.deep.equal([])
      expectNoKeyValue(result, keys)
    })
  }

  it('ends every flag error with exit 2, as oclif\'s own flag errors', async () => {
    for (const argv of [['-a', ''], ['-a', 'service-1', '--wait', '--timeout', '2weeks'], ['-a', 'service-1', '--wait', '--timeout', '14'], ['-a', 'service-1', '--no-such-flag']]) {
      tried++
      // eslint-disable-next-line no-await-in-loop
      const result = await runCommand(Status, argv, sandbox.env)
      expect(result.exitCode, `${argv.join(' ')}: ${result.stderr}`).to.equal(2)
    }
  })

  it('refuses a wrong token with what to do, for every command, sending nothing that changes', async () => {
    for (const [command, argv] of [[Status, ['-a', 'service-1']], [Provision, ['-a', 'service-3']], [Attach, ['--from', 'service-1', '-a', 'service-3']], [Teardown, ['-a', 'service-1', '--confirm', 'service-1']]] as Array<[Command, string[]]>) {
      tried++
      sandbox.control.clearRequests()
      // eslint-disable-next-line no-await-in-loop
      const result = await runCommand(command, [...argv, '--json'], {...sandbox.env, HEROKU_API_KEY: 'wrong-token'})
      expect(result.exitCode).to.equal(1)
      expect(unwrapped(result.stderr)).to.include('The Heroku API refused the credentials').and.include('heroku login').and.include('HEROKU_API_KEY')
      expect(unwrapped(result.stderr)).to.not.include('could not reach')
      expect(JSON.parse(result.stdout).error.id).to.equal('unauthorized')
      expect(mutating(sandbox)).to.deep.equal([])
    }
  })

  it('refuses a missing token (no HEROKU_API_KEY, no login) with what to do, instead of "setRawMode is not a function"', async () => {
    tried++
    sandbox.control.clearRequests()
    const home = mkdtempSync(join(tmpdir(), 'securekey-home-'))
    const result = await runCommand(Status, ['-a', 'service-1'], {
      ...sandbox.env, HEROKU_API_KEY: undefined, HOME: home, NETRC: join(home, '.netrc'),
    })
    expect(result.exitCode).to.equal(1)
    expect(unwrapped(result.stderr)).to.include('heroku login').and.not.include('setRawMode')
    expect(mutating(sandbox)).to.deep.equal([])
  })

  describe('two-factor required without a terminal (nock)', () => {
    afterEach(() => {
      nock.cleanAll()
    })

    it('says a terminal is needed, not "could not reach the Heroku API"', async () => {
      tried++
      nock(API).get('/apps/service-1/addons').reply(403, {id: 'two_factor', message: 'A second authentication factor is required.'})
      const result = await runCommand(Status, ['-a', 'service-1', '--json'], UNIT_ENV)
      expect(result.exitCode).to.equal(1)
      expect(unwrapped(result.stderr)).to.include('needs a two-factor code and there is no terminal').and.not.include('could not reach')
      expect(JSON.parse(result.stdout).error.id).to.equal('two_factor')
    })
  })
})
