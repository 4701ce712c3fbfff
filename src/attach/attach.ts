/**
 * Attaching a securekey add-on to peer apps, so that each holds the owner's key under a name of its own.
 *
 * Three steps, each its own function so the command can print between them:
 *  - planAttach (reads only): resolve the add-on, pick the attachment name (derived from the owner app unless given),
 *    and list the add-on's attachments once, so that a peer already attached under that name needs no request at all;
 *  - previewAttach (--dry-run, reads only): per peer, whether the name is free, taken (a replacement to confirm), or the
 *    app cannot be read;
 *  - executeAttach: attach every other peer through the pool, one failure never hiding the others; a taken name goes
 *    through the confirmation flow (confirmation.ts); then one wave of config var reads compares each peer's key with
 *    the owner's by fingerprint. The owner is read in that same wave, after attaching, so a rotation that lands
 *    meanwhile is not mistaken for a bad attachment more often than it must be.
 *
 * Attaching sets the config var on the peer, which makes a release and restarts its dynos.
 */
import {
  checkConfirmations, type ConfirmedBy, type Confirmer, sendConfirmed,
} from '../core/confirm.js'
import {ConfirmationRequiredError, NotFoundError, SecurekeyError} from '../core/errors.js'
import {
  checkAddonName, checkAppName, checkAttachmentName, defaultAttachmentName, keyVarFor, reportedKeyVar,
} from '../core/names.js'
import {
  type Attachment, type ConfigVars, describeFailure, type PlatformApi, PlatformError,
} from '../core/platform-api.js'
import {type Progress, silentProgress} from '../core/progress.js'
import {appProblem} from '../key/addons.js'
import {keyProblem, printsOf, sameKeys} from '../key/compare.js'
import {
  type AddonKey, type ConfigCache, describeKey, type SharedKey,
} from '../key/model.js'
import {findKeys, pickOwned} from '../key/resolve.js'
import {parseSecureKey} from '../runtime/key.js'

export interface AttachInput {
  addon?: string
  as?: string
  confirm: string[]
  from?: string
  peers: string[]
}

export interface AttachPlan {
  /** The config var every peer will hold: `<name>_KEY`. */
  configVar: string
  key: SharedKey
  /** The attachment name on every peer. */
  name: string
  owner: string
  /** The owner's own attachment's config var (what peers are compared with). */
  ownerConfigVar: string
  steps: AttachStep[]
}

export interface AttachStep {
  action: 'already_attached' | 'attach'
  app: string
  configVar: string
}

/**
 * What happened, or on a dry run would happen, on one peer:
 * attached / already_attached: done, then compared; would_attach: the name is free; would_replace: the name is taken
 * and --confirm names this peer; needs_confirmation: taken and not confirmed (a dry run: a real run would ask on a
 * terminal or stop; a real run: nothing was changed on that peer); failed: a request failed.
 */
export type PeerStatus = 'already_attached' | 'attached' | 'failed' | 'needs_confirmation' | 'would_attach' | 'would_replace'

export interface PeerOutcome {
  app: string
  configVar: string
  confirmedBy?: ConfirmedBy
  /** The peer's LATEST fingerprint, once read. */
  fingerprint?: string
  /** Whether the peer's key (both slots) equals the owner's; undefined when either could not be read. */
  matches?: boolean
  /** Why the attach failed, why a name is taken, or why no comparison could be made. Never a key value. */
  message?: string
  /** Attached, but reading its config var back failed: not compared. */
  readFailed?: boolean
  status: PeerStatus
}

export interface AttachOutcome {
  dryRun: boolean
  ownerFingerprint?: string
  ownerProblem?: string
  /** Reading the owner's config var back failed: nothing was compared. */
  ownerReadFailed?: boolean
  peers: PeerOutcome[]
  plan: AttachPlan
}

const PURPOSE = 'securekey:attach shares securekey add-ons only; use heroku addons:attach <addon> -a <app> for other services'

/** Checks everything typed before any request (pure); returns the peers without duplicates. */
export function checkAttachInput(input: AttachInput): string[] {
  if (input.addon) checkAddonName(input.addon)
  if (input.from) checkAppName(input.from, '--from')
  if (input.as !== undefined) checkAttachmentName(input.as)
  const peers = [...new Set(input.peers)]
  for (const peer of peers) checkAppName(peer)
  if (peers.length === 0) {
    throw new SecurekeyError('Name at least one app to attach to with -a.', {
      suggestions: [`heroku securekey:attach ${input.addon ?? `--from ${input.from ?? '<owner-app>'}`} -a <other-app>`],
    })
  }

  checkConfirmations(input.confirm, peers)

  if (!input.addon && !input.from) {
    throw new SecurekeyError('Name the key to attach, or the app that owns it with --from.', {
      suggestions: [`heroku securekey:attach --from <owner-app> -a ${peers[0]}`, `heroku securekey:attach <addon> -a ${peers[0]}`],
    })
  }

  return peers
}

/** Per peer: already attached under `name` (no request needed), or to attach (pure). */
export function planSteps(peers: string[], attachments: Attachment[], name: string): AttachStep[] {
  return peers.map(app => {
    const existing = attachments.find(attachment => attachment.app?.name === app && attachment.name === name)
    return existing
      ? {action: 'already_attached', app, configVar: reportedKeyVar(existing, undefined, name)}
      : {action: 'attach', app, configVar: keyVarFor(name)}
  })
}

/** Refuses attaching a key to the app that owns it (pure). */
export function refuseOwnerAsPeer(peers: string[], key: SharedKey): void {
  const {owner} = key
  if (peers.includes(owner)) {
    const others = peers.filter(peer => peer !== owner).join(' -a ') || '<other-app>'
    throw new SecurekeyError(`${owner} owns ${describeKey(key)} and holds its key already; attach it to the other apps only.`, {
      suggestions: [`heroku securekey:attach --from ${owner} -a ${others}`],
    })
  }
}

/** A failed read while planning, naming the step and the apps; nothing has been changed yet. */
function planningFailed(step: string, peers: string[]) {
  return (error: unknown): never => {
    if (!(error instanceof PlatformError)) throw error
    throw new PlatformError(error.status, error.id, `${step} failed, so nothing was attached to ${peers.join(', ')}: ${error.message}`, error.resource)
  }
}

/**
 * The key to attach (key/resolve.ts): the add-on named, or the one key `--from` owns (KEY picks one of several, by
 * add-on name or config var); reads only. `configs` holds what was read while resolving.
 */
export async function attachTarget(platform: PlatformApi, input: AttachInput, peers: string[]): Promise<{configs: ConfigCache, key: SharedKey}> {
  const failed = planningFailed(`Finding the key ${input.addon ?? `owned by ${input.from}`}`, peers)
  const {configs, keys} = await findKeys(platform, {app: input.from, key: input.addon, purpose: PURPOSE}).catch(failed)
  const key = input.from && !input.addon ? pickOwned(keys, input.from, 'securekey:attach') : keys[0]
  if (!key) {
    throw new NotFoundError(`${input.from} owns no shared key.`, {
      suggestions: [`heroku securekey:provision -a ${input.from}`, `heroku securekey:status -a ${input.from}`],
    })
  }

  if (input.from && key.owner !== input.from) {
    throw new SecurekeyError(`${describeKey(key)} is owned by ${key.owner}, not ${input.from}.`, {suggestions: [`heroku securekey:attach --from ${key.owner} -a ${peers.join(' -a ')}`]})
  }

  return {configs, key}
}

/**
 * Plans attaching an add-on key: checks that every peer can be read (GET /apps/{peer}, through the pool, so that a
 * missing or forbidden app is refused by name before any write) and decides each peer's step; reads only.
 */
export async function planAttach(platform: PlatformApi, key: AddonKey, input: AttachInput, peers: string[]): Promise<AttachPlan> {
  const {addon, owner} = key
  refuseOwnerAsPeer(peers, key)
  const name = input.as ?? defaultAttachmentName(owner)
  const [attachments] = await Promise.all([
    platform.attachmentsOf(addon.id ?? addon.name!).catch(planningFailed(`Listing the attachments of ${addon.name}`, peers)),
    platform.each(peers, peer => platform.app(peer).catch((error: unknown) => {
      const problem = appProblem(error, peer)
      if (problem !== error) throw problem
      planningFailed(`Reading the app ${peer}`, peers)(error)
    })),
  ])
  const onOwner = attachments.find(attachment => attachment.app?.name === owner)
  return {
    configVar: keyVarFor(name),
    key,
    name,
    owner,
    ownerConfigVar: reportedKeyVar(onOwner, addon, onOwner?.name ?? 'SECURE'),
    steps: planSteps(peers, attachments, name),
  }
}

/** Whether `name` is taken on a peer by something other than this add-on, and by what (pure). */
export function nameHolder(name: string, attachmentsOnPeer: Attachment[], vars: ConfigVars, addonId?: string): string | undefined {
  const attachment = attachmentsOnPeer.find(candidate => candidate.name === name && candidate.addon?.id !== addonId)
  if (attachment) return `the attachment ${name} of ${attachment.addon?.name ?? 'another add-on'}`
  if (keyVarFor(name) in vars) return `the config var ${keyVarFor(name)}`
  return undefined
}

/** The dry run: per peer, what a real run would do. Reads only. */
export async function previewAttach(platform: PlatformApi, plan: AttachPlan, confirmer: Confirmer): Promise<AttachOutcome> {
  const peers = await platform.each(plan.steps, async (step): Promise<PeerOutcome> => {
    if (step.action === 'already_attached') return {app: step.app, configVar: step.configVar, status: 'already_attached'}
    try {
      const [attachments, vars] = await Promise.all([platform.attachmentsOn(step.app), platform.configVars(step.app)])
      const holder = nameHolder(plan.name, attachments, vars, plan.key.kind === 'addon' ? plan.key.addon.id : undefined)
      if (!holder) return {app: step.app, configVar: step.configVar, status: 'would_attach'}
      const status = confirmer.confirmed.includes(step.app) ? 'would_replace' : 'needs_confirmation'
      return {
        app: step.app, configVar: step.configVar, message: `${plan.name} is taken on ${step.app} by ${holder}`, status,
      }
    } catch (error) {
      return {
        app: step.app, configVar: step.configVar, message: describeFailure(error), status: 'failed',
      }
    }
  })
  return {dryRun: true, peers, plan}
}

/** Whether a peer ended attached (now or before); on a real run every other status is a failure. */
export function succeeded(peer: PeerOutcome): boolean {
  return peer.status === 'attached' || peer.status === 'already_attached'
}

/** Whether a peer counts as failed: a request failed, or (on a real run) it did not end attached, e.g. left unconfirmed. */
export function peerFailed(peer: PeerOutcome, dryRun: boolean): boolean {
  return peer.status === 'failed' || (!dryRun && !succeeded(peer))
}

/** Whether the command must exit non-zero: a peer failed, or (on a real run) was left unconfirmed. */
export function anyFailed(outcome: AttachOutcome): boolean {
  return outcome.peers.some(peer => peerFailed(peer, outcome.dryRun))
}

/** Compares a peer's value with the owner's by fingerprint (pure; values never leave this function). */
export function comparePeer(peer: PeerOutcome, peerVars: ConfigVars | undefined, ownerValue?: string, readError?: string): PeerOutcome {
  if (readError) return {...peer, message: `could not read ${peer.configVar} on ${peer.app}: ${readError}`, readFailed: true}
  const mine = parseSecureKey(peerVars?.[peer.configVar])
  if (!mine.ok) return {...peer, message: keyProblem(peer.configVar, peer.app, mine.reason)}
  const keys = printsOf(mine)!
  const theirs = printsOf(parseSecureKey(ownerValue))
  if (!theirs) return {...peer, fingerprint: keys.latest}
  return {...peer, fingerprint: keys.latest, matches: sameKeys(keys, theirs)}
}

/** Attaches every peer that needs it, then compares every peer with the owner. See the file comment. */
export async function executeAttach(platform: PlatformApi, plan: AttachPlan, confirmer: Confirmer, progress: Progress = silentProgress): Promise<AttachOutcome> {
  const {key, name} = plan
  if (key.kind !== 'addon') throw new Error('executeAttach attaches add-on keys; self-managed keys go through attachSelfManaged')
  const {addon} = key
  const toAttach = plan.steps.filter(step => step.action === 'attach')
  if (toAttach.length > 0) progress.start(`Attaching ${addon.name} as ${name} to ${toAttach.map(step => step.app).join(', ')}`)
  const attached = await platform.each(plan.steps, async (step): Promise<PeerOutcome> => {
    if (step.action === 'already_attached') return {app: step.app, configVar: step.configVar, status: 'already_attached'}
    try {
      const {confirmedBy, result} = await sendConfirmed(
        confirm => platform.attach({
          addon: addon.id ?? addon.name!, app: step.app, confirm, name,
        }),
        {
          app: step.app,
          rerun: `heroku securekey:attach ${addon.name} -a ${step.app} --as ${name} --confirm ${step.app}`,
          warning: message => `${name} is already taken on ${step.app} (${message}); confirming replaces it with ${addon.name}'s key as ${keyVarFor(name)}.`,
        },
        confirmer,
      )
      return {
        app: step.app, configVar: reportedKeyVar(result, undefined, result.name ?? name), confirmedBy, status: 'attached',
      }
    } catch (error) {
      const status = error instanceof ConfirmationRequiredError ? 'needs_confirmation' : 'failed'
      return {
        app: step.app, configVar: step.configVar, message: describeFailure(error), status,
      }
    }
  })
  if (toAttach.length > 0) {
    const failed = attached.filter(peer => !succeeded(peer)).length
    progress.stop(failed === 0 ? 'done' : `${failed} failed`)
  }

  return compareAttached(platform, plan, attached)
}

/**
 * Reads back every peer that ended attached, with the owner in the same wave unless its value is known (a self-managed
 * key's, read a moment before), and compares each peer's key with the owner's by fingerprint.
 */
export async function compareAttached(platform: PlatformApi, plan: AttachPlan, attached: PeerOutcome[], knownOwnerValue?: string): Promise<AttachOutcome> {
  const compared = attached.filter(peer => succeeded(peer))
  type Read = {error?: string, vars?: ConfigVars}
  const ownerApps = knownOwnerValue === undefined ? [plan.owner] : []
  const reads = await platform.each([...ownerApps, ...compared.map(peer => peer.app)], app => platform.configVars(app).then(
    (vars): Read => ({vars}),
    (error: unknown): Read => ({error: describeFailure(error)}),
  ))
  const ownerRead: Read = knownOwnerValue === undefined ? reads[0] : {vars: {[plan.ownerConfigVar]: knownOwnerValue}}
  const peerReads = reads.slice(ownerApps.length)
  const ownerValue = ownerRead.vars?.[plan.ownerConfigVar]
  const ownerParsed = parseSecureKey(ownerValue)
  const ownerProblem = ownerRead.error
    ? `could not read ${plan.ownerConfigVar} on ${plan.owner}: ${ownerRead.error}`
    : (ownerParsed.ok ? undefined : `${plan.ownerConfigVar} on ${plan.owner} is ${ownerParsed.reason === 'empty' ? 'not set' : `malformed (${ownerParsed.reason})`}`)
  const byApp = new Map(compared.map((peer, index) => [peer.app, comparePeer(peer, peerReads[index].vars, ownerValue, peerReads[index].error)]))
  return {
    dryRun: false,
    ownerFingerprint: ownerParsed.ok ? ownerParsed.pair.latest.fingerprint : undefined,
    ownerProblem,
    ownerReadFailed: ownerRead.error !== undefined,
    peers: attached.map(peer => byApp.get(peer.app) ?? peer),
    plan,
  }
}
