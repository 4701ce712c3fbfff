import type {APIClient} from '@heroku-cli/command'
import type * as Heroku from '@heroku-cli/schema'

import {expect} from 'chai'

import {type Sandbox, startSandbox} from '../../sandbox/index.js'
import {apiClientFor} from './sandbox/api-client.js'
import {KEY_PAIR, raw} from './sandbox/http.js'

/** Long enough for the 40 ms asynchronous provisioning below to finish. */
const settle = () => new Promise(resolve => {
  setTimeout(resolve, 80)
})

describe('sandbox: add-ons and attachments', () => {
  let sandbox: Sandbox
  let heroku: APIClient
  let restore: () => void
  let api: ReturnType<typeof raw>

  beforeEach(async () => {
    sandbox = await startSandbox({seed: 'addons'})
    api = raw(sandbox);
    ({client: heroku, restore} = await apiClientFor(sandbox))
  })

  afterEach(async () => {
    restore()
    await sandbox.close()
  })

  async function resolve(body: object): Promise<string[]> {
    return (await heroku.post<Heroku.AddOn[]>('/actions/addons/resolve', {body})).body.map(a => a.name)
  }

  /** What the Heroku CLI sends for `heroku addons:create securekey:fortnightly -a <app>`. */
  async function provision(app = 'service-1', as?: string): Promise<Heroku.AddOn> {
    const {body} = await heroku.post<Heroku.AddOn>(`/apps/${app}/addons`, {
      body: {attachment: {name: as}, plan: {name: 'securekey:fortnightly'}},
      headers: {'accept-expansion': 'plan', 'x-heroku-legacy-provider-messages': 'true'},
    })
    return body
  }

  it('provisions securekey with two fresh keys as SECURE_KEY on the owner, in a new release the dynos run', async () => {
    const addon = await provision()

    expect(addon.name).to.match(/^securekey-[a-z]+-\d{5}$/)
    expect(addon.state).to.equal('provisioned')
    expect(addon.config_vars).to.deep.equal(['SECURE_KEY'])
    expect(addon.plan).to.include({name: 'securekey:fortnightly'})
    expect((addon.plan as Heroku.Plan).price).to.deep.equal({cents: 0, contract: false, unit: 'month'})
    for (const field of ['actions', 'addon_service', 'app', 'billed_price', 'billing_entity', 'created_at', 'id', 'provider_id', 'updated_at', 'web_url']) {
      expect(addon, field).to.have.property(field)
    }

    const config = sandbox.control.configVars('service-1')
    expect(config.SECURE_KEY).to.match(KEY_PAIR)
    const [latest, previous] = config.SECURE_KEY.split(',')
    expect(latest).not.to.equal(previous)
    expect(config).to.include({LANG: 'en_US.UTF-8'})

    const release = sandbox.control.releases('service-1').at(-1)!
    expect(release.description).to.equal(`Attach SECURE (@ref:${addon.name})`)
    expect(release.current).to.equal(true)
    expect(sandbox.control.dynos('service-1').map(dyno => dyno.release?.version)).to.deep.equal([release.version, release.version, release.version])
  })

  it('attaches the add-on to another app under an upper-cased name: both apps hold the same value', async () => {
    const addon = await provision()
    const {body: attachment, statusCode} = await heroku.post<Heroku.AddOnAttachment>('/addon-attachments', {
      body: {addon: {name: addon.name}, app: {name: 'service-2'}, name: 'service_one_secure'},
    })

    expect(statusCode).to.equal(201)
    expect(attachment.name).to.equal('SERVICE_ONE_SECURE')
    expect(attachment.app).to.deep.include({name: 'service-2'})
    expect(attachment.addon).to.deep.include({name: addon.name})
    expect(attachment.addon!.app).to.deep.include({name: 'service-1'})
    expect(sandbox.control.configVars('service-2').SERVICE_ONE_SECURE_KEY).to.equal(sandbox.control.configVars('service-1').SECURE_KEY)
    expect(sandbox.control.releases('service-2').at(-1)!.description).to.equal(`Attach SERVICE_ONE_SECURE (@ref:${addon.name})`)

    const {body: onPeer} = await heroku.get<Heroku.AddOn[]>('/apps/service-2/addons')
    expect(onPeer.map(a => a.name)).to.deep.equal([addon.name])
    expect(onPeer[0].config_vars, 'config_vars are the owner\'s names').to.deep.equal(['SECURE_KEY'])
    const {body: attachments} = await heroku.get<Heroku.AddOnAttachment[]>(`/addons/${addon.name}/addon-attachments`)
    expect(attachments.map(a => `${a.app?.name}::${a.name}`).sort()).to.deep.equal(['service-1::SECURE', 'service-2::SERVICE_ONE_SECURE'])
  })

  it('answers 423 confirmation_required with X-Confirmation-Required when the config var is taken; confirm overwrites it', async () => {
    const addon = await provision()
    sandbox.control.setConfigVar('service-2', 'SERVICE_ONE_SECURE_KEY', 'hand-made')
    const request = {addon: addon.name, app: 'service-2', name: 'SERVICE_ONE_SECURE'}

    const refused = await api('POST', '/addon-attachments', {body: request})
    expect(refused.status).to.equal(423)
    expect(refused.headers.get('x-confirmation-required')).to.equal('service-2')
    expect(refused.body.id).to.equal('confirmation_required')
    expect(sandbox.control.configVars('service-2').SERVICE_ONE_SECURE_KEY).to.equal('hand-made')

    const confirmed = await api('POST', '/addon-attachments', {body: {...request, confirm: 'service-2'}})
    expect(confirmed.status).to.equal(201)
    expect(sandbox.control.configVars('service-2').SERVICE_ONE_SECURE_KEY).to.equal(sandbox.control.configVars('service-1').SECURE_KEY)
  })

  it('replaces the attachment holding a name when the request confirms with the app', async () => {
    const first = await provision('service-1')
    const second = await provision('service-3')
    await heroku.post('/addon-attachments', {body: {addon: {name: first.name}, app: {name: 'service-2'}, name: 'SHARED'}})

    const refused = await api('POST', '/addon-attachments', {body: {addon: {name: second.name}, app: {name: 'service-2'}, name: 'SHARED'}})
    expect(refused.status).to.equal(423)
    expect(refused.body.message).to.include(first.name)

    await heroku.post('/addon-attachments', {
      body: {
        addon: {name: second.name}, app: {name: 'service-2'}, confirm: 'service-2', name: 'SHARED',
      },
    })
    const onPeer = sandbox.control.attachments().filter(a => a.app?.name === 'service-2')
    expect(onPeer.map(a => a.addon?.name)).to.deep.equal([second.name])
    expect(sandbox.control.configVars('service-2').SHARED_KEY).to.equal(sandbox.control.configVars('service-3').SECURE_KEY)
  })

  it('asks for confirmation on provision too when the default attachment name is taken', async () => {
    await provision()
    const refused = await api('POST', '/apps/service-1/addons', {body: {plan: 'securekey:fortnightly'}})
    expect(refused.status).to.equal(423)
    expect(refused.headers.get('x-confirmation-required')).to.equal('service-1')
    const confirmed = await api('POST', '/apps/service-1/addons', {body: {confirm: 'service-1', plan: 'securekey:fortnightly'}})
    expect(confirmed.status).to.equal(201)
    expect(sandbox.control.attachments().filter(a => a.app?.name === 'service-1')).to.have.length(1)
  })

  it('refuses to destroy while other apps are attached; destroys once they are detached, and the add-on is gone', async () => {
    const addon = await provision()
    const {body: peer} = await heroku.post<Heroku.AddOnAttachment>('/addon-attachments', {body: {addon: addon.name, app: 'service-2', name: 'SERVICE_ONE_SECURE'}})

    const refused = await api('DELETE', `/apps/service-1/addons/${addon.id}`, {body: {force: false}})
    expect(refused.status).to.equal(422)
    expect(refused.body).to.deep.equal({
      id: 'invalid_params',
      message: `Cannot destroy add-on ${addon.name}: it is attached to other apps (service-2).`,
    })

    const {body: detached} = await heroku.delete<Heroku.AddOnAttachment>(`/addon-attachments/${peer.id}`)
    expect(detached.name).to.equal('SERVICE_ONE_SECURE')
    expect(sandbox.control.configVars('service-2')).not.to.have.property('SERVICE_ONE_SECURE_KEY')
    expect(sandbox.control.releases('service-2').at(-1)!.description).to.equal(`Detach SERVICE_ONE_SECURE (@ref:${addon.name})`)

    const {body: destroyed, statusCode} = await heroku.delete<Heroku.AddOn>(`/apps/${addon.app.id}/addons/${addon.id}`, {body: {force: false}})
    expect(statusCode).to.equal(200)
    expect(destroyed.state).to.equal('deprovisioned')
    expect(sandbox.control.configVars('service-1')).not.to.have.property('SECURE_KEY')
    const gone = await api('GET', `/addons/${addon.name}`)
    expect(gone.status).to.equal(404)
    expect(gone.body).to.include({id: 'not_found', message: 'Couldn\'t find that add on.', resource: 'add_on'})
  })

  it('with force, destroys a shared add-on and removes every attachment and its config var', async () => {
    const addon = await provision()
    await api('POST', '/addon-attachments', {body: {addon: addon.name, app: 'service-2', name: 'PEER'}})
    await api('POST', '/addon-attachments', {body: {addon: addon.name, app: 'service-3', name: 'PEER'}})

    const destroyed = await api('DELETE', `/apps/service-1/addons/${addon.name}`, {body: {force: true}})
    expect(destroyed.status).to.equal(200)
    expect(sandbox.control.attachments()).to.deep.equal([])
    expect(sandbox.control.configVars('service-2')).not.to.have.property('PEER_KEY')
    expect(sandbox.control.configVars('service-3')).not.to.have.property('PEER_KEY')
  })

  it('will not destroy an add-on from an app that only has it attached', async () => {
    const addon = await provision()
    await api('POST', '/addon-attachments', {body: {addon: addon.name, app: 'service-2'}})
    const refused = await api('DELETE', `/apps/service-2/addons/${addon.name}`, {body: {force: true}})
    expect(refused.status).to.equal(422)
    expect(refused.body.message).to.include('owned by service-1')
  })

  it('rejects attachment names that are not letters, digits and underscores starting with a letter (422 invalid_params)', async () => {
    const addon = await provision()
    for (const name of ['1SECURE', 'bad-name', 'SPACE NAME']) {
      // eslint-disable-next-line no-await-in-loop
      const {body, status} = await api('POST', '/addon-attachments', {body: {addon: addon.name, app: 'service-2', name}})
      expect(status, name).to.equal(422)
      expect(body.id, name).to.equal('invalid_params')
    }
  })

  it('answers 422 with Heroku\'s wording for an unknown plan or service', async () => {
    for (const plan of ['securekey:nope', 'nope']) {
      // eslint-disable-next-line no-await-in-loop
      const {body, status} = await api('POST', '/apps/service-1/addons', {body: {plan: {name: plan}}})
      expect(status).to.equal(422)
      expect(body).to.deep.equal({id: 'invalid_params', message: `Couldn't find either the add-on service or the add-on plan of "${plan}".`})
    }
  })

  it('resolves an add-on by name, by id, or by attachment name relative to an app; nothing found is a 404', async () => {
    const addon = await provision()
    await api('POST', '/addon-attachments', {body: {addon: addon.name, app: 'service-2', name: 'SERVICE_ONE_SECURE'}})

    expect(await resolve({addon: addon.name, app: null})).to.deep.equal([addon.name])
    expect(await resolve({addon: addon.id})).to.deep.equal([addon.name])
    expect(await resolve({addon: 'service_one_secure', app: 'service-2'})).to.deep.equal([addon.name])
    expect(await resolve({addon: 'service-2::SERVICE_ONE_SECURE'})).to.deep.equal([addon.name])
    expect(await resolve({addon: addon.name, addon_service: 'securekey'})) // eslint-disable-line camelcase
    .to.deep.equal([addon.name])

    const none = await api('POST', '/actions/addons/resolve', {body: {addon: 'SERVICE_ONE_SECURE', app: 'service-3'}})
    expect(none.status).to.equal(404)
    expect(none.body.resource).to.equal('add_on')
    const attachments = await api('POST', '/actions/addon-attachments/resolve', {body: {addon_attachment: 'SERVICE_ONE_SECURE', app: 'service-2'}}) // eslint-disable-line camelcase
    expect(attachments.body.map((a: Heroku.AddOnAttachment) => a.app?.name)).to.deep.equal(['service-2'])
  })

  it('adds config_vars and addon.plan to attachments only when asked with Accept-Inclusion', async () => {
    const addon = await provision()
    await api('POST', '/addon-attachments', {body: {addon: addon.name, app: 'service-2', name: 'SERVICE_ONE_SECURE'}})

    const plain = await api('GET', '/apps/service-2/addon-attachments/SERVICE_ONE_SECURE')
    expect(plain.body).not.to.have.property('config_vars')
    expect(plain.body.addon).not.to.have.property('plan')

    const included = await api('GET', '/apps/service-2/addon-attachments/SERVICE_ONE_SECURE', {
      headers: {Accept: 'application/vnd.heroku+json; version=3.sdk', 'Accept-Inclusion': 'addon:plan,config_vars'},
    })
    expect(included.body.config_vars).to.deep.equal(['SERVICE_ONE_SECURE_KEY'])
    expect(included.body.addon.plan).to.include({name: 'securekey:fortnightly'})
  })

  it('serves heroku-postgresql beside securekey (DATABASE_URL), so other add-ons can be told apart', async () => {
    const {body: postgres} = await heroku.post<Heroku.AddOn>('/apps/service-1/addons', {body: {plan: 'heroku-postgresql:essential-0'}})
    const securekey = await provision()
    expect(postgres.name).to.match(/^postgresql-[a-z]+-\d{5}$/)
    expect(postgres.config_vars).to.deep.equal(['DATABASE_URL'])
    expect(sandbox.control.configVars('service-1').DATABASE_URL).to.match(/^postgres:\/\//)

    const {body: services} = await heroku.get<Heroku.AddOnService[]>('/addon-services')
    expect(services.map(s => s.name).sort()).to.deep.equal(['heroku-postgresql', 'securekey'])
    const {body: service} = await heroku.get<Heroku.AddOnService>('/addon-services/securekey')
    expect(service.supports_sharing).to.equal(true)
    const {body: plans} = await heroku.get<Heroku.Plan[]>('/addon-services/securekey/plans')
    expect(plans.map(p => p.name)).to.deep.equal(['securekey:fortnightly'])
    const {body: owned} = await heroku.get<Heroku.AddOn[]>('/apps/service-1/addons', {headers: {'Accept-Expansion': 'addon_service,plan'}})
    expect(owned.map(a => a.name).sort()).to.deep.equal([postgres.name, securekey.name].sort())
  })

  describe('with asyncProvisioning', () => {
    beforeEach(async () => {
      restore()
      await sandbox.close()
      sandbox = await startSandbox({asyncProvisioning: {deprovisionMs: 40, provisionMs: 40}})
      api = raw(sandbox);
      ({client: heroku, restore} = await apiClientFor(sandbox))
    })

    it('answers provisioning first; the key arrives when provisioned', async () => {
      const addon = await provision()
      expect(addon.state).to.equal('provisioning')
      expect(sandbox.control.configVars('service-1')).not.to.have.property('SECURE_KEY')

      await settle()
      const {body: later} = await heroku.get<Heroku.AddOn>(`/apps/service-1/addons/${addon.name}`)
      expect(later.state).to.equal('provisioned')
      expect(later.config_vars).to.deep.equal(['SECURE_KEY'])
      expect(sandbox.control.configVars('service-1').SECURE_KEY).to.match(KEY_PAIR)
    })

    it('answers 202 deprovisioning on destroy, then 404', async () => {
      const addon = await provision()
      await settle()
      const destroyed = await api('DELETE', `/apps/service-1/addons/${addon.id}`, {body: {force: false}})
      expect(destroyed.status).to.equal(202)
      expect(destroyed.body.state).to.equal('deprovisioning')
      expect((await api('GET', `/apps/service-1/addons/${addon.name}`)).body.state).to.equal('deprovisioning')

      await settle()
      const gone = await api('GET', `/apps/service-1/addons/${addon.name}`)
      expect(gone.status).to.equal(404)
      expect(sandbox.control.configVars('service-1')).not.to.have.property('SECURE_KEY')
    })
  })
})
