import {expect} from 'chai'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import * as root from '../../src/index.js'

const src = fileURLToPath(new URL('../../src/', import.meta.url))

/** Every module specifier `file` imports or re-exports, statically. */
function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  return [...text.matchAll(/^(?:import|export)\s[^'"]*?from\s+'([^']+)'/gm)].map(match => match[1])
}

/** The files reachable from `entry` through relative imports, and the packages they name. */
function importGraph(entry: string): {files: string[], packages: string[]} {
  const files = new Set<string>()
  const packages = new Set<string>()
  const visit = (file: string) => {
    if (files.has(file)) return
    files.add(file)
    for (const specifier of specifiers(file)) {
      if (specifier.startsWith('.')) visit(path.resolve(path.dirname(file), specifier.replace(/\.js$/, '.ts')))
      else packages.add(specifier)
    }
  }

  visit(entry)
  return {files: [...files].map(file => path.relative(src, file)).sort(), packages: [...packages].sort()}
}

describe('the package root (for app code)', () => {
  it('reaches only the key module and the rotation helper, and no package but node built-ins', () => {
    const graph = importGraph(path.join(src, 'index.ts'))
    expect(graph.files).to.deep.equal(['index.ts', 'runtime/key.ts', 'runtime/phase.ts', 'runtime/rotation.ts'])
    expect(graph.packages.every(name => name.startsWith('node:')), graph.packages.join(', ')).to.equal(true)
  })

  it('exports what the graceful-rotation guide (docs/rotation.md) uses', () => {
    for (const name of ['fingerprint', 'parseSecureKey', 'readSecureKey', 'presentWithFallback', 'verifyPresentedKey', 'SecureKeyPair', 'MalformedSecureKeyError']) {
      expect(root, name).to.have.property(name)
    }
  })
})
