import {Config, Help, settings} from '@oclif/core'
import {expect} from 'chai'
import {fileURLToPath} from 'node:url'

const root = fileURLToPath(new URL('../../..', import.meta.url))
const COMMANDS = ['securekey:attach', 'securekey:provision', 'securekey:rotate', 'securekey:status', 'securekey:teardown']
/** A screen: what Heroku's own add-on commands take (18-30 lines), with room for a few more flags. */
const MAX_LINES = 35

/** The Heroku CLI's help (its default options), printing into a string instead of stdout. */
class CapturedHelp extends Help {
  output = ''

  protected log(...args: string[]): void {
    this.output += `${args.join(' ')}\n`
  }
}

/** `heroku <id> --help` as the Heroku CLI prints it in a terminal of `columns`, line by line (as `wc -l` counts them). */
async function helpOf(config: Config, id: string, columns: number): Promise<string[]> {
  const help = new CapturedHelp(config, {maxWidth: columns, stripAnsi: true})
  await help.showHelp([id])
  return help.output.split('\n').slice(0, -1)
}

describe('each command\'s --help', () => {
  let config: Config

  before(async () => {
    // As bin/dev.js: the commands from src/ (no dist/ in a checkout), through tsx.
    const saved = settings.enableAutoTranspile
    settings.enableAutoTranspile = true
    try {
      config = await Config.load({root})
    } finally {
      settings.enableAutoTranspile = saved
    }
  })

  for (const id of COMMANDS) {
    it(`${id} fits a screen at 80 columns: what it does, flags, examples and a link to docs/json.md`, async () => {
      const lines = await helpOf(config, id, 80)
      expect(lines.length, lines.join('\n')).to.be.at.most(MAX_LINES)
      expect(lines.every(line => line.length <= 80), 'a line wider than 80').to.equal(true)
      const text = lines.join('\n')
      for (const section of ['USAGE', 'FLAGS', 'DESCRIPTION', 'EXAMPLES']) expect(text).to.include(`\n${section}\n`)
      expect(text).to.include('docs/json.md')
      expect(text.slice(text.indexOf('\nEXAMPLES\n')).match(/^ {2}\$ heroku securekey:/gm), 'examples').to.have.length.within(3, 4)
    })
  }
})
