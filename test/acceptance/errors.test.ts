/**
 * Errors as the real Heroku CLI prints them: ` ›   Error: …` with the CLI's marker, as its own commands print theirs,
 * never a class name; exit 2 for every flag error, as oclif's own; a missing app said once, with the API's Error ID.
 * One `heroku` run per case, all started together in before().
 */
import {expect} from 'chai'

import {type Sandbox, startSandbox} from '../../sandbox/index.js'
import {type CliResult, run} from '../helpers/heroku-cli.js'
import {unwrapped} from '../helpers/output.js'
import {mutating} from '../helpers/sandbox-setup.js'

const CASES = {
  emptyApp: ['securekey:status', '-a', ''],
  herokuMissingApp: ['config', '-a', 'servce-2'],
  missingApp: ['securekey:status', '-a', 'servce-2'],
  missingAppJson: ['securekey:status', '-a', 'servce-2', '--json'],
  noDuration: ['securekey:rotate', '-a', 'service-1', '--if-older-than', '2weeks'],
  nothingNamed: ['securekey:status'],
  noUnit: ['securekey:rotate', '-a', 'service-1', '--if-older-than', '14'],
  unknownFlag: ['securekey:status', '-a', 'service-1', '--no-such-flag'],
}

describe('errors with the real Heroku CLI', () => {
  let sandbox: Sandbox
  const results: Partial<Record<keyof typeof CASES, CliResult>> = {}
  const result = (name: keyof typeof CASES): CliResult => results[name]!

  before(async () => {
    sandbox = await startSandbox({apps: 2, seed: 'acceptance-errors'})
    await Promise.all(Object.entries(CASES).map(async ([name, args]) => {
      results[name as keyof typeof CASES] = await run(args, {env: sandbox.env})
    }))
  })

  after(async () => {
    await sandbox?.close()
  })

  it('prints the plugin\'s errors as Heroku\'s commands print theirs: "Error:" after the CLI\'s marker, no class name', () => {
    const {exitCode, stderr} = result('nothingNamed')
    expect(exitCode).to.equal(1)
    expect(stderr).to.match(/^ › {3}Error: Name a shared key or an app that holds one\.$/m)
    expect(stderr).to.match(/^ › {5}\* heroku securekey:status -a <app>$/m)
    for (const printed of Object.values(results)) expect(printed.stderr).to.not.match(/\w+Error:/)
  })

  it('says a missing app once, with the API\'s Error ID, in the shape of heroku config\'s own', () => {
    const ours = result('missingApp')
    expect(ours.exitCode).to.equal(1)
    expect(unwrapped(ours.stderr)).to.match(/^ › {3}Error: Couldn't find the app servce-2\. Check the name, or that your account can see it\./)
    expect(ours.stderr.match(/find/g)).to.have.length(1)
    const idLine = / › {3}Error ID: not_found$/m
    expect(ours.stderr).to.match(idLine)
    expect(result('herokuMissingApp').stderr).to.match(idLine)
  })

  it('keeps the --json error document as documented: the plugin\'s id, the sentence, the suggestions', () => {
    const {exitCode, stdout} = result('missingAppJson')
    expect(exitCode).to.equal(1)
    expect(JSON.parse(stdout)).to.deep.equal({
      error: {id: 'not_found', message: 'Couldn\'t find the app servce-2. Check the name, or that your account can see it.', suggestions: ['heroku apps']},
    })
  })

  it('ends every flag error with exit 2 and oclif\'s wording, a duration flag\'s too', () => {
    expect(result('unknownFlag').exitCode).to.equal(2)
    expect(result('unknownFlag').stderr).to.match(/^ › {3}Error: Nonexistent flag: --no-such-flag$/m)

    const noDuration = result('noDuration')
    expect(noDuration.exitCode, noDuration.stderr).to.equal(2)
    expect(noDuration.stderr).to.match(/^ › {3}Error: Parsing --if-older-than/m)
    expect(noDuration.stderr).to.include('Expected a duration like 90s, 5m, 1h30m or 14d, got "2weeks".')

    const noUnit = result('noUnit')
    expect(noUnit.exitCode, noUnit.stderr).to.equal(2)
    expect(noUnit.stderr).to.include('Expected a duration with a unit, got "14": say 14d, 14h, 14m or 14s.')

    const emptyApp = result('emptyApp')
    expect(emptyApp.exitCode, emptyApp.stderr).to.equal(2)
    expect(emptyApp.stderr).to.match(/^ › {3}Error: Parsing --app/m)
    expect(emptyApp.stderr).to.include('--app is empty: name an app, as in -a <app>.')
  })

  it('sends nothing that changes anything for any of them', () => {
    expect(mutating(sandbox)).to.deep.equal([])
  })
})
