/**
 * Heroku's own libraries (@heroku-cli/command for the API client, @heroku/heroku-cli-util for colours and prompts),
 * taken from the Heroku CLI that runs the plugin.
 *
 * The CLI's init hooks have already imported its own @heroku-cli/command (and with it Sentry) before any command runs.
 * A plugin importing '@heroku-cli/command' would resolve its own copy under the plugins directory and load all of it a
 * second time, about 0.66 s of every run, and `heroku plugins:install` would put ~90 MB on disk for it (bench/RESULTS.md).
 * So both libraries are peer dependencies: each is loaded from the CLI's root (oclif's `config.root`) when that copy has
 * the major version the plugin is written against. Importing the very file the CLI imported costs nothing, since Node
 * keeps one module per URL. Otherwise (another major, no copy there) the plugin's own copy is used if it has one: run on
 * its own (bin/run.js, tests) the root is this package and its devDependencies are that copy. With neither, the command
 * stops saying what to install.
 */
import {readFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {dirname, join} from 'node:path'
import {pathToFileURL} from 'node:url'

import {SecurekeyError} from './errors.js'

export type CommandLibrary = typeof import('@heroku-cli/command')
export type ColorLibrary = typeof import('@heroku/heroku-cli-util/color')
export type HuxLibrary = typeof import('@heroku/heroku-cli-util/hux')

export interface Loaded<T> {
  /** Whose copy: the running CLI's, or the plugin's own. */
  from: 'cli' | 'plugin'
  library: T
  /** The file URL of the entry point loaded. */
  url: string
}

interface Wanted<T> {
  /** The major version the plugin is written against (its peerDependencies range). */
  major: number
  own: () => Promise<T>
  package: string
  /** What must be there for the copy to be usable. */
  probe: keyof T
  subpath: string
}

const COMMAND: Wanted<CommandLibrary> = {
  major: 13, own: () => import('@heroku-cli/command'), package: '@heroku-cli/command', probe: 'APIClient', subpath: '',
}
const COLOR: Wanted<ColorLibrary> = {
  major: 10, own: () => import('@heroku/heroku-cli-util/color'), package: '@heroku/heroku-cli-util', probe: 'app', subpath: '/color',
}
const HUX: Wanted<HuxLibrary> = {
  major: 10, own: () => import('@heroku/heroku-cli-util/hux'), package: '@heroku/heroku-cli-util', probe: 'confirmCommand', subpath: '/hux',
}

/** The version in the package.json of `pkg` above `entry` (its `exports` may not offer ./package.json). */
function versionAbove(entry: string, pkg: string): string | undefined {
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {name?: string, version?: string}
      if (manifest.name === pkg) return manifest.version
    } catch {
      // no package.json here: one level up
    }
  }

  return undefined
}

/** The entry point of `pkg + subpath` as the CLI at `cliRoot` resolves it, when its major version is `major`. */
export function cliCopy(cliRoot: string, pkg: string, subpath: string, major: number): string | undefined {
  try {
    const entry = createRequire(join(cliRoot, 'package.json')).resolve(pkg + subpath)
    return Number(versionAbove(entry, pkg)?.split('.')[0]) === major ? entry : undefined
  } catch {
    return undefined
  }
}

const own = (specifier: string): string | undefined => {
  try {
    return pathToFileURL(createRequire(import.meta.url).resolve(specifier)).href
  } catch {
    return undefined
  }
}

/** The URL of each package loaded, by name: what it depends on resolves from there (platform-api.ts's `debug`). */
const loadedFrom = new Map<string, string>()

/** `require` as the loaded copy of `pkg` would resolve (the plugin's own location before it is loaded). */
export const requireBeside = (pkg: string): NodeJS.Require => createRequire(loadedFrom.get(pkg) ?? import.meta.url)

async function load<T>(cliRoot: string, wanted: Wanted<T>): Promise<Loaded<T>> {
  const loaded = await find(cliRoot, wanted)
  if (loaded.url.startsWith('file:')) loadedFrom.set(wanted.package, loaded.url)
  return loaded
}

async function find<T>(cliRoot: string, wanted: Wanted<T>): Promise<Loaded<T>> {
  const entry = cliCopy(cliRoot, wanted.package, wanted.subpath, wanted.major)
  if (entry) {
    const url = pathToFileURL(entry).href
    try {
      const library = await import(url) as T
      if (library[wanted.probe] !== undefined) return {from: 'cli', library, url}
    } catch {
      // the plugin's own copy below
    }
  }

  try {
    return {from: 'plugin', library: await wanted.own(), url: own(wanted.package + wanted.subpath) ?? wanted.package}
  } catch {
    const needed = `${wanted.package}@${wanted.major}`
    const where = `neither in the CLI running it (${cliRoot}) nor beside the plugin`
    throw new SecurekeyError(`heroku-securekey needs ${needed}, which Heroku CLI 11 carries, and found it ${where}: run it from Heroku CLI 11, or outside the CLI install ${needed} beside it.`, {
      suggestions: ['heroku update'],
    })
  }
}

/** Where Heroku's libraries are looked for first; the base command sets it in init() to the running CLI's root. */
let root = process.cwd()
export function useCliRoot(cliRoot: string): void {
  root = cliRoot
}

export const loadCommandLibrary = (cliRoot = root): Promise<Loaded<CommandLibrary>> => load(cliRoot, COMMAND)
export const loadColorLibrary = (cliRoot = root): Promise<Loaded<ColorLibrary>> => load(cliRoot, COLOR)
export const loadHuxLibrary = (cliRoot = root): Promise<Loaded<HuxLibrary>> => load(cliRoot, HUX)
