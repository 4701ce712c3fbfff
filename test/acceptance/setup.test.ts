import {expect} from 'chai'

import {type Sandbox, startSandbox} from '../../sandbox/index.js'
import {fingerprint} from '../../src/lib/key.js'
import {type CliResult, run} from '../helpers/heroku-cli.js'

/** The values of every *_KEY config var in the sandbox, each key on its own. */
function keysIn(sandbox: Sandbox): string[] {
  return ['service-1', 'service-2', 'service-3'].flatMap(app => Object.entries(sandbox.control.configVars(app))
  .filter(([name]) => name.endsWith('_KEY'))
  .flatMap(([, value]) => value.split(',')))
}

function expectNoKeyIn(results: CliResult[], keys: string[]): void {
  expect(keys.length).to.be.greaterThan(0)
  const text = results.map(result => result.stdout + result.stderr).join('\n').toLowerCase()
  for (const key of keys) expect(text).not.to.include(key.toLowerCase())
}

describe('the blog\'s two set-up steps through the real Heroku CLI', () => {
  let sandbox: Sandbox

  before(async () => {
    sandbox = await startSandbox()
  })

  after(async () => {
    await sandbox.close()
  })

  it('provisions on service-1 and attaches to service-2, after which heroku config shows the same value on both; a re-run changes nothing', async () => {
    const {env} = sandbox
    const provision = await run(['securekey:provision', '-a', 'service-1', '--json'], {env})
    expect(provision.exitCode, provision.stderr).to.equal(0)
    const {addon, fingerprint: owner} = JSON.parse(provision.stdout)

    const attach = await run(['securekey:attach', addon.name, '--as', 'SERVICE_ONE_SECURE', '-a', 'service-2'], {env})
    expect(attach.exitCode, attach.stderr).to.equal(0)
    expect(attach.stdout).to.include(`SERVICE_ONE_SECURE_KEY on service-2 matches service-1 (${owner.latest})`)

    // Heroku's own command, not the plugin's, is the judge of what each app now holds.
    const [config1, config2] = await Promise.all([run(['config', '-a', 'service-1', '--json'], {env}), run(['config', '-a', 'service-2', '--json'], {env})])
    expect(config1.exitCode, config1.stderr).to.equal(0)
    expect(config2.exitCode, config2.stderr).to.equal(0)
    const shared = JSON.parse(config2.stdout).SERVICE_ONE_SECURE_KEY
    expect(shared).to.be.a('string').and.equal(JSON.parse(config1.stdout).SECURE_KEY)
    expect(fingerprint(shared.split(',')[0])).to.equal(owner.latest)

    sandbox.control.clearRequests()
    const [again, reattach] = await Promise.all([
      run(['securekey:provision', '-a', 'service-1'], {env}),
      run(['securekey:attach', addon.name, '--as', 'SERVICE_ONE_SECURE', '-a', 'service-2'], {env}),
    ])
    expect(again.exitCode, again.stderr).to.equal(0)
    expect(again.stdout).to.include(`service-1 already owns ${addon.name}: created nothing`)
    expect(reattach.exitCode, reattach.stderr).to.equal(0)
    expect(reattach.stdout).to.include('service-2  already attached as SERVICE_ONE_SECURE')
    const writes = sandbox.control.requests().filter(request => request.method !== 'GET' && !request.path.startsWith('/actions/'))
    expect(writes.map(request => `${request.method} ${request.path}`)).to.deep.equal([])

    expectNoKeyIn([provision, attach, again, reattach], keysIn(sandbox))
  })
})
