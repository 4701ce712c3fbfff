import {expect} from 'chai'

import {type Sandbox, startSandbox} from '../../sandbox/index.js'
import {fingerprint} from '../../src/runtime/key.js'
import {run} from '../helpers/heroku-cli.js'
import {expectNoKeyValue} from '../helpers/output.js'
import {keysIn, mutating} from '../helpers/sandbox-setup.js'

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
    const {fingerprint: owner, key: addon} = JSON.parse(provision.stdout)

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
    expect(mutating(sandbox)).to.deep.equal([])

    const keys = keysIn(sandbox, ['service-1', 'service-2', 'service-3'])
    for (const result of [provision, attach, again, reattach]) expectNoKeyValue(result, keys)
  })
})
