/* eslint-disable camelcase, mocha/max-top-level-suites -- the --json document's snake_case fields; a seeded fleet, then other sandboxes */
import {expect} from 'chai'
import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import type {FleetDocument, FleetKeyJson} from '../../../src/fleet/view.js'

import {
  type FleetKey, type FleetSummary, type RequestLogEntry, type Sandbox, startSandbox,
} from '../../../sandbox/index.js'
import Status from '../../../src/commands/securekey/status.js'
import {expectNoKeyValue, text, unwrapped} from '../../helpers/output.js'
import {runCommand} from '../../helpers/run-command.js'
import {keysIn, provisionWithPeers, sandboxEnv} from '../../helpers/sandbox-setup.js'

const JSON_DOCS = fileURLToPath(new URL('../../../docs/json.md', import.meta.url))
const HEX_KEY = /[\dA-F]{64}/i

/** The overall state each seeded scenario must show (an overdue key is in sync, only old). */
const EXPECTED_STATE: Record<FleetKey['scenario'], FleetKeyJson['state']> = {
  behind: 'behind',
  diverged: 'diverged',
  in_sync: 'in_sync',
  missing: 'missing',
  overdue: 'in_sync',
  staged: 'staged',
  unreachable: 'unreachable',
}

const run = (sandbox: Sandbox, argv: string[]) => runCommand(Status, argv, sandboxEnv(sandbox))

/** No 64-hex run at all, and none of the values any app's *_KEY var holds (service-1, service-2... as far as they go). */
function expectNoKeyMaterial(sandbox: Sandbox, result: {stderr: string, stdout: string}): void {
  expect(result.stdout + result.stderr).not.to.match(HEX_KEY)
  const apps: string[] = []
  for (let n = 1; ; n++) {
    try {
      sandbox.control.configVars(`service-${n}`)
      apps.push(`service-${n}`)
    } catch {
      break
    }
  }

  expectNoKeyValue(result, keysIn(sandbox, apps))
}

const keyOf = (document: FleetDocument, seeded: FleetKey) => document.keys.find(key => key.key.owner === seeded.owner && key.key.config_var === seeded.var)
/** A document with every time replaced: the sandbox's times follow the wall clock. */
const times = (json: string) => json.replaceAll(/"\d{4}-\d\d-\d\dT[\d:.]+Z"/g, '"<time>"')
const configReads = (log: RequestLogEntry[]) => log.filter(entry => /^\/apps\/[^/]+\/config-vars$/.test(entry.path)).map(entry => entry.path.split('/')[2])

describe('securekey:status --all against a seeded fleet', () => {
  let sandbox: Sandbox
  let fleet: FleetSummary

  before(async () => {
    sandbox = await startSandbox({apps: 40, seed: 'fleet'})
    fleet = await sandbox.control.seedFleet()
  })

  after(() => sandbox.close())

  beforeEach(() => sandbox.control.clearRequests())

  it('lists every key of both kinds with its holders, its overall state and the apps not in sync', async () => {
    const result = await run(sandbox, ['--all', '--json'])
    expect(result.exitCode, result.stderr).to.equal(0)
    const document = JSON.parse(result.stdout) as FleetDocument
    expect(document.keys).to.have.length(fleet.keys.length)
    expect(new Set(fleet.keys.map(key => key.kind))).to.have.keys('addon', 'self-managed')
    for (const seeded of fleet.keys) {
      const key = keyOf(document, seeded)
      expect(key, `${seeded.owner} ${seeded.var}`).to.exist
      expect(key!.key.kind).to.equal(seeded.kind)
      expect(key!.key.kind === 'addon' ? key!.key.name : null).to.equal(seeded.addon ?? null)
      expect(key!.key.addon === null).to.equal(seeded.kind === 'self-managed')
      expect(key!.holders.map(holder => holder.app)).to.have.members(seeded.holders)
      expect(key!.holders.find(holder => holder.owner)?.app).to.equal(seeded.owner)
      expect(key!.state, `${seeded.owner}: ${seeded.scenario}`).to.equal(EXPECTED_STATE[seeded.scenario])
      if (seeded.odd) expect(key!.not_in_sync.map(holder => holder.app), seeded.owner).to.include(seeded.odd)
      if (seeded.scenario === 'staged') expect(key!.rotation?.phase).to.equal('staged')
      if (EXPECTED_STATE[seeded.scenario] === 'in_sync') expect(key!.not_in_sync, seeded.owner).to.deep.equal([])
    }

    // Every kind in every state the fleet seeds.
    const seen = new Set(document.keys.map(key => `${key.key.kind} ${key.state}`))
    for (const state of ['in_sync', 'behind', 'diverged', 'missing']) expect(seen).to.include(`addon ${state}`).and.include(`self-managed ${state}`)
    expect(seen).to.include('self-managed staged').and.include('self-managed unreachable')
    expect(document.summary).to.include({apps: 40, keys: fleet.keys.length})
    expectNoKeyMaterial(sandbox, result)
  })

  it('reads each app\'s config once, lists add-ons and attachments account-wide, and shows its progress on stderr', async () => {
    const result = await run(sandbox, ['--all'])
    expect(result.exitCode, result.stderr).to.equal(0)
    const log = sandbox.control.requests()
    const reads = configReads(log)
    expect(reads).to.have.length(40)
    expect(new Set(reads).size).to.equal(40)
    const lists = log.filter(entry => ['/addon-attachments', '/addons', '/apps'].includes(entry.path)).map(entry => entry.path)
    expect(lists).to.have.members(['/apps', '/addons', '/addon-attachments'])
    // Nothing per app but its config; the rest is the age of each add-on key, on its owner's releases.
    const addonOwners = new Set(fleet.keys.filter(key => key.kind === 'addon').map(key => key.owner))
    const others = log.filter(entry => !lists.includes(entry.path) && !/^\/apps\/[^/]+\/config-vars$/.test(entry.path))
    for (const entry of others) {
      expect(entry.path).to.match(/^\/apps\/[^/]+\/releases/)
      expect(addonOwners).to.include(entry.path.split('/')[2])
    }

    expect(log).to.have.length(3 + 40 + others.length)
    expect(others.length).to.be.at.most(addonOwners.size * 5)
    expect(text(result)).to.include('apps read: 40/40')
    expect(result.stdout).not.to.include('apps read')
    expectNoKeyMaterial(sandbox, result)
  })

  it('reports the view-only app as unreachable, in its key and on its own', async () => {
    const [viewOnly] = fleet.viewOnly
    expect(viewOnly).to.be.a('string')
    const result = await run(sandbox, ['--all', '--json'])
    const document = JSON.parse(result.stdout) as FleetDocument
    expect(document.unreadable_apps.map(entry => entry.app)).to.deep.equal([viewOnly])
    expect(document.unreadable_apps[0].reason).to.include('HTTP 403')
    const key = document.keys.find(candidate => candidate.holders.some(holder => holder.app === viewOnly))!
    expect(key.state).to.equal('unreachable')
    expect(key.not_in_sync).to.deep.include({
      app: viewOnly, config_var: key.holders.find(holder => holder.app === viewOnly)!.config_var, reason: document.unreadable_apps[0].reason, state: 'unreachable',
    })
    const human = await run(sandbox, ['--all'])
    expect(text(human)).to.match(new RegExp(`unreachable: ${viewOnly}`)).and.include(`${viewOnly}: You do not have permission`)
  })

  it('says which keys are overdue by age, for both kinds, and what to do', async () => {
    const result = await run(sandbox, ['--all', '--json'])
    const document = JSON.parse(result.stdout) as FleetDocument
    const overdue = fleet.keys.filter(key => key.scenario === 'overdue')
    expect(overdue.map(key => key.kind)).to.have.members(['addon', 'self-managed'])
    expect(document.keys.filter(key => key.age.overdue).map(key => key.key.owner)).to.have.members(overdue.map(key => key.owner))
    for (const seeded of overdue) {
      const key = keyOf(document, seeded)!
      expect(key.age.age_days).to.equal(45)
      if (seeded.kind === 'addon') {
        expect(key.age).to.include({max_age_days: 17, source: 'releases'})
        expect(key.advice).to.include(`stopped rotating ${seeded.addon}`).and.include(`heroku securekey:provision -a ${seeded.owner} --self-managed --as <NAME>`)
      } else {
        expect(key.age).to.include({max_age_days: 30, source: 'record'})
        expect(key.advice).to.include(`heroku securekey:rotate -a ${seeded.owner}`)
      }
    }

    for (const key of document.keys.filter(candidate => !candidate.age.overdue && candidate.age.age_days !== null)) {
      expect(key.age.age_days).to.be.below(key.age.max_age_days)
      expect(key.advice).to.equal(null)
    }

    const human = await run(sandbox, ['--all'])
    expect(unwrapped(human.stdout)).to.include('Overdue:').and.include('the provider seems to have stopped rotating')
  })

  it('takes --max-age for every key', async () => {
    const result = await run(sandbox, ['--all', '--max-age', '1d', '--json'])
    const document = JSON.parse(result.stdout) as FleetDocument
    expect(document.max_age_days).to.equal(1)
    const aged = document.keys.filter(key => key.age.age_days !== null)
    expect(aged.length).to.be.greaterThan(fleet.keys.length / 2)
    for (const key of aged) expect(key.age.overdue, key.key.owner).to.equal(key.age.age_days! >= 1)
  })

  it('--team keeps the keys a team app holds, and reads outside the team only their holders', async () => {
    const team = fleet.teams.payments
    const result = await run(sandbox, ['--team', 'payments', '--json'])
    expect(result.exitCode, result.stderr).to.equal(0)
    const document = JSON.parse(result.stdout) as FleetDocument
    expect(document.team).to.equal('payments')
    expect(document.summary.apps).to.equal(team.length)
    const expected = fleet.keys.filter(key => key.holders.some(app => team.includes(app)))
    expect(expected.length).to.be.greaterThan(0).and.below(fleet.keys.length)
    expect(document.keys.map(key => key.key.owner)).to.have.members(expected.map(key => key.owner))
    const log = sandbox.control.requests()
    expect(log.map(entry => entry.path)).to.include('/teams/payments/apps').and.not.include('/apps')
    const reads = configReads(log)
    expect(new Set(reads).size).to.equal(reads.length)
    const holders = new Set([...expected.flatMap(key => key.holders), ...team])
    expect([...reads].every(app => holders.has(app))).to.equal(true)

    const unknown = await run(sandbox, ['--team', 'nobody', '--json'])
    expect(unknown.exitCode).to.equal(1)
    expect(JSON.parse(unknown.stdout).error.id).to.equal('not_found')
    expect(unknown.stderr).to.include('No team nobody')
  })

  it('--check exits 1 naming what is wrong, with the document on stdout', async () => {
    const result = await run(sandbox, ['--all', '--check', '--json'])
    expect(result.exitCode).to.equal(1)
    expect((JSON.parse(result.stdout) as FleetDocument).summary.healthy).to.equal(false)
    const message = unwrapped(result.stderr)
    expect(message).to.include('Not every key is in sync and within its maximum age')
    for (const seeded of fleet.keys.filter(key => key.odd)) expect(message).to.include(seeded.odd)
    expect(message).to.include('overdue')
    expectNoKeyMaterial(sandbox, result)
  })

  const conflicts = [
    ['--all', '-a', 'service-1'], ['--team', 'payments', '-a', 'service-1'], ['--all', '--wait'], ['SECURE_KEY', '--all'], ['securekey-x', '--team', 'payments'], ['--max-age', '3d', '-a', 'service-1'],
  ]
  for (const argv of conflicts) {
    it(`refuses ${argv.join(' ')} with exit 2 and no request`, async () => {
      const result = await run(sandbox, argv)
      expect(result.exitCode).to.equal(2)
      expect(unwrapped(result.stderr)).to.match(/cannot also be provided when using|report every key|must be provided when using --max-age/)
      expect(sandbox.control.requests()).to.deep.equal([])
    })
  }
})

describe('securekey:status --all: what is left', () => {
  let sandbox: Sandbox

  afterEach(() => sandbox?.close())

  it('--check exits 0 when every key is in sync and young', async () => {
    sandbox = await startSandbox({seed: 'fleet-ok'})
    await provisionWithPeers(sandbox, ['service-2', 'service-3'])
    const result = await run(sandbox, ['--all', '--check'])
    expect(result.exitCode, result.stderr).to.equal(0)
    expect(text(result)).to.include('1 shared key on 3 apps').and.include('1 in sync')
    expectNoKeyMaterial(sandbox, result)
  })

  it('stops reading before RateLimit-Remaining falls below 500, and says so with what it has', async () => {
    sandbox = await startSandbox({apps: 60, seed: 'fleet'})
    await sandbox.control.seedFleet()
    sandbox.control.clearRequests()
    sandbox.control.setRateLimitRemaining(530)
    const result = await run(sandbox, ['--all', '--check', '--json'])
    expect(result.exitCode).to.equal(1)
    const document = JSON.parse(result.stdout) as FleetDocument
    expect(document.stopped?.reason).to.include('RateLimit-Remaining').and.include('below 500')
    expect(document.summary.apps_read).to.be.greaterThan(0).and.below(60)
    const log = sandbox.control.requests()
    expect(log.length).to.be.at.most(30)
    const state = await fetch(`${sandbox.url}/__sandbox/state`, {headers: {Authorization: `Bearer ${sandbox.token}`}}).then(response => response.json()) as {rateLimitRemaining: number}
    expect(state.rateLimitRemaining).to.be.at.least(500)
    expect(unwrapped(result.stderr)).to.include('the report is incomplete')
  })

  it('the --team --json example of docs/json.md is real output (times aside)', async () => {
    sandbox = await startSandbox({apps: 7, seed: 'readme'})
    await sandbox.control.seedFleet()
    const result = await run(sandbox, ['--team', 'payments', '--json'])
    expect(result.exitCode, result.stderr).to.equal(0)
    const readme = readFileSync(JSON_DOCS, 'utf8')
    const quoted = readme.indexOf('`heroku securekey:status --team payments --json`')
    expect(quoted, 'docs/json.md quotes the command').to.be.greaterThan(-1)
    const start = readme.indexOf('```json\n', quoted) + '```json\n'.length
    expect(times(readme.slice(start, readme.indexOf('\n```', start)))).to.equal(times(result.stdout.trim()))
  })
})
