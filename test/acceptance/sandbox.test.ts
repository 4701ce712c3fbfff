import {expect} from 'chai'

import {type RequestLogEntry, type Sandbox, startSandbox} from '../../sandbox/index.js'
import {type CliResult, linkedHome, run} from '../helpers/heroku-cli.js'
import {unwrapped} from '../helpers/output.js'
import {mutating} from '../helpers/sandbox-setup.js'

const APPS = ['service-1', 'service-2', 'service-3']

function expectSuccess(result: CliResult): void {
  expect(result.exitCode, unwrapped(result.stderr)).to.equal(0)
}

function writes(sandbox: Sandbox): RequestLogEntry[] {
  return sandbox.control.requests().filter(request => request.method !== 'GET' && !request.path.startsWith('/actions/'))
}

/** Heroku's own CLI on the sandbox; proves the sandbox, so nothing here runs the plugin's commands. */
describe('the sandbox through Heroku\'s own add-on commands (heroku@11)', function () {
  this.timeout(180_000)

  let sandbox: Sandbox
  let env: Record<string, string>
  let addon: string
  // Heroku's addons:destroy addresses the add-on by ids: /apps/{app id}/addons/{add-on id}.
  let destroyPath: string
  // Every key value the sandbox ever handed out, so that no output but `heroku config --json` may show one.
  const keys = new Set<string>()

  const remember = (): void => {
    const values = APPS.flatMap(app => Object.entries(sandbox.control.configVars(app)).filter(([name]) => name.endsWith('_KEY')).map(([, value]) => value))
    // Only real keys: the hand-made value on service-3 is no secret and too short to mean anything in an output.
    for (const key of values.flatMap(value => value.split(','))) if (key.length >= 32) keys.add(key.toLowerCase())
  }

  const expectNoKeyIn = (...results: CliResult[]): void => {
    remember()
    expect(keys.size, 'keys known to the sandbox').to.be.greaterThan(0)
    const text = results.map(result => result.stdout + result.stderr).join('\n').toLowerCase()
    const leaked = [...keys].filter(key => text.includes(key))
    expect(leaked.length, 'key values in the output').to.equal(0)
  }

  const heroku = (...args: string[]): Promise<CliResult> => run(args, {env})

  before(async () => {
    // A seed makes the add-on's name and keys the same on every run, so a failure can be replayed by hand.
    sandbox = await startSandbox({apps: APPS, seed: 'acceptance-sandbox'})
    env = sandbox.env
    await linkedHome()
  })

  after(async () => {
    await sandbox?.close()
  })

  // The steps below are one story, in order, each building on the state the previous one left: create on service-1,
  // attach to service-2, read it back, two refusals that change nothing, replace a hand-made var on service-3 through
  // confirmation_required, detach both peers, destroy. Mocha runs them in file order; an early failure fails the rest.

  it('heroku addons:create securekey:fortnightly -a service-1 provisions it and names the add-on and SECURE_KEY', async () => {
    const create = await heroku('addons:create', 'securekey:fortnightly', '-a', 'service-1')

    expectSuccess(create)
    const created = create.stdout.match(/^Created (securekey-[a-z]+-\d+) as SECURE_KEY$/m)
    expect(created, create.stdout).not.to.equal(null)
    addon = created![1]
    expect(create.stderr).to.include('Creating securekey:fortnightly on service-1... free')
    expect(create.stdout).to.include('Run heroku addons:docs securekey to view documentation.')

    const addons = sandbox.control.addons()
    expect(addons.map(a => [a.name, a.app?.name, a.plan?.name, a.state])).to.deep.equal([[addon, 'service-1', 'securekey:fortnightly', 'provisioned']])
    destroyPath = `/apps/${addons[0].app?.id}/addons/${addons[0].id}`
    expect(Object.keys(sandbox.control.configVars('service-1'))).to.include('SECURE_KEY')
    expect(mutating(sandbox)).to.deep.equal(['POST /apps/service-1/addons 201'])
    const posts = writes(sandbox)
    expect(posts[0].body).to.nested.include({'plan.name': 'securekey:fortnightly'})
    expectNoKeyIn(create)
  })

  it('heroku addons:attach <addon> --as SERVICE_ONE_SECURE -a service-2 attaches it and releases service-2', async () => {
    sandbox.control.clearRequests()
    const attach = await heroku('addons:attach', addon, '--as', 'SERVICE_ONE_SECURE', '-a', 'service-2')

    expectSuccess(attach)
    expect(attach.stderr).to.include(`Attaching ${addon} as SERVICE_ONE_SECURE to service-2... done`)
    expect(attach.stderr).to.match(/Setting SERVICE_ONE_SECURE config vars and restarting service-2\.\.\. done, v4/)

    expect(mutating(sandbox)).to.deep.equal(['POST /addon-attachments 201'])
    const posts = writes(sandbox)
    expect(posts[0].body).to.deep.equal({addon: {name: addon}, app: {name: 'service-2'}, name: 'SERVICE_ONE_SECURE'})
    expect(sandbox.control.attachments().map(a => `${a.app?.name}::${a.name}`)).to.have.members(['service-1::SECURE', 'service-2::SERVICE_ONE_SECURE'])
    expectNoKeyIn(attach)
  })

  it('heroku config, addons, addons:info and releases show the attachment from service-2\'s side', async () => {
    const [config1, config2, addons, info, releases] = await Promise.all([
      heroku('config', '-a', 'service-1', '--json'),
      heroku('config', '-a', 'service-2', '--json'),
      heroku('addons', '-a', 'service-2'),
      heroku('addons:info', addon),
      heroku('releases', '-a', 'service-2'),
    ])

    // `heroku config --json` prints secrets by design: compare them, never show them in a message.
    for (const result of [config1, config2]) expectSuccess(result)
    const owner = JSON.parse(config1.stdout) as Record<string, string>
    const peer = JSON.parse(config2.stdout) as Record<string, string>
    expect(Object.keys(peer)).to.have.members(['LANG', 'NODE_ENV', 'SERVICE_ONE_SECURE_KEY'])
    expect(typeof owner.SECURE_KEY === 'string' && /^[\dA-F]{64},[\dA-F]{64}$/.test(owner.SECURE_KEY), 'SECURE_KEY looks like a securekey value').to.equal(true)
    expect(peer.SERVICE_ONE_SECURE_KEY === owner.SECURE_KEY, 'SERVICE_ONE_SECURE_KEY on service-2 equals SECURE_KEY on service-1').to.equal(true)
    expect(owner.SECURE_KEY === sandbox.control.configVars('service-1').SECURE_KEY, 'the CLI shows the sandbox\'s value').to.equal(true)

    expectSuccess(addons)
    const table = unwrapped(addons.stdout)
    expect(table).to.match(new RegExp(`securekey \\(${addon}\\)\\s+fortnightly\\s+\\(billed to service-1 app\\)\\s+\\(billed to service-1 app\\)\\s+created`))
    expect(table).to.match(/as SERVICE_ONE_SECURE *\n/)
    expect(table).to.include('as SECURE on service-1 app')
    expect(table).to.include('The table above shows add-ons and the attachments to the current app (service-2) or other apps.')

    expectSuccess(info)
    const infoText = unwrapped(info.stdout)
    expect(infoText).to.include(`=== ${addon}`)
    expect(infoText).to.match(/Plan:\s+securekey:fortnightly\n/)
    expect(infoText).to.match(/Price:\s+free\n/)
    expect(infoText).to.match(/Attachments:\s+service-1::SECURE\n\s+service-2::SERVICE_ONE_SECURE\n/)
    expect(infoText).to.match(/Owning app:\s+service-1\n/)
    expect(infoText).to.match(/State:\s+created\n/)

    expectSuccess(releases)
    const history = unwrapped(releases.stdout)
    expect(history).to.include('=== service-2 Releases - Current: v4')
    const versions = [...history.matchAll(/^\s+(v\d+)\s+(.+?)\s{2,}sandbox@example\.com/gm)].map(([, version, description]) => `${version} ${description}`)
    expect(versions).to.deep.equal([
      `v4 Attach SERVICE_ONE_SECURE (@ref:${addon})`,
      'v3 Deploy 6f1c2a9e',
      'v2 Set LANG, NODE_ENV config vars',
      'v1 Initial release',
    ])

    expectNoKeyIn(addons, info, releases)
  })

  it('refuses without changing anything: addons:attach onto a taken SERVICE_ONE_SECURE_KEY without --confirm gives up, addons:destroy with a peer attached fails', async () => {
    sandbox.control.setConfigVar('service-3', 'SERVICE_ONE_SECURE_KEY', 'hand-made')
    const releasesBefore = sandbox.control.releases('service-3').length
    sandbox.control.clearRequests()

    const [attach, destroy] = await Promise.all([
      heroku('addons:attach', addon, '--as', 'SERVICE_ONE_SECURE', '-a', 'service-3'),
      heroku('addons:destroy', addon, '-a', 'service-1', '--confirm', 'service-1'),
    ])

    // Heroku's CLI warns and prompts; stdin is a pipe already at its end, so the process runs out of work with the
    // prompt pending. Usually it exits 0 having done nothing (platform-api.md); sometimes inquirer's exit hook rejects
    // the prompt first and oclif prints that error with exit 1. Either way nothing was sent with confirm.
    expect(
      attach.exitCode === 0 || (attach.exitCode === 1 && attach.stderr.includes('ExitPromptError: User force closed the prompt')),
      `exit ${attach.exitCode}: ${unwrapped(attach.stderr)}`,
    ).to.equal(true)
    expect(unwrapped(attach.stderr)).to.include(`Attaching ${addon} as SERVICE_ONE_SECURE to service-3... !`)
    expect(unwrapped(attach.stderr)).to.include('Warning: The config var SERVICE_ONE_SECURE_KEY is already set on service-3 and would be overwritten; confirm to replace it.')
    expect(unwrapped(attach.stdout)).to.include('To proceed, type service-3 or re-run this command with --confirm service-3')
    expect(attach.stderr).not.to.include('restarting service-3')

    expect(destroy.exitCode).to.equal(1)
    expect(unwrapped(destroy.stderr)).to.include(`Destroying ${addon} on service-1... !`)
    // Heroku's CLI adds its own full stop to the API's message.
    expect(unwrapped(destroy.stderr).replaceAll(/\s+/g, ' ')).to.include(`Error: The add-on was unable to be destroyed: Cannot destroy add-on ${addon}: it is attached to other apps (service-2)..`)

    expect(mutating(sandbox).sort()).to.deep.equal([`DELETE ${destroyPath} 422`, 'POST /addon-attachments 423'])
    const sent = writes(sandbox)
    expect(sent.find(request => request.method === 'POST')?.body).to.deep.equal({addon: {name: addon}, app: {name: 'service-3'}, name: 'SERVICE_ONE_SECURE'})
    expect(sent.find(request => request.method === 'DELETE')?.body).to.deep.equal({force: false})
    expect(sandbox.control.configVars('service-3').SERVICE_ONE_SECURE_KEY === 'hand-made', 'the hand-made value is still there').to.equal(true)
    expect(sandbox.control.releases('service-3')).to.have.length(releasesBefore)
    expect(sandbox.control.addons().map(a => a.name)).to.deep.equal([addon])
    expect(sandbox.control.attachments().map(a => `${a.app?.name}::${a.name}`)).to.have.members(['service-1::SECURE', 'service-2::SERVICE_ONE_SECURE'])
    expectNoKeyIn(attach, destroy)
  })

  it('heroku addons:attach ... --confirm service-3 repeats the request with confirm and replaces the hand-made value', async () => {
    sandbox.control.clearRequests()
    const attach = await heroku('addons:attach', addon, '--as', 'SERVICE_ONE_SECURE', '-a', 'service-3', '--confirm', 'service-3')

    expectSuccess(attach)
    expect(attach.stderr).to.include(`Attaching ${addon} as SERVICE_ONE_SECURE to service-3... done`)
    expect(attach.stderr).to.match(/Setting SERVICE_ONE_SECURE config vars and restarting service-3\.\.\. done, v5/)

    expect(mutating(sandbox)).to.deep.equal(['POST /addon-attachments 201'])
    const posts = writes(sandbox)
    expect(posts[0].body).to.deep.equal({
      addon: {name: addon}, app: {name: 'service-3'}, confirm: 'service-3', name: 'SERVICE_ONE_SECURE',
    })
    const value = sandbox.control.configVars('service-3').SERVICE_ONE_SECURE_KEY
    expect(value === sandbox.control.configVars('service-1').SECURE_KEY, 'service-3 now holds service-1\'s SECURE_KEY').to.equal(true)
    expect(sandbox.control.attachments().map(a => `${a.app?.name}::${a.name}`)).to.have.members(['service-1::SECURE', 'service-2::SERVICE_ONE_SECURE', 'service-3::SERVICE_ONE_SECURE'])
    expect(sandbox.control.releases('service-3').at(-1)?.description).to.equal(`Attach SERVICE_ONE_SECURE (@ref:${addon})`)
    expectNoKeyIn(attach)
  })

  it('heroku addons:detach SERVICE_ONE_SECURE -a service-2 (and -a service-3) detaches it and unsets the var', async () => {
    sandbox.control.clearRequests()
    const detaches = await Promise.all(['service-2', 'service-3'].map(app => heroku('addons:detach', 'SERVICE_ONE_SECURE', '-a', app)))

    for (const [i, app] of ['service-2', 'service-3'].entries()) {
      expectSuccess(detaches[i])
      expect(detaches[i].stderr).to.include(`Detaching SERVICE_ONE_SECURE to ${addon} from ${app}... done`)
      expect(detaches[i].stderr).to.match(new RegExp(`Unsetting SERVICE_ONE_SECURE config vars and restarting ${app}\\.\\.\\. done, v\\d+`))
      expect(Object.keys(sandbox.control.configVars(app)), app).not.to.include('SERVICE_ONE_SECURE_KEY')
      expect(sandbox.control.releases(app).at(-1)?.description, app).to.equal(`Detach SERVICE_ONE_SECURE (@ref:${addon})`)
    }

    expect(detaches[0].stderr).to.include('restarting service-2... done, v5')
    expect(mutating(sandbox).map(line => line.replace(/[\da-f-]{36}/, '<uuid>'))).to.deep.equal(['DELETE /addon-attachments/<uuid> 200', 'DELETE /addon-attachments/<uuid> 200'])
    expect(sandbox.control.attachments().map(a => `${a.app?.name}::${a.name}`)).to.deep.equal(['service-1::SECURE'])
    expectNoKeyIn(...detaches)
  })

  it('heroku addons:destroy <addon> -a service-1 --confirm service-1 destroys it now that no peer is attached', async () => {
    remember()
    sandbox.control.clearRequests()
    const destroy = await heroku('addons:destroy', addon, '-a', 'service-1', '--confirm', 'service-1')

    expectSuccess(destroy)
    expect(destroy.stderr).to.include(`Destroying ${addon} on service-1... done`)
    expect(mutating(sandbox)).to.deep.equal([`DELETE ${destroyPath} 200`])
    const deletes = writes(sandbox)
    expect(deletes[0].body).to.deep.equal({force: false})
    expect(sandbox.control.addons()).to.deep.equal([])
    expect(sandbox.control.attachments()).to.deep.equal([])
    for (const app of APPS) expect(Object.keys(sandbox.control.configVars(app)).filter(name => name.endsWith('_KEY')), app).to.deep.equal([])

    const addons = await heroku('addons', '-a', 'service-1')
    expectSuccess(addons)
    expect(addons.stdout).to.include('No add-ons for app service-1.')
    expectNoKeyIn(destroy, addons)
  })
})
