/* eslint-disable camelcase -- the record's snake_case field */
/**
 * The Heroku Scheduler recipe of docs/rotation.md, run as the Scheduler runs it: its job line's securekey:rotate part
 * in a process whose DYNO is the job's one-off dyno (`scheduler.N`), listed with the job's command. From the app the
 * recipe names (one that holds no key), and from the owner, which the recipe allows: the rotation must complete,
 * never waiting for the dyno it runs in. The install part must name the tarball `npm pack` makes of this version.
 */
import {expect} from 'chai'
import {readFileSync} from 'node:fs'

import {type Sandbox, startSandbox} from '../../sandbox/index.js'
import Attach from '../../src/commands/securekey/attach.js'
import Provision from '../../src/commands/securekey/provision.js'
import Rotate from '../../src/commands/securekey/rotate.js'
import {runCommand} from '../helpers/run-command.js'
import {sandboxEnv} from '../helpers/sandbox-setup.js'

const docs = readFileSync(new URL('../../docs/rotation.md', import.meta.url), 'utf8')
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {name: string, version: string}

/** The job line: the first line of the code block after the scheduler-job marker. */
function jobLine(): string {
  const after = docs.split('<!-- scheduler-job:')[1]
  return after.split('```sh\n')[1].split('\n')[0]
}

/** The arguments of securekey:rotate in the job line, as a shell would split them (no quoting needed there). */
const rotateArgv = (line: string): string[] => line.split('securekey:rotate ')[1].trim().split(/\s+/)

describe('the Heroku Scheduler recipe (docs/rotation.md)', function () {
  this.timeout(60_000)
  let sandbox: Sandbox

  beforeEach(async () => {
    sandbox = await startSandbox({apps: ['service-1', 'service-2', 'service-3', 'key-rotator'], seed: 'scheduler'})
    const env = sandboxEnv(sandbox)
    expect((await runCommand(Provision, ['-a', 'service-1', '--self-managed'], env)).exitCode).to.equal(0)
    expect((await runCommand(Attach, ['--from', 'service-1', '-a', 'service-2', '-a', 'service-3'], env)).exitCode).to.equal(0)
    // Due: the record says LATEST is 15 days old.
    const record = JSON.parse(sandbox.control.configVars('service-1').SECURE_KEY_RECORD)
    record.changed_at = new Date(Date.now() - (15 * 86_400_000)).toISOString()
    sandbox.control.setConfigVar('service-1', 'SECURE_KEY_RECORD', JSON.stringify(record))
  })

  afterEach(async () => {
    await sandbox.close()
  })

  it('installs the tarball npm pack makes, and runs securekey:rotate with no secret on the job line', () => {
    const line = jobLine()
    expect(line).to.include(`plugins:install "file:$PWD/${pkg.name}-${pkg.version}.tgz"`)
    expect(line).to.include('securekey:rotate').and.not.match(/HEROKU_API_KEY|[\dA-F]{64}/)
  })

  for (const app of ['key-rotator', 'service-1']) {
    it(`completes as a Scheduler job on ${app}, never waiting for its own dyno`, async () => {
      const line = jobLine()
      const job = sandbox.control.runOneOff(app, {command: line, type: 'scheduler'})
      const before = sandbox.control.configVars('service-1').SECURE_KEY
      const result = await runCommand(Rotate, [...rotateArgv(line), '--json'], {...sandboxEnv(sandbox, 20), DYNO: job.name})
      expect(result.exitCode, result.stderr).to.equal(0)
      expect(JSON.parse(result.stdout).status).to.equal('rotated')
      const after = sandbox.control.configVars('service-1').SECURE_KEY
      expect(after.split(',')[1] === before.split(',')[0], 'the old LATEST is now PREVIOUS').to.equal(true)
      expect(sandbox.control.dynos(app).some(dyno => dyno.name === job.name), 'the job still runs').to.equal(true)
    })
  }
})
