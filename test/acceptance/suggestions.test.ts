/**
 * Every `heroku …` command a message of the plugin suggests (read from src/ by test/helpers/suggested-commands.ts) is
 * one that works in Heroku CLI 11 as written: its flags and arguments go through oclif's parser with the command's own
 * definitions (the CLI's command classes from node_modules/heroku, the plugin's from src/commands), and nothing it uses
 * is deprecated (the command, an alias, a flag, or an argument such as ps:restart's DYNO). And no message names a
 * sample app or add-on: a suggestion names the user's own, or a placeholder such as <app>.
 */
import type {Command} from '@oclif/core'

import {Config, Parser} from '@oclif/core'
import {expect} from 'chai'
import {join} from 'node:path'

import Attach from '../../src/commands/securekey/attach.js'
import Provision from '../../src/commands/securekey/provision.js'
import Rotate from '../../src/commands/securekey/rotate.js'
import Status from '../../src/commands/securekey/status.js'
import Teardown from '../../src/commands/securekey/teardown.js'
import {repoRoot} from '../helpers/heroku-cli.js'
import {type Suggested, suggestedCommands} from '../helpers/suggested-commands.js'

type CommandClass = Command.Class | Command.Loadable
type Definition = Pick<Command.Class, 'aliases' | 'args' | 'baseFlags' | 'deprecateAliases' | 'enableJsonFlag' | 'flags' | 'hiddenAliases' | 'state' | 'strict'>

const plugin: Record<string, CommandClass> = {
  'securekey:attach': Attach,
  'securekey:provision': Provision,
  'securekey:rotate': Rotate,
  'securekey:status': Status,
  'securekey:teardown': Teardown,
}

/** What is wrong with running `argv` through `definition` in the CLI: a parse error, or what it uses that is deprecated. */
async function problems(id: string, argv: string[], definition: Definition): Promise<string[]> {
  const found: string[] = []
  if (definition.state === 'deprecated') found.push(`${id} is deprecated`)
  const flags = {...definition.baseFlags, ...definition.flags}
  let parsed
  try {
    parsed = await Parser.parse(argv, {
      args: definition.args ?? {}, flags, strict: definition.strict ?? true,
    })
  } catch (error) {
    return [...found, `does not parse: ${(error as Error).message.split('\n')[0]}`]
  }

  for (const [name, value] of Object.entries(parsed.args)) {
    if (value !== undefined && (definition.args?.[name] as undefined | {deprecated?: unknown})?.deprecated) found.push(`the ${name.toUpperCase()} argument is deprecated`)
  }

  for (const name of Object.keys(parsed.flags)) {
    if (argv.some(word => word === `--${name}` || word.startsWith(`--${name}=`)) && flags[name]?.deprecated) found.push(`--${name} is deprecated`)
  }

  return found
}

describe('the commands messages suggest', function () {
  this.timeout(60_000)
  const {literals, suggested} = suggestedCommands(join(repoRoot, 'src'), repoRoot)
  let cli: Config

  before(async () => {
    cli = await Config.load({devPlugins: false, root: join(repoRoot, 'node_modules', 'heroku'), userPlugins: false})
  })

  it('are found in the source, the barrier\'s ps:restart and ps:stop among them', () => {
    const ids = new Set(suggested.map(command => command.argv[0]))
    for (const id of ['ps:restart', 'ps:stop', 'securekey:attach', 'securekey:status', 'addons:detach']) expect(ids, id).to.include(id)
    expect(suggested.length).to.be.greaterThan(30)
  })

  it('never name a sample app or add-on', () => {
    const samples = literals.filter(({text}) => /\bservice-\d|securekey-[a-z]+-\d+/.test(text))
    expect(samples.map(({from, text}) => `${from}: ${text}`)).to.deep.equal([])
  })

  it('parse in Heroku CLI 11 with nothing deprecated', async () => {
    const failures: string[] = []
    const check = async ({argv: [id, ...argv], from, text}: Suggested) => {
      let definition: Definition | undefined = plugin[id] as Definition | undefined
      if (!definition) {
        const command = cli.findCommand(id)
        if (!command) {
          failures.push(`${from}: heroku ${text}: no such command in ${cli.version}`)
          return
        }

        definition = await command.load() as unknown as Definition
        if (definition.deprecateAliases && command.id !== id) failures.push(`${from}: heroku ${text}: ${id} is a deprecated alias of ${command.id}`)
      }

      for (const problem of await problems(id, argv, definition)) failures.push(`${from}: heroku ${text}: ${problem}`)
    }

    for (const command of suggested) await check(command) // eslint-disable-line no-await-in-loop
    expect(failures).to.deep.equal([])
  })
})
