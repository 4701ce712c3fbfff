/**
 * Where the plugin's APIClient class comes from.
 *
 * Inside the Heroku CLI, the CLI's init hooks have already imported its own @heroku-cli/command (and with it
 * Sentry) before any command runs. A plugin that imports '@heroku-cli/command' resolves its own copy under the
 * plugins directory and loads all of it a second time, about 0.66 s of every run (bench/RESULTS.md). So the library is
 * taken from the CLI's root (oclif's `config.root`) when that copy has the major version this plugin is written
 * against: importing the same file the CLI imported costs nothing, since Node keeps one module per URL. Anything else
 * (another major, no copy there, a failed import) falls back to the plugin's own dependency. Run on its own
 * (bin/run.js, tests), the root is this package, so both paths give the same copy.
 */
import {readFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'

type CommandLibrary = typeof import('@heroku-cli/command')

/** The @heroku-cli/command major version the plugin is written against (its dependency's range). */
export const COMMAND_MAJOR = 13

export interface LoadedLibrary {
  /** Whose copy: the running CLI's, or the plugin's own. */
  from: 'cli' | 'plugin'
  library: CommandLibrary
  /** The file URL of the library's entry point, for resolving what it depends on. */
  url: string
}

/** The entry point of the CLI root's @heroku-cli/command when its major version is COMMAND_MAJOR. */
export function cliCopy(cliRoot: string): string | undefined {
  try {
    const require = createRequire(join(cliRoot, 'package.json'))
    const manifest = require.resolve('@heroku-cli/command/package.json')
    const {version} = JSON.parse(readFileSync(manifest, 'utf8')) as {version?: string}
    if (Number(version?.split('.')[0]) !== COMMAND_MAJOR) return undefined
    return require.resolve('@heroku-cli/command')
  } catch {
    return undefined
  }
}

/** The @heroku-cli/command library: the running CLI's copy when it fits, else the plugin's own. */
export async function loadCommandLibrary(cliRoot: string): Promise<LoadedLibrary> {
  const entry = cliCopy(cliRoot)
  if (entry) {
    const url = pathToFileURL(entry).href
    try {
      const library = await import(url) as CommandLibrary
      if (typeof library.APIClient === 'function') return {from: 'cli', library, url}
    } catch {
      // the plugin's own copy below
    }
  }

  const own = pathToFileURL(createRequire(import.meta.url).resolve('@heroku-cli/command')).href
  return {from: 'plugin', library: await import('@heroku-cli/command'), url: own}
}
