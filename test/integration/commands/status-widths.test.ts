import {expect} from 'chai'
import {stripVTControlCharacters} from 'node:util'

import {type Sandbox, startSandbox} from '../../../sandbox/index.js'
import Status from '../../../src/commands/securekey/status.js'
import {runCommand} from '../../helpers/run-command.js'
import {provisionWithPeers, sandboxEnv} from '../../helpers/sandbox-setup.js'

const WIDTHS = [80, 100, 120]

/** securekey:status as a terminal of `columns` shows it (the width tables read, as @oclif/table does). */
async function shown(sandbox: Sandbox, argv: string[], columns: number): Promise<string[]> {
  const result = await runCommand(Status, argv, {...sandboxEnv(sandbox), OCLIF_TABLE_COLUMN_OVERRIDE: String(columns)})
  expect(result.exitCode, result.stderr).to.equal(0)
  return stripVTControlCharacters(result.stdout).split('\n')
}

/** Every skfp1 fingerprint the --json document names: each must appear whole in the text. */
async function fingerprints(sandbox: Sandbox, argv: string[]): Promise<string[]> {
  const result = await runCommand(Status, [...argv, '--json'], sandboxEnv(sandbox))
  return [...new Set(result.stdout.match(/skfp1:[\da-f]{16}/g) ?? [])]
}

function expectFits(lines: string[], columns: number, prints: string[]): void {
  const wide = lines.filter(line => line.length > columns)
  expect(wide, `lines wider than ${columns} columns`).to.deep.equal([])
  const text = lines.join('\n')
  // A fingerprint split over two lines leaves a part of it at a line's end or start.
  expect(text.match(/skfp1:[\da-f]{0,15}(?![\da-f])/g) ?? [], 'a cut fingerprint').to.deep.equal([])
  for (const print of prints) expect(text, print).to.include(print)
}

describe('securekey:status at 80, 100 and 120 columns', function () {
  this.timeout(60_000)
  let sandbox: Sandbox

  afterEach(() => sandbox?.close())

  describe('one key, a peer behind and dynos on an older release', () => {
    beforeEach(async () => {
      sandbox = await startSandbox({seed: 'demo'})
      const {addon} = await provisionWithPeers(sandbox, ['service-2', 'service-3'], 'SERVICE_ONE_SECURE')
      sandbox.control.holdDynos('service-3', ['web.1'])
      const rotation = sandbox.control.rotate(addon.name, {delayMs: {'service-2': 60_000}})
      rotation.catch(() => {})
    })

    for (const flags of [[], ['--dynos'], ['--history'], ['--dynos', '--history']]) {
      it(`fits the table${flags.length > 0 ? ` and ${flags.join(' ')}` : ''}, every fingerprint whole, the note below when it must`, async () => {
        const argv = ['-a', 'service-2', ...flags]
        const prints = await fingerprints(sandbox, argv)
        expect(prints.length).to.be.at.least(3)
        for (const columns of WIDTHS) {
          // eslint-disable-next-line no-await-in-loop
          const lines = await shown(sandbox, argv, columns)
          expectFits(lines, columns, prints)
          const text = lines.join('\n')
          expect(text, `${columns}: the behind peer`).to.match(/service-2 .*behind/)
          expect(text.replaceAll(/\n +/g, ' '), `${columns}: why it is behind`).to.include('still has the owner\'s PREVIOUS as LATEST')
          if (flags.includes('--dynos')) expect(text.replaceAll(/\n +/g, ' '), `${columns}: the dynos`).to.include('service-3: 1 of 3 dynos')
          if (flags.includes('--history')) expect(text, `${columns}: the history`).to.include('Next rotation expected')
        }
      })
    }

    it('leaves the table as it is without a width (not a terminal)', async () => {
      const result = await runCommand(Status, ['-a', 'service-2'], sandboxEnv(sandbox))
      const header = stripVTControlCharacters(result.stdout).split('\n').find(line => line.includes('LATEST'))!
      expect(header.split(/ {3,}/).map(cell => cell.trim())).to.deep.equal(['App', 'Attachment', 'Config var', 'LATEST', 'PREVIOUS', 'State', 'Note'])
    })
  })

  describe('--all, over a seeded fleet', () => {
    beforeEach(async () => {
      // As status-all.test.ts seeds it: every kind and state, a view-only app among them.
      sandbox = await startSandbox({apps: 40, seed: 'fleet'})
      await sandbox.control.seedFleet()
    })

    it('fits every line, the overdue advice and unreadable apps included', async () => {
      for (const columns of WIDTHS) {
        // eslint-disable-next-line no-await-in-loop
        const lines = await shown(sandbox, ['--all'], columns)
        expectFits(lines, columns, [])
        const text = lines.join('\n')
        expect(text, `${columns}`).to.include('Overdue:').and.include('Could not read')
        expect(text.replaceAll(/\n +/g, ' '), `${columns}`).to.match(/staged: service-\d+, service-\d+/)
      }
    })
  })
})
