/**
 * Races: two runs of one command at once, each in a process of its own (bin/dev.js; two runCommand calls in one
 * process share the stdout capture and hang). A barrier proxy in front of the sandbox holds each run's first read, the
 * owner's add-on listing, until both have sent it: both runs read before either writes, on any machine. Each case:
 * no orphan (one add-on, or the duplicate reported with the command that removes it and a non-zero exit), no false
 * "in sync", no attachment left after a teardown, and every non-zero exit explained on stderr naming the app.
 */
import {expect} from 'chai'

import {type Sandbox, startSandbox} from '../../sandbox/index.js'
import Status from '../../src/commands/securekey/status.js'
import Teardown from '../../src/commands/securekey/teardown.js'
import {pause} from '../../src/core/wait.js'
import {
  type Barrier, barrierProxy, type DevResult, runDev,
} from '../helpers/dev-cli.js'
import {unwrapped} from '../helpers/output.js'
import {runCommand} from '../helpers/run-command.js'
import {provisionWithPeers, sandboxApi, sandboxEnv} from '../helpers/sandbox-setup.js'
import {withoutTerminal} from '../helpers/terminal.js'

const LISTING = {method: 'GET', path: '/apps/service-1/addons'}

const live = (sandbox: Sandbox) => sandbox.control.addons()
.filter(addon => addon.app?.name === 'service-1' && addon.plan?.name?.startsWith('securekey:') && !['deprovisioned', 'deprovisioning'].includes(addon.state ?? ''))
const explained = (result: DevResult) => result.exitCode === 0 || /Error: .*service-1/s.test(unwrapped(result.stderr))
const both = (results: DevResult[]) => results.map(result => `exit ${result.exitCode}\n${result.stdout}${result.stderr}`).join('\n---\n')

describe('races: two runs at once, as two processes', function () {
  this.timeout(120_000)
  let sandbox: Sandbox
  let barrier: Barrier
  let tried = 0
  let passed = 0

  withoutTerminal()

  beforeEach(async () => {
    sandbox = await startSandbox({asyncProvisioning: {deprovisionMs: 300, provisionMs: 300}})
    barrier = await barrierProxy(sandbox.url, LISTING)
  })

  afterEach(async () => {
    await barrier.close()
    await sandbox.close()
  })

  after(() => {
    console.log(`      race cases tried: ${tried}, passed: ${passed}`)
  })

  /** Both runs at once through the barrier; neither tried to leave the loopback, and both read before either wrote. */
  async function race(argv: string[]): Promise<DevResult[]> {
    const env = {...sandboxEnv(sandbox), HEROKU_HOST: barrier.url}
    const results = await Promise.all([runDev(argv, env), runDev(argv, env)])
    for (const result of results) expect(result.blocked, result.stderr).to.equal(undefined)
    expect(barrier.held(), 'both runs held at their first read').to.equal(2)
    expect(results.every(result => explained(result)), both(results)).to.equal(true)
    return results
  }

  for (const confirm of [false, true]) {
    it(`two provisions${confirm ? ' --confirm service-1' : ''}: one add-on, or the duplicate reported with its destroy command`, async () => {
      tried++
      const results = await race(['securekey:provision', '-a', 'service-1', ...(confirm ? ['--confirm', 'service-1'] : [])])
      await pause(400) // asynchronous provisioning
      const addons = live(sandbox)
      const status = await runCommand(Status, ['-a', 'service-1', '--check'], sandboxEnv(sandbox))
      if (addons.length > 1) {
        // A duplicate: a run says so with the command that removes it and exits non-zero, and status is not "in sync".
        const reports = results.filter(result => result.exitCode !== 0 && unwrapped(result.stderr).includes('heroku addons:destroy'))
        expect(reports.length, both(results)).to.be.greaterThan(0)
        expect(status.exitCode, status.stdout + status.stderr).to.not.equal(0)
        const extra = /heroku addons:destroy (\S+) -a service-1 --confirm service-1/.exec(unwrapped(reports[0].stderr))![1]
        await sandboxApi(sandbox, 'DELETE', `/apps/service-1/addons/${extra}`, {force: false})
        await pause(400)
        expect(live(sandbox), 'after the advised destroy').to.have.length(1)
        const after = await runCommand(Status, ['-a', 'service-1', '--check'], sandboxEnv(sandbox))
        expect(after.exitCode, after.stdout + after.stderr).to.equal(0)
      } else {
        expect(addons).to.have.length(1)
        expect(results.some(result => result.exitCode === 0), both(results)).to.equal(true)
        expect(status.exitCode, status.stdout + status.stderr).to.equal(0)
      }

      console.log(`      ${addons.length} add-on(s) after the race; exits ${results.map(result => result.exitCode).join(', ')}`)
      passed++
    })
  }

  it('two teardowns --confirm service-1: no attachment left, the add-on gone, each exit explained', async () => {
    tried++
    const {addon} = await provisionWithPeers(sandbox, ['service-2', 'service-3'])
    await pause(400) // asynchronous provisioning
    const results = await race(['securekey:teardown', '-a', 'service-1', '--confirm', 'service-1'])
    expect(results.some(result => result.exitCode === 0), both(results)).to.equal(true)
    await pause(400) // asynchronous deprovisioning
    expect(sandbox.control.attachments().filter(attachment => attachment.addon?.name === addon.name), both(results)).to.deep.equal([])
    expect(live(sandbox), both(results)).to.deep.equal([])
    for (const app of ['service-2', 'service-3']) expect(sandbox.control.configVars(app), app).to.not.have.property('SERVICE_1_SECURE_KEY')
    const again = await runCommand(Teardown, ['-a', 'service-1', '--confirm', 'service-1'], sandboxEnv(sandbox))
    expect(again.exitCode, again.stderr).to.equal(0)
    console.log(`      exits ${results.map(result => result.exitCode).join(', ')}`)
    passed++
  })
})
