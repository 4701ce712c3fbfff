import {expect} from 'chai'
import {
  mkdirSync, mkdtempSync, rmSync, writeFileSync,
} from 'node:fs'
import os from 'node:os'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'

import {
  cliCopy, loadColorLibrary, loadCommandLibrary, requireBeside,
} from '../../../src/core/cli-libraries.js'

/** A directory shaped like an installed Heroku CLI, with the given versions of Heroku's libraries. */
function fakeCli(versions: {command?: string, util?: string}): string {
  const root = mkdtempSync(join(os.tmpdir(), 'securekey-cli-'))
  writeFileSync(join(root, 'package.json'), JSON.stringify({name: 'heroku', type: 'module'}))
  if (versions.command) {
    const dir = join(root, 'node_modules', '@heroku-cli', 'command')
    mkdirSync(join(dir, 'lib'), {recursive: true})
    writeFileSync(join(dir, 'package.json'), JSON.stringify({
      main: 'lib/index.js', name: '@heroku-cli/command', type: 'module', version: versions.command,
    }))
    writeFileSync(join(dir, 'lib', 'index.js'), 'export class APIClient { static copy = "the CLI\'s" }\n')
  }

  if (versions.util) {
    const dir = join(root, 'node_modules', '@heroku', 'heroku-cli-util')
    mkdirSync(join(dir, 'dist'), {recursive: true})
    writeFileSync(join(dir, 'package.json'), JSON.stringify({
      exports: {'./color': {default: './dist/colors.js'}}, name: '@heroku/heroku-cli-util', type: 'module', version: versions.util,
    }))
    writeFileSync(join(dir, 'dist', 'colors.js'), 'export const app = text => "<" + text + ">"\n')
  }

  return root
}

describe('core/cli-libraries: Heroku\'s libraries from the running CLI', () => {
  const roots: string[] = []
  const cli = (versions: {command?: string, util?: string}) => {
    const root = fakeCli(versions)
    roots.push(root)
    return root
  }

  after(() => {
    for (const root of roots) rmSync(root, {force: true, recursive: true})
  })

  it('takes the CLI\'s @heroku-cli/command when its major version is 13, and resolves what it needs beside it', async () => {
    const root = cli({command: '13.4.1'})
    const entry = join(root, 'node_modules', '@heroku-cli', 'command', 'lib', 'index.js')
    expect(cliCopy(root, '@heroku-cli/command', '', 13)).to.equal(entry)
    const loaded = await loadCommandLibrary(root)
    expect(loaded.from).to.equal('cli')
    expect(loaded.url).to.equal(pathToFileURL(entry).href)
    expect((loaded.library.APIClient as unknown as {copy: string}).copy).to.equal('the CLI\'s')
    expect(requireBeside('@heroku-cli/command').resolve('./index.js')).to.equal(entry)
  })

  it('takes the CLI\'s colours through the package\'s exports', async () => {
    const loaded = await loadColorLibrary(cli({util: '10.12.0'}))
    expect(loaded.from).to.equal('cli')
    expect(loaded.library.app('service-1')).to.equal('<service-1>')
  })

  it('falls back to the plugin\'s own copy for another major version, or when the CLI has none', async () => {
    expect(cliCopy(cli({command: '14.0.0'}), '@heroku-cli/command', '', 13)).to.equal(undefined)
    const own = (await import('@heroku-cli/command')).APIClient
    for (const root of [cli({command: '14.0.0'}), cli({})]) {
      // eslint-disable-next-line no-await-in-loop
      const loaded = await loadCommandLibrary(root)
      expect(loaded.from).to.equal('plugin')
      expect(loaded.library.APIClient).to.equal(own)
    }

    expect((await loadColorLibrary(cli({util: '9.0.0'}))).from).to.equal('plugin')
  })
})
