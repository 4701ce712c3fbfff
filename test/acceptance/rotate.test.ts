import {expect} from 'chai'

import {type Sandbox, startSandbox} from '../../sandbox/index.js'
import {run} from '../helpers/heroku-cli.js'
import {expectNoKeyValue} from '../helpers/output.js'

/** Every key the holders' vars ever had, from every release: what no output may show. */
function everyKey(sandbox: Sandbox): string[] {
  return ['service-1', 'service-2', 'service-3'].flatMap(app => sandbox.control.releases(app).flatMap(release => {
    const config = sandbox.control.releaseConfigVars(app, release.version!)
    return [config.SECURE_KEY, config.SERVICE_1_SECURE_KEY].filter(Boolean).flatMap(value => value.split(','))
  }))
}

// A self-managed key through the real Heroku CLI with the plugin linked: provision, attach, rotate, status, teardown,
// each checked with Heroku's own `heroku config`.
describe('a self-managed key with the real Heroku CLI', () => {
  let sandbox: Sandbox
  const env = () => ({...sandbox.env, HEROKU_SECUREKEY_WAIT_INTERVAL_MS: '50'})

  before(async () => {
    sandbox = await startSandbox({apps: 3, seed: 'acceptance-rotate'})
  })

  after(async () => {
    await sandbox?.close()
  })

  it('provisions on service-1 and attaches to service-2 and service-3: heroku config shows the same value everywhere', async () => {
    const provision = await run(['securekey:provision', '-a', 'service-1', '--self-managed'], {env: env()})
    expect(provision.exitCode, provision.stderr).to.equal(0)
    expect(provision.stdout).to.include('Created the self-managed key SECURE_KEY on service-1.')
    const attach = await run(['securekey:attach', '--from', 'service-1', '-a', 'service-2', '-a', 'service-3'], {env: env()})
    expect(attach.exitCode, attach.stderr).to.equal(0)
    expect(attach.stdout).to.include('SERVICE_1_SECURE_KEY on service-3 matches service-1')

    const configs = await Promise.all(['service-1', 'service-2'].map(app => run(['config', '-a', app, '--json'], {env: env()})))
    const [owner, peer] = configs.map(result => JSON.parse(result.stdout) as Record<string, string>)
    expect(owner.SECURE_KEY === peer.SERVICE_1_SECURE_KEY, 'the peer holds the owner\'s value').to.equal(true)
    expectNoKeyValue(provision, everyKey(sandbox))
    expectNoKeyValue(attach, everyKey(sandbox))
  })

  it('rotates: every app ends with "NEW,CUR", status says all in sync, and nothing prints a key', async () => {
    const before = sandbox.control.configVars('service-1').SECURE_KEY.split(',')
    const rotate = await run(['securekey:rotate', '-a', 'service-1', '--confirm', 'service-1'], {env: env()})
    expect(rotate.exitCode, rotate.stderr).to.equal(0)
    expect(rotate.stdout).to.include('Rotated: every holder and every dyno signs with')
    const after = sandbox.control.configVars('service-1').SECURE_KEY.split(',')
    expect(after[1] === before[0]).to.equal(true)

    const status = await run(['securekey:status', '-a', 'service-3', '--check'], {env: env()})
    expect(status.exitCode, status.stderr).to.equal(0)
    expect(status.stdout).to.include('3/3 apps in sync')
    expectNoKeyValue(rotate, everyKey(sandbox))
    expectNoKeyValue(status, everyKey(sandbox))
  })

  it('tears it down, peers first: heroku config shows no key var left', async () => {
    const teardown = await run(['securekey:teardown', '-a', 'service-1', '--confirm', 'service-1'], {env: env()})
    expect(teardown.exitCode, teardown.stderr).to.equal(0)
    expect(teardown.stdout).to.include('teardown complete')
    const config = await run(['config', '-a', 'service-2'], {env: env()})
    expect(config.stdout).to.include('NODE_ENV').and.not.include('SERVICE_1_SECURE_KEY')
    expectNoKeyValue(teardown, everyKey(sandbox))
  })
})
