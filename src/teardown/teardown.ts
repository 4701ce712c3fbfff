/**
 * The teardown of a securekey add-on: detach every peer, then destroy it on its owner.
 *
 * Why this order, and why never `force`: destroying a shared add-on first (what `heroku addons:destroy --force` does)
 * removes the key from every peer at the same moment, and a peer forgotten along the way keeps a dangling attachment.
 * So each peer is detached on its own (one release and restart on that app, a failure named with its app), the
 * attachments are listed once more just before the destroy (an app attached in the meantime is detached too), and the
 * destroy is sent without `force`. If a peer still slipped in between that last listing and the destroy, the API
 * refuses to destroy an add-on that other apps are attached to: that refusal is the last guard against cutting a peer
 * off unannounced, and `force` would switch it off. PlatformApi.destroyAddon never sends it; keep it that way.
 *
 * Every stop leaves a consistent state that the same command finishes: a failed detach stops before the destroy (the
 * add-on and the attachments not yet removed stay as they were), and a re-run plans from what is attached now. A
 * detach answered 404 counts as done (someone, or an earlier run, removed it already). When the app owns no securekey
 * add-on any more, there is nothing to tear down: that is success, so re-running a finished teardown is harmless. A
 * named add-on that cannot be found stays an error (exit 1): a typo and a finished teardown look the same from here.
 *
 * Requests: the resolution and the plan are reads only (GET /addons/{name} before the resolve action, so that a dry
 * run sends nothing but GETs when the add-on is named); nothing is changed before the confirmation.
 */
import type * as Heroku from '@heroku-cli/schema'

import {checkConfirmations, confirmAction, type Confirmer} from '../core/confirm.js'
import {NotOwnerError} from '../core/errors.js'
import {attachmentKeyVar} from '../core/names.js'
import {
  type Attachment, isNotFound, type PlatformApi, PlatformError,
} from '../core/platform-api.js'
import {type Progress, silentProgress} from '../core/progress.js'
import {DEFAULT_POLL, type PollSchedule, pollUntil} from '../core/wait.js'
import {ownerOf} from '../key/addons.js'
import {type AddonKey, type SharedKey} from '../key/model.js'
import {findKeys, pickOwned} from '../key/resolve.js'

const PURPOSE = 'securekey:teardown only removes securekey add-ons'

/** Detach rounds before giving up on apps that keep attaching while the teardown runs. */
export const MAX_DETACH_ROUNDS = 2

export interface AttachmentRef {
  /** The attachment's id; null for a self-managed key's holder, which has no attachment. */
  id: null | string
  name: string
}

/** One attachment the teardown removes: where it lives and the config var that leaves that app with it. */
export interface PlannedDetach {
  app: string
  attachment: AttachmentRef
  configVar: string
}

export interface TeardownPlan {
  /** The last step: destroy on the owner, which also removes the owner's own attachments and their vars. */
  destroy: {addon: string, app: string, configVars: string[]}
  /** The key torn down: an add-on (detached everywhere, then destroyed), or a self-managed key (self-managed.ts). */
  key: SharedKey
  owner: string
  ownerAttachments: PlannedDetach[]
  /** Every attachment on an app other than the owner, in the order they are detached. */
  peers: PlannedDetach[]
}

export interface TeardownTarget {
  /** An add-on's attachments (none for a self-managed key, whose holders are in its record). */
  attachments: Attachment[]
  key: SharedKey
}

export interface DetachOutcome extends PlannedDetach {
  error?: {id: string, message: string, status: number}
  /** Found attached in the listing before the destroy, not in the plan. */
  late: boolean
}

export type StopReason = 'destroy_failed' | 'detach_failed' | 'listing_failed' | 'still_attaching' | 'wait_failed'

export interface TeardownResult {
  complete: boolean
  /** `deprovisioning`: the API accepted the destroy (202) and the provider has not finished yet. */
  destroyed?: {state: 'deprovisioned' | 'deprovisioning'}
  detached: DetachOutcome[]
  failed: DetachOutcome[]
  stopped?: {message: string, reason: StopReason}
}

export interface ExecuteOptions {
  /** How --wait polls (core/wait.ts). */
  poll?: PollSchedule
  progress?: Progress
  /** Poll until the add-on is gone after a 202. */
  wait?: boolean
}

const plannedDetach = (attachment: Attachment): PlannedDetach => ({
  app: attachment.app?.name ?? attachment.app?.id ?? 'unknown app',
  attachment: {id: attachment.id ?? '', name: attachment.name ?? ''},
  configVar: attachmentKeyVar(attachment),
})

const byAppAndName = (a: PlannedDetach, b: PlannedDetach): number =>
  a.app.localeCompare(b.app) || a.attachment.name.localeCompare(b.attachment.name)

const plannedDetaches = (attachments: readonly Attachment[]): PlannedDetach[] => attachments.map(attachment => plannedDetach(attachment)).sort(byAppAndName)

/** The peers among a listing of the add-on's attachments: every attachment on an app other than the owner. */
export function peersOf(attachments: readonly Attachment[], owner: string): PlannedDetach[] {
  return plannedDetaches(attachments).filter(detach => detach.app !== owner)
}

/** What the teardown will do, from the add-on and the list of its attachments. Pure. */
export function planTeardown(key: AddonKey, attachments: readonly Attachment[]): TeardownPlan {
  const {addon, owner} = key
  const all = plannedDetaches(attachments)
  const ownerAttachments = all.filter(detach => detach.app === owner)
  const name = addon.name ?? addon.id ?? ''
  return {
    destroy: {addon: name, app: owner, configVars: ownerAttachments.map(detach => detach.configVar)},
    key,
    owner,
    ownerAttachments,
    peers: all.filter(detach => detach.app !== owner),
  }
}

export function teardownCommand(plan: TeardownPlan, confirm = true): string {
  return `heroku securekey:teardown ${plan.key.name} -a ${plan.owner}${confirm ? ` --confirm ${plan.owner}` : ''}`
}

function notOwner(addon: Heroku.AddOn, app: string, attachmentsOnApp: readonly Attachment[]): NotOwnerError {
  const owner = ownerOf(addon)
  const names = attachmentsOnApp.map(attachment => attachment.name ?? '').filter(Boolean)
  const tearDown = `heroku securekey:teardown ${addon.name} -a ${owner}`
  if (names.length === 0) {
    return new NotOwnerError(`${addon.name} belongs to ${owner}, not ${app}, and ${app} is not attached to it. To tear it down everywhere: ${tearDown}.`, {
      suggestions: [tearDown],
    })
  }

  const detach = names.map(name => `heroku addons:detach ${name} -a ${app}`)
  return new NotOwnerError(`${addon.name} belongs to ${owner}, not ${app}. To remove it from ${app} only: ${detach.join(', then ')}. To tear it down everywhere: ${tearDown}.`, {
    suggestions: [...detach, tearDown],
  })
}

/** The add-on's id (or name) of an add-on key's plan. */
const addonIdOf = (plan: TeardownPlan): string => (plan.key.kind === 'addon' ? plan.key.addon.id ?? plan.key.name : plan.key.name)

/**
 * The key to tear down (KEY, or the one `app` owns, of either kind) and an add-on's attachments, or undefined when
 * `app` owns no key and holds none (nothing to tear down). Refuses an add-on of another service, and an `app` that is
 * only a peer, saying how to remove it from that app alone.
 */
export async function teardownTarget(platform: PlatformApi, options: {app: string, key?: string}): Promise<TeardownTarget | undefined> {
  const {app} = options
  const {keys} = await findKeys(platform, {app, key: options.key, purpose: PURPOSE})
  const addonPeer = keys.length > 0 && keys.every(key => key.kind === 'addon' && key.owner !== app)
  if (addonPeer && (options.key || keys.length === 1)) {
    const [key] = keys as AddonKey[]
    const attachments = await platform.attachmentsOf(key.addon.id ?? key.name)
    throw notOwner(key.addon, app, attachments.filter(attachment => attachment.app?.name === app))
  }

  const key = pickOwned(keys, app, 'securekey:teardown')
  if (!key) return undefined
  return {attachments: key.kind === 'addon' ? await platform.attachmentsOf(key.addon.id ?? key.name) : [], key}
}

/**
 * `--confirm OWNER`, or the owner's name typed on a terminal (core/confirm.ts). Without either, stops with how to
 * confirm. Nothing has been changed when this throws.
 */
export async function confirmTeardown(plan: TeardownPlan, confirmer: Confirmer): Promise<void> {
  const {owner} = plan
  checkConfirmations(confirmer.confirmed, [owner], {of: plan.key.name})
  const others = plan.peers.length === 0 ? 'no other app' : [...new Set(plan.peers.map(peer => peer.app))].join(', ')
  await confirmAction({
    app: owner, rerun: teardownCommand(plan), warning: `This detaches ${plan.key.name} from ${others} and destroys it on ${owner}.`,
  }, confirmer)
}

const errorOf = (error: PlatformError) => ({id: error.id, message: error.message, status: error.status})

async function detachAll(platform: PlatformApi, peers: readonly PlannedDetach[], late: boolean): Promise<DetachOutcome[]> {
  return platform.each(peers, async peer => {
    let outcome: DetachOutcome
    try {
      await platform.detach(peer.attachment.id!)
      outcome = {...peer, late}
    } catch (error) {
      if (!(error instanceof PlatformError)) throw error
      // Already gone: detached by an earlier run or by someone else, which is what this step wants.
      outcome = error.status === 404 ? {...peer, late} : {...peer, error: errorOf(error), late}
    }

    return outcome
  })
}

const appList = (detaches: readonly PlannedDetach[]) => detaches.map(detach => `${detach.app} (${detach.attachment.name})`).join(', ')

/** The result of a teardown stopped before the destroy finished. `detail`: the apps still attaching, or why the destroy failed. */
export function stopTeardown(plan: TeardownPlan, result: TeardownResult, reason: StopReason, detail = ''): TeardownResult {
  const again = `run the same command again to finish: ${teardownCommand(plan)}`
  const done = result.detached.length > 0 ? ` Detached so far: ${[...new Set(result.detached.map(detach => detach.app))].join(', ')}.` : ''
  let message: string
  switch (reason) {
  case 'destroy_failed': {
    const left = `${plan.key.name} is still there and the apps detached so far stay detached`
    message = `Teardown stopped: destroying ${plan.key.name} on ${plan.owner} failed: ${detail}. ${left}; ${again}`
    break
  }

  case 'detach_failed': {
    const failures = result.failed.map(failure => `${failure.app} (${failure.attachment.name}: ${failure.error?.message})`)
    message = `Teardown stopped: ${plan.key.name} is still attached to ${failures.join(', ')} and was not destroyed.${done} R${again.slice(1)}`
    break
  }

  case 'listing_failed': {
    message = `Teardown stopped: listing ${plan.key.name}'s attachments before the destroy failed: ${detail}. It was not destroyed.${done} R${again.slice(1)}`
    break
  }

  case 'still_attaching': {
    const attaching = `apps keep attaching to ${plan.key.name} while it is torn down (now ${detail})`
    message = `Teardown stopped: ${attaching}, so it was not destroyed.${done} Stop whatever attaches it, then ${again}`
    break
  }

  case 'wait_failed': {
    message = detail
    break
  }
  }

  return {...result, complete: false, stopped: {message, reason}}
}

/** Polls the add-on until it is gone (404) or reported deprovisioned; no timeout, like `heroku addons:wait`. */
export async function waitUntilGone(platform: PlatformApi, addonId: string, schedule: PollSchedule): Promise<void> {
  const gone = async (): Promise<boolean> => {
    try {
      return (await platform.addon(addonId)).state === 'deprovisioned'
    } catch (error) {
      if (isNotFound(error)) return true
      throw error
    }
  }

  await pollUntil(gone, {done: isGone => isGone, rateLimit: platform, schedule})
}

const apps = (count: number) => `${count} app${count === 1 ? '' : 's'}`

/**
 * Detaches the planned peers, then lists the attachments again and detaches any app attached in the meantime, up to
 * MAX_DETACH_ROUNDS rounds. Returns the stopped result, or undefined when no peer is left.
 */
async function detachPeers(platform: PlatformApi, plan: TeardownPlan, result: TeardownResult, progress: Progress): Promise<TeardownResult | undefined> {
  let pending = plan.peers
  for (let round = 1; ; round++) {
    if (pending.length > 0) {
      progress.start(`Detaching ${plan.key.name} from ${apps(new Set(pending.map(peer => peer.app)).size)}${round > 1 ? ' attached meanwhile' : ''}`)
      // eslint-disable-next-line no-await-in-loop
      const outcomes = await detachAll(platform, pending, round > 1)
      const failed = outcomes.filter(outcome => outcome.error)
      progress.stop(failed.length > 0 ? `${failed.length} of ${outcomes.length} failed` : 'done')
      result.detached.push(...outcomes.filter(outcome => !outcome.error))
      result.failed.push(...failed)
      if (result.failed.length > 0) return stopTeardown(plan, result, 'detach_failed')
    }

    // The listing just before the destroy: an app attached since the plan is a peer too. A failed listing stops
    // here, before the destroy, saying what was done.
    try {
      // eslint-disable-next-line no-await-in-loop
      pending = peersOf(await platform.attachmentsOf(addonIdOf(plan)), plan.owner)
    } catch (error) {
      if (!(error instanceof PlatformError)) throw error
      return stopTeardown(plan, result, 'listing_failed', error.describe())
    }

    if (pending.length === 0) return undefined
    if (round >= MAX_DETACH_ROUNDS) return stopTeardown(plan, result, 'still_attaching', appList(pending))
  }
}

/**
 * Runs the plan: detach every peer through the pool (with a second round for apps attached meanwhile), then destroy on
 * the owner without `force`, and with `wait` poll until it is gone. Stops before the destroy on any failed detach; the
 * result says what was done and what is left.
 */
export async function executeTeardown(platform: PlatformApi, plan: TeardownPlan, options: ExecuteOptions = {}): Promise<TeardownResult> {
  const progress = options.progress ?? silentProgress
  const result: TeardownResult = {complete: false, detached: [], failed: []}
  const stopped = await detachPeers(platform, plan, result, progress)
  if (stopped) return stopped

  progress.start(`Destroying ${plan.key.name} on ${plan.owner}`)
  let state: 'deprovisioned' | 'deprovisioning'
  try {
    // No force, on purpose: see the comment at the top of this file.
    state = (await platform.destroyAddon(plan.owner, addonIdOf(plan))).pending ? 'deprovisioning' : 'deprovisioned'
  } catch (error) {
    if (!isNotFound(error)) {
      if (!(error instanceof PlatformError)) throw error
      progress.stop('failed')
      return stopTeardown(plan, result, 'destroy_failed', error.describe())
    }

    state = 'deprovisioned'
  }

  progress.stop(state === 'deprovisioning' ? 'accepted, deprovisioning' : 'done')
  if (state === 'deprovisioning' && options.wait) {
    progress.start(`Waiting for ${plan.key.name} to be deprovisioned`)
    try {
      await waitUntilGone(platform, addonIdOf(plan), options.poll ?? DEFAULT_POLL)
    } catch (error) {
      if (!(error instanceof PlatformError)) throw error
      progress.stop('failed')
      const waitAgain = `heroku addons:wait ${plan.key.name}`
      // Not complete: what --wait was asked to see did not happen, and the document says so (complete: false).
      return {
        ...result,
        complete: false,
        destroyed: {state},
        stopped: {
          message: `The destroy of ${plan.key.name} on ${plan.owner} was accepted and every peer is detached, but checking if it is gone failed: ${error.describe()}. ${waitAgain} waits for it.`,
          reason: 'wait_failed',
        },
      }
    }

    state = 'deprovisioned'
    progress.stop('gone')
  }

  return {...result, complete: true, destroyed: {state}}
}
