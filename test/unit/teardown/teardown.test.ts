/* eslint-disable camelcase -- the Platform API's and the --json document's snake_case fields */
import type * as Heroku from '@heroku-cli/schema'

import {expect} from 'chai'

import {
  ConfirmationRequiredError, NotOwnerError, SecurekeyError, WrongServiceError,
} from '../../../src/core/errors.js'
import {
  type Attachment, mapPool, type PlatformApi, PlatformError,
} from '../../../src/core/platform-api.js'
import {addonKey, keyJson} from '../../../src/key/model.js'
import {
  confirmTeardown, executeTeardown, MAX_DETACH_ROUNDS, planTeardown, teardownTarget,
} from '../../../src/teardown/teardown.js'

const ADDON_ID = '00000000-0000-4000-8000-000000000001'

function addonOf(owner = 'service-1', service = 'securekey', name = 'securekey-solid-14332', state = 'provisioned'): Heroku.AddOn {
  return {
    addon_service: {name: service}, app: {name: owner}, id: `${name}-id`, name, plan: {name: `${service}:fortnightly`}, state,
  } as Heroku.AddOn
}

const ADDON: Heroku.AddOn = {...addonOf(), id: ADDON_ID}

function attachmentOf(app: string, name: string, configVars: string[] | undefined = [`${name}_KEY`]): Attachment {
  return {
    addon: {app: {name: 'service-1'}, id: ADDON_ID, name: ADDON.name}, app: {name: app}, config_vars: configVars, id: `${app}-${name}`, name,
  }
}

const OWNED = attachmentOf('service-1', 'SECURE')
const PEERS = [attachmentOf('service-3', 'SERVICE_1_SECURE'), attachmentOf('service-2', 'SERVICE_1_SECURE')]

const notFound = () => new PlatformError(404, 'not_found', 'Couldn\'t find that add on attachment.')

type Call = [string, ...string[]]

/**
 * A PlatformApi stand-in holding attachments; records every call. `failDetach` maps an attachment id to the error its
 * detach answers; `attachOnList` adds attachments when the add-on's attachments are listed for the nth time.
 */
class FakePlatform {
  addonAnswers: Array<Error | Heroku.AddOn> = []
  addons = new Map<string, Heroku.AddOn>()
  attachments: Attachment[]
  attachOnList = new Map<number, Attachment[]>()
  calls: Call[] = []
  destroyAnswer: {error?: Error, pending?: boolean} = {}
  failDetach = new Map<string, Error>()
  lists = 0
  ownedBy = new Map<string, Heroku.AddOn[]>()

  constructor(attachments: Attachment[] = [OWNED, ...PEERS]) {
    this.attachments = [...attachments]
  }

  async addon(reference: string): Promise<Heroku.AddOn> {
    this.calls.push(['addon', reference])
    const answer = this.addonAnswers.shift() ?? this.addons.get(reference)
    if (!answer) throw new PlatformError(404, 'not_found', 'Couldn\'t find that add on.')
    if (answer instanceof Error) throw answer
    return answer
  }

  async addonsOf(app: string): Promise<Heroku.AddOn[]> {
    this.calls.push(['addonsOf', app])
    return this.ownedBy.get(app) ?? []
  }

  async attachmentsOf(addon: string): Promise<Attachment[]> {
    this.calls.push(['attachmentsOf', addon])
    this.lists++
    this.attachments.push(...this.attachOnList.get(this.lists) ?? [])
    return [...this.attachments]
  }

  async attachmentsOn(app: string): Promise<Attachment[]> {
    this.calls.push(['attachmentsOn', app])
    return this.attachments.filter(attachment => attachment.app?.name === app)
  }

  async configVars(app: string): Promise<Record<string, string>> {
    this.calls.push(['configVars', app])
    return {}
  }

  async destroyAddon(app: string, addon: string): Promise<{addon: Heroku.AddOn, pending: boolean}> {
    this.calls.push(['destroyAddon', app, addon])
    if (this.destroyAnswer.error) throw this.destroyAnswer.error
    if (!this.destroyAnswer.pending) this.attachments = []
    return {addon: ADDON, pending: Boolean(this.destroyAnswer.pending)}
  }

  async detach(id: string): Promise<Attachment> {
    this.calls.push(['detach', id])
    const failure = this.failDetach.get(id)
    if (failure) throw failure
    const found = this.attachments.find(attachment => attachment.id === id)
    if (!found) throw notFound()
    this.attachments = this.attachments.filter(attachment => attachment !== found)
    return found
  }

  each<T, R>(items: readonly T[], task: (item: T, index: number) => Promise<R>): Promise<R[]> {
    return mapPool(items, 8, task)
  }

  async resolveAddon(reference: string, app?: string): Promise<Heroku.AddOn[]> {
    this.calls.push(['resolveAddon', reference, app ?? ''])
    return [...this.addons.values()].filter(addon => addon.name === reference)
  }
}

const asPlatform = (fake: FakePlatform) => fake as unknown as PlatformApi
const names = (calls: Call[]) => calls.map(call => call[0])
const plan = (attachments: Attachment[] = [OWNED, ...PEERS]) => planTeardown(addonKey(ADDON), attachments)

describe('teardown', () => {
  describe('planTeardown', () => {
    it('lists every attachment on another app as a peer, sorted by app, with the config var it loses', () => {
      const planned = plan()
      expect(planned.owner).to.equal('service-1')
      expect(planned.peers).to.deep.equal([
        {app: 'service-2', attachment: {id: 'service-2-SERVICE_1_SECURE', name: 'SERVICE_1_SECURE'}, configVar: 'SERVICE_1_SECURE_KEY'},
        {app: 'service-3', attachment: {id: 'service-3-SERVICE_1_SECURE', name: 'SERVICE_1_SECURE'}, configVar: 'SERVICE_1_SECURE_KEY'},
      ])
    })

    it('leaves the owner\'s own attachments to the destroy', () => {
      const planned = plan()
      expect(planned.ownerAttachments.map(detach => detach.attachment.name)).to.deep.equal(['SECURE'])
      expect(planned.destroy).to.deep.equal({addon: 'securekey-solid-14332', app: 'service-1', configVars: ['SECURE_KEY']})
      expect(keyJson(planned.key)).to.deep.include({
        addon: {id: ADDON_ID, plan: 'securekey:fortnightly', state: 'provisioned'}, kind: 'addon', name: 'securekey-solid-14332', owner: 'service-1',
      })
    })

    it('keeps each attachment of an app attached twice, and names its var <ATTACHMENT>_KEY when the API gave none', () => {
      const planned = plan([OWNED, attachmentOf('service-2', 'SECOND'), attachmentOf('service-2', 'FIRST')])
      expect(planned.peers.map(peer => `${peer.app}:${peer.attachment.name}:${peer.configVar}`)).to.deep.equal([
        'service-2:FIRST:FIRST_KEY', 'service-2:SECOND:SECOND_KEY',
      ])
    })

    it('plans only the destroy when no other app is attached', () => {
      expect(plan([OWNED]).peers).to.deep.equal([])
    })
  })

  describe('confirmTeardown', () => {
    let asked: string[]
    const confirmer = (options: {answer?: string, confirmed?: string[], interactive: boolean}) => ({
      confirmed: options.confirmed ?? [],
      interactive: options.interactive,
      async prompt(question: string) {
        asked.push(question)
        return options.answer ?? ''
      },
    })

    beforeEach(() => {
      asked = []
    })

    it('goes ahead without a prompt when --confirm names the owner', async () => {
      await confirmTeardown(plan(), confirmer({confirmed: ['service-1'], interactive: true}))
      expect(asked).to.deep.equal([])
    })

    it('refuses a --confirm naming another app, without prompting', async () => {
      const error = await confirmTeardown(plan(), confirmer({confirmed: ['service-2'], interactive: true})).catch((error: unknown) => error)
      expect(error).to.be.instanceOf(SecurekeyError)
      expect((error as Error).message).to.equal('--confirm service-2 does not match service-1, the app that owns securekey-solid-14332: nothing was changed.')
      expect(asked).to.deep.equal([])
    })

    it('stops with how to confirm when there is no terminal and no --confirm', async () => {
      const error = await confirmTeardown(plan(), confirmer({interactive: false})).catch((error: unknown) => error)
      expect(error).to.be.instanceOf(ConfirmationRequiredError)
      expect((error as Error).message).to.include('detaches securekey-solid-14332 from service-2, service-3 and destroys it on service-1')
      expect((error as Error).message).to.include('re-run with --confirm service-1')
      expect((error as SecurekeyError).suggestions).to.deep.equal(['heroku securekey:teardown securekey-solid-14332 -a service-1 --confirm service-1'])
    })

    it('asks a terminal user to type the owner\'s name', async () => {
      await confirmTeardown(plan(), confirmer({answer: 'service-1', interactive: true}))
      expect(asked).to.have.length(1)
      expect(asked[0]).to.include('type service-1')
    })

    it('turns a wrong answer at the prompt into an error saying nothing was changed', async () => {
      const error = await confirmTeardown(plan(), confirmer({answer: 'service-2', interactive: true})).catch((error: unknown) => error)
      expect(error).to.be.instanceOf(SecurekeyError)
      expect((error as Error).message).to.equal('Confirmation did not match service-1. Nothing was changed on service-1.')
    })
  })

  describe('teardownTarget', () => {
    it('takes the one securekey add-on the app owns, with its attachments', async () => {
      const fake = new FakePlatform()
      fake.ownedBy.set('service-1', [ADDON, addonOf('service-1', 'heroku-postgresql', 'postgresql-a')])
      const target = await teardownTarget(asPlatform(fake), {app: 'service-1'})
      expect(target?.key.name).to.equal('securekey-solid-14332')
      expect(target?.attachments).to.have.length(3)
      expect(fake.calls).to.deep.equal([['addonsOf', 'service-1'], ['configVars', 'service-1'], ['attachmentsOf', ADDON_ID]])
    })

    it('finds a named add-on with a GET, without the resolve action', async () => {
      const fake = new FakePlatform()
      fake.addons.set('securekey-solid-14332', ADDON)
      await teardownTarget(asPlatform(fake), {app: 'service-1', key: 'securekey-solid-14332'})
      expect(names(fake.calls)).to.deep.equal(['addon', 'attachmentsOf'])
    })

    it('says there is nothing to tear down when the app owns no securekey add-on and is attached to none', async () => {
      const fake = new FakePlatform()
      fake.ownedBy.set('service-1', [addonOf('service-1', 'heroku-postgresql', 'postgresql-a')])
      expect(await teardownTarget(asPlatform(fake), {app: 'service-1'})).to.equal(undefined)
    })

    it('refuses an add-on of another service, naming its service', async () => {
      const fake = new FakePlatform()
      fake.addons.set('postgresql-x', addonOf('service-1', 'heroku-postgresql', 'postgresql-x'))
      const error = await teardownTarget(asPlatform(fake), {app: 'service-1', key: 'postgresql-x'}).catch((error: unknown) => error)
      expect(error).to.be.instanceOf(WrongServiceError)
      expect((error as Error).message).to.equal('postgresql-x is a heroku-postgresql add-on; securekey:teardown only removes securekey add-ons.')
    })

    it('refuses a peer given as -a, naming the owner, the detach for that peer and the teardown on the owner', async () => {
      const fake = new FakePlatform()
      fake.addons.set('securekey-solid-14332', ADDON)
      const error = await teardownTarget(asPlatform(fake), {app: 'service-2', key: 'securekey-solid-14332'}).catch((error: unknown) => error)
      expect(error).to.be.instanceOf(NotOwnerError)
      expect((error as Error).message).to.equal([
        'securekey-solid-14332 belongs to service-1, not service-2.',
        'To remove it from service-2 only: heroku addons:detach SERVICE_1_SECURE -a service-2.',
        'To tear it down everywhere: heroku securekey:teardown securekey-solid-14332 -a service-1.',
      ].join(' '))
    })

    it('refuses a peer given as -a alone, found through the add-ons attached to it', async () => {
      const fake = new FakePlatform()
      fake.ownedBy.set('service-2', [ADDON])
      const error = await teardownTarget(asPlatform(fake), {app: 'service-2'}).catch((error: unknown) => error)
      expect(error).to.be.instanceOf(NotOwnerError)
      expect((error as Error).message).to.include('belongs to service-1, not service-2')
      expect((error as Error).message).to.include('heroku addons:detach SERVICE_1_SECURE -a service-2')
    })

    it('lists the add-ons when the app owns several', async () => {
      const fake = new FakePlatform()
      fake.ownedBy.set('service-1', [ADDON, addonOf('service-1', 'securekey', 'securekey-other-2')])
      const error = await teardownTarget(asPlatform(fake), {app: 'service-1'}).catch((error: unknown) => error)
      expect((error as Error).message).to.equal([
        'service-1 owns 2 shared keys: securekey-solid-14332 (add-on), securekey-other-2 (add-on).',
        'Name the one to use, e.g. heroku securekey:teardown securekey-solid-14332 -a service-1.',
      ].join(' '))
    })
  })

  describe('executeTeardown', () => {
    it('detaches every peer, lists the attachments again, then destroys on the owner', async () => {
      const fake = new FakePlatform()
      const result = await executeTeardown(asPlatform(fake), plan())
      expect(fake.calls).to.deep.equal([
        ['detach', 'service-2-SERVICE_1_SECURE'],
        ['detach', 'service-3-SERVICE_1_SECURE'],
        ['attachmentsOf', ADDON_ID],
        ['destroyAddon', 'service-1', ADDON_ID],
      ])
      expect(result.complete).to.equal(true)
      expect(result.destroyed).to.deep.equal({state: 'deprovisioned'})
      expect(result.detached.map(detach => detach.app)).to.deep.equal(['service-2', 'service-3'])
      expect(result.failed).to.deep.equal([])
    })

    it('leaves the add-on in place when a peer fails to detach, saying a re-run finishes', async () => {
      const fake = new FakePlatform()
      fake.failDetach.set('service-3-SERVICE_1_SECURE', new PlatformError(503, 'unavailable', 'Service unavailable.'))
      const result = await executeTeardown(asPlatform(fake), plan())
      expect(names(fake.calls)).to.deep.equal(['detach', 'detach'])
      expect(result.complete).to.equal(false)
      expect(result.destroyed).to.equal(undefined)
      expect(result.failed.map(failure => [failure.app, failure.error])).to.deep.equal([['service-3', {id: 'unavailable', message: 'Service unavailable.', status: 503}]])
      expect(result.stopped?.reason).to.equal('detach_failed')
      expect(result.stopped?.message).to.equal([
        'Teardown stopped: securekey-solid-14332 is still attached to service-3 (SERVICE_1_SECURE: Service unavailable.) and was not destroyed.',
        'Detached so far: service-2.',
        'Run the same command again to finish: heroku securekey:teardown securekey-solid-14332 -a service-1 --confirm service-1',
      ].join(' '))
    })

    it('counts a detach answered 404 as done (already detached)', async () => {
      const fake = new FakePlatform()
      const stale = plan([OWNED, ...PEERS, attachmentOf('service-4', 'GONE')])
      const result = await executeTeardown(asPlatform(fake), stale)
      expect(result.complete).to.equal(true)
      expect(result.detached.map(detach => detach.app)).to.deep.equal(['service-2', 'service-3', 'service-4'])
    })

    it('detaches an app attached between the plan and the destroy, then destroys', async () => {
      const fake = new FakePlatform()
      fake.attachOnList.set(1, [attachmentOf('service-4', 'LATE')])
      const result = await executeTeardown(asPlatform(fake), plan())
      expect(fake.calls.slice(2)).to.deep.equal([
        ['attachmentsOf', ADDON_ID],
        ['detach', 'service-4-LATE'],
        ['attachmentsOf', ADDON_ID],
        ['destroyAddon', 'service-1', ADDON_ID],
      ])
      expect(result.complete).to.equal(true)
      expect(result.detached.filter(detach => detach.late).map(detach => detach.app)).to.deep.equal(['service-4'])
    })

    it(`stops without destroying when apps are still attaching after ${MAX_DETACH_ROUNDS} rounds`, async () => {
      const fake = new FakePlatform()
      fake.attachOnList.set(1, [attachmentOf('service-4', 'LATE')])
      fake.attachOnList.set(2, [attachmentOf('service-5', 'LATER')])
      const result = await executeTeardown(asPlatform(fake), plan())
      expect(names(fake.calls)).not.to.include('destroyAddon')
      expect(result.stopped?.reason).to.equal('still_attaching')
      expect(result.stopped?.message).to.include('apps keep attaching to securekey-solid-14332 while it is torn down (now service-5 (LATER))')
    })

    it('reports a destroy the API refuses, leaving a state a re-run completes', async () => {
      const fake = new FakePlatform()
      fake.destroyAnswer.error = new PlatformError(422, 'invalid_params', 'Cannot destroy add-on securekey-solid-14332: it is attached to other apps (service-9).')
      const result = await executeTeardown(asPlatform(fake), plan())
      expect(result.complete).to.equal(false)
      expect(result.stopped?.reason).to.equal('destroy_failed')
      expect(result.stopped?.message).to.include('failed: Cannot destroy add-on securekey-solid-14332: it is attached to other apps (service-9). (invalid_params, HTTP 422)')
      expect(result.stopped?.message).to.include('run the same command again to finish')
    })

    it('counts a destroy answered 404 as done', async () => {
      const fake = new FakePlatform()
      fake.destroyAnswer.error = new PlatformError(404, 'not_found', 'Couldn\'t find that add on.')
      expect(await executeTeardown(asPlatform(fake), plan())).to.deep.include({complete: true, destroyed: {state: 'deprovisioned'}})
    })

    it('reports a 202 as deprovisioning, without polling unless asked to wait', async () => {
      const fake = new FakePlatform()
      fake.destroyAnswer.pending = true
      const result = await executeTeardown(asPlatform(fake), plan())
      expect(result).to.deep.include({complete: true, destroyed: {state: 'deprovisioning'}})
      expect(names(fake.calls)).not.to.include('addon')
    })

    it('with wait, polls the add-on until it is gone', async () => {
      const fake = new FakePlatform()
      fake.destroyAnswer.pending = true
      const deprovisioning = {...addonOf('service-1', 'securekey', ADDON.name, 'deprovisioning'), id: ADDON_ID}
      fake.addonAnswers = [deprovisioning, deprovisioning, new PlatformError(404, 'not_found', 'Couldn\'t find that add on.')]
      const result = await executeTeardown(asPlatform(fake), plan(), {poll: {initialMs: 1, maxMs: 1, msPerRequest: 1}, wait: true})
      expect(fake.calls.filter(call => call[0] === 'addon')).to.deep.equal([['addon', ADDON_ID], ['addon', ADDON_ID], ['addon', ADDON_ID]])
      expect(result.destroyed).to.deep.equal({state: 'deprovisioned'})
    })

    it('reports each step to the progress display in order', async () => {
      const fake = new FakePlatform()
      const events: string[] = []
      await executeTeardown(asPlatform(fake), plan(), {
        progress: {
          start: action => events.push(`start ${action}`),
          stop: result => events.push(`stop ${result}`),
          update: status => events.push(`update ${status}`),
        },
      })
      expect(events).to.deep.equal([
        'start Detaching securekey-solid-14332 from 2 apps', 'stop done', 'start Destroying securekey-solid-14332 on service-1', 'stop done',
      ])
    })
  })
})
