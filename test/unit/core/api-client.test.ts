import {expect} from 'chai'
import {
  mkdirSync, mkdtempSync, rmSync, writeFileSync,
} from 'node:fs'
import os from 'node:os'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'

import {cliCopy, loadCommandLibrary} from '../../../src/core/api-client.js'

/** A directory shaped like an installed Heroku CLI whose @heroku-cli/command is `version`. */
function fakeCli(version: string): string {
  const root = mkdtempSync(join(os.tmpdir(), 'securekey-cli-'))
  writeFileSync(join(root, 'package.json'), JSON.stringify({name: 'heroku', type: 'module'}))
  const library = join(root, 'node_modules', '@heroku-cli', 'command')
  mkdirSync(join(library, 'lib'), {recursive: true})
  writeFileSync(join(library, 'package.json'), JSON.stringify({
    main: 'lib/index.js', name: '@heroku-cli/command', type: 'module', version,
  }))
  writeFileSync(join(library, 'lib', 'index.js'), 'export class APIClient { static copy = "the CLI\'s" }\n')
  return root
}

describe('core/api-client: which @heroku-cli/command builds the APIClient', () => {
  const roots: string[] = []

  after(() => {
    for (const root of roots) rmSync(root, {force: true, recursive: true})
  })

  it('takes the running CLI\'s copy when its major version is 13', async () => {
    const root = fakeCli('13.4.1')
    roots.push(root)
    const entry = join(root, 'node_modules', '@heroku-cli', 'command', 'lib', 'index.js')
    expect(cliCopy(root)).to.equal(entry)
    const loaded = await loadCommandLibrary(root)
    expect(loaded.from).to.equal('cli')
    expect(loaded.url).to.equal(pathToFileURL(entry).href)
    expect((loaded.library.APIClient as unknown as {copy: string}).copy).to.equal('the CLI\'s')
  })

  it('falls back to the plugin\'s own copy for another major version', async () => {
    const root = fakeCli('14.0.0')
    roots.push(root)
    expect(cliCopy(root)).to.equal(undefined)
    const loaded = await loadCommandLibrary(root)
    expect(loaded.from).to.equal('plugin')
    expect(loaded.library.APIClient).to.equal((await import('@heroku-cli/command')).APIClient)
  })

  it('falls back to the plugin\'s own copy when the CLI root has none', async () => {
    const root = mkdtempSync(join(os.tmpdir(), 'securekey-cli-'))
    roots.push(root)
    writeFileSync(join(root, 'package.json'), '{}')
    expect((await loadCommandLibrary(root)).from).to.equal('plugin')
  })
})
