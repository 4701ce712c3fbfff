import {expect} from 'chai'
import {readFileSync, writeFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import {type Sandbox, startSandbox} from '../../sandbox/index.js'
import Attach from '../../src/commands/securekey/attach.js'
import Provision from '../../src/commands/securekey/provision.js'
import Status from '../../src/commands/securekey/status.js'
import Teardown from '../../src/commands/securekey/teardown.js'
import {runCommand} from '../helpers/run-command.js'
import {sandboxEnv} from '../helpers/sandbox-setup.js'

const JSON_DOCS = fileURLToPath(new URL('../../docs/json.md', import.meta.url))

/**
 * The --json examples of docs/json.md (once in the README) are real output: this runs the story they come from on the
 * same seeded sandbox and compares each document with its block, found by the command line quoted just before it.
 * `UPDATE_README=1 npx mocha test/integration/readme-json.test.ts` rewrites the blocks after a deliberate change.
 */
describe('the --json examples of docs/json.md', () => {
  let sandbox: Sandbox
  const documents = new Map<string, string>()

  before(async () => {
    sandbox = await startSandbox({seed: 'demo'})
    const env = sandboxEnv(sandbox)
    const json = async (command: Parameters<typeof runCommand>[0], argv: string[]) => {
      const result = await runCommand(command, [...argv, '--json'], env)
      expect(result.exitCode, result.stderr).to.equal(0)
      documents.set(`heroku securekey:${(command as unknown as {name: string}).name.toLowerCase()} ${argv.join(' ')} --json`, result.stdout.trim())
    }

    // Confirmed by flag and no name taken: nothing here prompts, terminal or not.
    await json(Provision, ['-a', 'service-1'])
    await json(Attach, ['--from', 'service-1', '-a', 'service-2', '-a', 'service-3', '--as', 'SERVICE_ONE_SECURE'])
    const [addon] = sandbox.control.addons()
    const rotation = sandbox.control.rotate(addon.name!, {delayMs: {'service-2': 60_000}})
    await json(Status, ['-a', 'service-2'])
    sandbox.control.flushRotations()
    await rotation
    await json(Teardown, ['-a', 'service-1', '--confirm', 'service-1'])
  })

  after(() => sandbox.close())

  it('shows the documents the commands print', () => {
    let readme = readFileSync(JSON_DOCS, 'utf8')
    for (const [command, document] of documents) {
      const quoted = readme.indexOf(`\`${command}\``)
      expect(quoted, `docs/json.md quotes ${command}`).to.be.greaterThan(-1)
      const start = readme.indexOf('```json\n', quoted) + '```json\n'.length
      const end = readme.indexOf('\n```', start)
      if (process.env.UPDATE_README) readme = readme.slice(0, start) + document + readme.slice(end)
      else expect(readme.slice(start, end), command).to.equal(document)
    }

    if (process.env.UPDATE_README) writeFileSync(JSON_DOCS, readme)
  })
})
