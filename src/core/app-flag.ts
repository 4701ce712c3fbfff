/**
 * `-a/--app` and `-r/--remote`, as every Heroku command takes them: the app named, else HEROKU_APP, else the one Heroku
 * app among the git remotes (the remote named by --remote or by `git config heroku.remote`, when set).
 *
 * Why not @heroku-cli/command's own flags: importing them loads its API client and credential manager, and with them
 * @sentry/node (about 0.5 s of the plugin's start-up, bench/RESULTS.md), and oclif imports a command's module even for
 * `--help`. Here only node:child_process is needed, and only when no app was given.
 */
import {Errors, Flags} from '@oclif/core'
import {execFileSync} from 'node:child_process'

interface GitRemote {
  app: string
  remote: string
}

/** `git <args>`, or undefined when git is missing or fails (no repository, no such config). */
function git(args: string[]): string | undefined {
  try {
    return execFileSync('git', args, {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']})
  } catch {
    return undefined
  }
}

/** The app a Heroku git URL points at: https://git.heroku.com/APP.git, git@heroku.com:APP.git, ssh://git@heroku.com/APP.git. */
export function herokuAppOfUrl(url: string, gitHost = process.env.HEROKU_GIT_HOST ?? 'heroku.com'): string | undefined {
  const host = gitHost.replaceAll('.', String.raw`\.`)
  const forms = [`^https://git\\.${host}/(.+)\\.git$`, `^git@${host}:(.+)\\.git$`, `^ssh://git@${host}/(.+)\\.git$`]
  for (const form of forms) {
    const match = new RegExp(form).exec(url)
    if (match) return match[1]
  }

  return undefined
}

/** The Heroku apps among `git remote -v`'s fetch URLs (pure, on its output). */
export function herokuRemotes(remoteList: string, only?: string): GitRemote[] {
  return remoteList.split('\n').filter(line => line.endsWith('(fetch)')).flatMap(line => {
    const [remote, rest = ''] = line.split('\t')
    const app = herokuAppOfUrl(rest.split(' ')[0])
    return app && (!only || remote === only) ? [{app, remote}] : []
  })
}

function gitRemotes(remote?: string): GitRemote[] {
  const named = remote ?? git(['config', 'heroku.remote'])?.trim()
  return herokuRemotes(git(['remote', '-v']) ?? '', named || undefined)
}

export const app = Flags.custom<string>({
  char: 'a',
  async default({flags, options}) {
    if (process.env.HEROKU_APP) return process.env.HEROKU_APP
    const remotes = gitRemotes(flags.remote as string | undefined)
    if (remotes.length === 1) return remotes[0].app
    if (flags.remote && remotes.length === 0) throw new Errors.CLIError(`The git remote ${flags.remote} is not a Heroku app's remote.`)
    if (remotes.length > 1 && options.required) {
      throw new Errors.CLIError(`Several Heroku apps are git remotes here (${remotes.map(found => `${found.app} (${found.remote})`).join(', ')}): name one with --app or --remote.`)
    }
  },
  description: 'app to run command against',
  env: 'HEROKU_APP',
  async parse(input) {
    // An empty -a '' (an unset variable in a script, often) would otherwise reach the API as /apps//...
    if (input.trim() === '') throw new Errors.CLIError('--app is empty: name an app, as in -a <app>.', {exit: 2})
    return input
  },
})

export const remote = Flags.custom<string>({
  char: 'r',
  description: 'git remote of app to use',
})
