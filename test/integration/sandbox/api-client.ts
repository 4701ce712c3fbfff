import {APIClient} from '@heroku-cli/command'
import {Config} from '@oclif/core'

import type {Sandbox} from '../../../sandbox/index.js'

let config: Config | undefined

/**
 * The Heroku CLI's own API client (`@heroku-cli/command`), pointed at the sandbox the way a user would:
 * HEROKU_HOST, HEROKU_API_KEY and HEROKU_PARTICLEBOARD_URL. `restore()` puts the environment back.
 */
export async function apiClientFor(sandbox: Sandbox): Promise<{client: APIClient, restore: () => void}> {
  config ??= await Config.load({root: process.cwd()})
  const saved = Object.fromEntries(Object.keys(sandbox.env).map(name => [name, process.env[name]]))
  Object.assign(process.env, sandbox.env)
  const client = new APIClient(config)
  return {
    client,
    restore() {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name]
        else process.env[name] = value
      }
    },
  }
}
