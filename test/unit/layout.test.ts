import {expect} from 'chai'
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

const SRC = new URL('../../src/', import.meta.url).pathname
const SHARED = new Set(['commands', 'core', 'key', 'runtime'])

/** Every `from '../X/…'` of the .ts files under a folder, with the file it is in. */
function importsOf(folder: string): Array<{file: string, target: string}> {
  return readdirSync(join(SRC, folder), {recursive: true, withFileTypes: true}).filter(entry => entry.isFile() && entry.name.endsWith('.ts')).flatMap(entry => {
    const file = join(entry.parentPath, entry.name)
    return [...readFileSync(file, 'utf8').matchAll(/from '\.\.\/([a-z-]+)\//g)].map(match => ({file: file.slice(SRC.length), target: match[1]}))
  })
}

describe('the source layout', () => {
  const features = readdirSync(SRC, {withFileTypes: true}).filter(entry => entry.isDirectory() && !SHARED.has(entry.name)).map(entry => entry.name)

  it('has feature folders side by side (the check below has something to check)', () => {
    expect(features).to.include.members(['attach', 'fleet', 'provision', 'rotate', 'status', 'teardown'])
  })

  it('lets a feature import only core/, key/ and runtime/, never another feature', () => {
    const sideways = features.flatMap(feature => importsOf(feature).filter(({target}) => !SHARED.has(target) && target !== feature))
    expect(sideways).to.deep.equal([])
  })

  it('keeps key/, core/ and runtime/ below every feature', () => {
    const upward = ['core', 'key', 'runtime'].flatMap(folder => importsOf(folder).filter(({target}) => features.includes(target) || target === 'commands'))
    expect(upward).to.deep.equal([])
  })
})
