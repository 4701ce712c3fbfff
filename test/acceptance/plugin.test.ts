import {expect} from 'chai'
import {
  existsSync, readdirSync, readFileSync, statSync,
} from 'node:fs'
import {createServer, type IncomingMessage, type Server} from 'node:http'
import {type AddressInfo} from 'node:net'
import {homedir} from 'node:os'
import {join} from 'node:path'

import {
  GUARD_EXIT_CODE, GUARD_MARKER, linkedHome, NetworkGuardError, repoRoot, run, serverEnv,
} from '../helpers/heroku-cli.js'

const TOKEN = 'acceptance-token-0123456789'
const KEY = `${'A1'.repeat(32)},${'B2'.repeat(32)}`

interface Recorded {
  authorization?: string
  host?: string
  method?: string
  path: string
}

/* eslint-disable camelcase -- Platform API field names */
const app = {id: '11111111-1111-4111-8111-111111111111', name: 'service-1'}
const addon = {
  addon_service: {id: '22222222-2222-4222-8222-222222222222', name: 'securekey'},
  app,
  config_vars: ['SECURE_KEY'],
  id: '33333333-3333-4333-8333-333333333333',
  name: 'securekey-acceptance-1',
  plan: {id: '44444444-4444-4444-8444-444444444444', name: 'securekey:fortnightly'},
  state: 'provisioned',
}
const attachment = {
  addon: {
    app, id: addon.id, name: addon.name, plan: addon.plan,
  },
  app,
  config_vars: ['SECURE_KEY'],
  id: '55555555-5555-4555-8555-555555555555',
  name: 'SECURE',
  namespace: null,
}
/* eslint-enable camelcase */

// The smallest Platform API that answers the lookups a securekey command makes for one app owning one add-on.
function answer(req: IncomingMessage): [number, unknown] {
  const path = (req.url ?? '/').split('?')[0]
  const routes: Array<[string, RegExp, unknown]> = [
    ['GET', /^\/account$/, {email: 'acceptance@example.com', id: '66666666-6666-4666-8666-666666666666'}],
    ['GET', /^\/apps\/(service-1|[\da-f-]{36})$/, app],
    ['GET', /^\/apps\/service-1\/addons$/, [addon]],
    ['GET', /^\/(apps\/service-1\/)?addons\/(securekey-acceptance-1|[\da-f-]{36})$/, addon],
    ['GET', /^\/(addons\/[^/]+|apps\/service-1)\/addon-attachments$/, [attachment]],
    ['GET', /^\/apps\/service-1\/addon-attachments\/SECURE$/, attachment],
    ['GET', /^\/apps\/service-1\/config-vars$/, {SECURE_KEY: KEY}],
    ['GET', /^\/apps\/service-1\/(dynos|releases)$/, []],
    ['POST', /^\/actions\/addons\/resolve$/, [addon]],
    ['POST', /^\/actions\/addon-attachments\/resolve$/, [attachment]],
  ]
  const route = routes.find(([method, pattern]) => method === req.method && pattern.test(path))
  return route ? [200, route[2]] : [404, {id: 'not_found', message: `No route for ${req.method} ${path} in the acceptance server.`}]
}

// What the CLI must not touch in the real HOME: the git-credential hook writes ~/.gitconfig, plugins:link
// writes ~/.local/share/heroku, and the CLI caches under ~/.cache/heroku.
function realHomeSnapshot(): Record<string, string> {
  const paths = ['.gitconfig', '.netrc', '.cache/heroku', '.config/heroku', '.local/share/heroku', '.local/state/heroku']
  return Object.fromEntries(paths.map(path => {
    const full = join(homedir(), path)
    if (!existsSync(full)) return [path, 'absent']
    const stat = statSync(full)
    return [path, stat.isDirectory() ? `dir ${stat.mtimeMs} ${readdirSync(full).join(',')}` : readFileSync(full, 'utf8')]
  }))
}

describe('the real Heroku CLI with heroku-securekey linked', function () {
  // Each invocation loads every command of the linked plugin through tsx (a linked plugin has no manifest):
  // seconds on an idle machine, several times that on a busy one or under c8.
  this.timeout(120_000)

  let server: Server
  let url: string
  const requests: Recorded[] = []

  before(async () => {
    server = createServer((req, res) => {
      requests.push({
        authorization: req.headers.authorization, host: req.headers.host, method: req.method, path: req.url ?? '/',
      })
      req.resume().on('end', () => {
        const [status, body] = answer(req)
        res.writeHead(status, {'Content-Type': 'application/json', 'Request-Id': '77777777-7777-4777-8777-777777777777'})
        res.end(JSON.stringify(body))
      })
    })
    await new Promise<void>(resolve => {
      server.listen(0, '127.0.0.1', resolve)
    })
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })

  after(async () => {
    await new Promise(resolve => {
      server.close(resolve)
    })
  })

  beforeEach(() => {
    requests.length = 0
  })

  it('lists the plugin in `heroku plugins` and shows the securekey topic in `heroku help securekey`, writing only to its own HOME', async () => {
    const before = realHomeSnapshot()
    const home = await linkedHome()
    const [plugins, help] = await Promise.all([run(['plugins']), run(['help', 'securekey'])])

    expect(plugins.exitCode, plugins.stderr).to.equal(0)
    expect(plugins.stdout).to.include(`heroku-securekey 0.1.0 (link) ${repoRoot}`)
    expect(help.exitCode, help.stderr).to.equal(0)
    expect(help.stdout).to.include('share a securekey secret between apps')
    expect(help.stdout).to.include('$ heroku securekey:COMMAND')
    expect(`${plugins.stderr}${help.stderr}`).not.to.match(/cannot be auto-transpiled|Defaulting to compiled source|Warning/)

    expect(readFileSync(join(home, '.gitconfig'), 'utf8')).to.include('heroku git:credentials')
    expect(realHomeSnapshot()).to.deep.equal(before)
  })

  it('sends a plugin command\'s requests to HEROKU_HOST with the Bearer token from HEROKU_API_KEY', async () => {
    const status = await run(['securekey:status', '-a', 'service-1'], {env: serverEnv(url, TOKEN)})

    expect(status.exitCode, status.stderr).to.equal(0)
    expect(requests, 'no request reached the local server').not.to.be.empty
    expect(requests.filter(request => request.authorization !== `Bearer ${TOKEN}`)).to.deep.equal([])
    expect(requests.some(request => request.path.includes('/service-1')), 'no request about service-1').to.equal(true)
    expect(requests.map(request => request.host)).to.deep.equal(requests.map(() => new URL(url).host))
    expect(status.stdout).to.include('securekey-acceptance-1').and.include('service-1').and.include('in sync')
    expect(status.stdout).not.to.include(KEY.slice(0, 16))
  })

  it('fails loudly, before any connection, when HEROKU_HOST is not set and the CLI falls back to api.heroku.com', async () => {
    const env = serverEnv(url, TOKEN)
    delete env.HEROKU_HOST

    const error = await run(['auth:whoami'], {env}).catch((error: unknown) => error)

    expect(error).to.be.instanceOf(NetworkGuardError)
    const {host, message, result} = error as NetworkGuardError
    expect(host).to.equal('api.heroku.com:443')
    expect(message).to.include('tried to reach api.heroku.com:443')
    // The guard ended the CLI at its first connect, before DNS: no retry, no second attempt, no request anywhere.
    expect(result.exitCode).to.equal(GUARD_EXIT_CODE)
    expect(result.stderr.split(GUARD_MARKER)).to.have.length(2)
    expect(requests).to.deep.equal([])
  })
})
