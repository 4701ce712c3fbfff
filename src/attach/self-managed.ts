/**
 * attach on a self-managed key: the owner's value is copied to NAME_KEY on each peer, with a pointer record back to the
 * owner, in one release per peer; then the owner's record lists the new holders (one release on the owner). A var that
 * already exists on a peer and is not this key needs a confirmation, exactly like a taken attachment name. The output
 * has attach's shapes (AttachOutcome): the "add-on" is the key, named by its config var, plan `self-managed`.
 */
import type * as Heroku from '@heroku-cli/schema'

import {confirmAction, type Confirmer} from '../core/confirm.js'
import {ConfirmationRequiredError, NotFoundError} from '../core/errors.js'
import {configVarFor, defaultAttachmentName} from '../core/names.js'
import {describeFailure, type PlatformApi} from '../core/platform-api.js'
import {type Progress, silentProgress} from '../core/progress.js'
import {
  formatRecord, type OwnerRecord, peerRecord, recordVarOf,
} from '../key/record.js'
import {configOf, ownedSelfManagedKey, type SelfManagedKey} from '../key/self-managed.js'
import {
  type AttachInput, type AttachOutcome, type AttachPlan, compareAttached, type PeerOutcome, planAttach, refuseOwnerAsPeer,
} from './attach.js'

/** The key as attach's plan shows an add-on: named by its config var, plan `self-managed`. */
export const keyAsAddon = (record: OwnerRecord): Heroku.AddOn => ({
  app: {name: record.owner}, name: record.var, plan: {name: 'self-managed'},
} as Heroku.AddOn)

/**
 * What attach acts on: the add-on (attach's own plan), or, when `--from OWNER` owns no securekey add-on, the
 * self-managed key it owns (ADDON, if given, names it by its config var). Asked in that order, so an add-on attach
 * costs no extra request.
 */
export async function attachTarget(platform: PlatformApi, input: AttachInput, peers: string[]): Promise<AttachPlan | SelfManagedKey> {
  try {
    return await planAttach(platform, input, peers)
  } catch (error) {
    if (!(error instanceof NotFoundError) || !input.from) throw error
    // ADDON may name the key by its config var when the owner holds several (SECURE_KEY --from service-1).
    const key = await ownedSelfManagedKey(platform, input.from, {command: 'securekey:attach', keyVar: input.addon}).catch((error_: unknown) => {
      if (error_ instanceof NotFoundError) return
      throw error_
    })
    if (!key) throw error
    return key
  }
}

export async function attachSelfManaged(platform: PlatformApi, key: SelfManagedKey, options: {
  as?: string, confirmer: Confirmer, dryRun: boolean, onPlan?: (plan: AttachPlan) => void, peers: string[], progress?: Progress,
}): Promise<AttachOutcome> {
  const {record} = key
  const addon = keyAsAddon(record)
  refuseOwnerAsPeer(options.peers, addon)
  const name = options.as ?? defaultAttachmentName(record.owner)
  const configVar = configVarFor(name)
  const ownerValue = key.configs.get(record.owner)?.[record.var]
  const configs = await platform.each(options.peers, app => configOf(platform, app))
  const peerConfig = new Map(options.peers.map((app, index) => [app, configs[index]]))
  const attached = (app: string) => record.holders.some(holder => holder.app === app && holder.var === configVar) && peerConfig.get(app)?.[configVar] === ownerValue
  const plan: AttachPlan = {
    addon,
    configVar,
    name,
    owner: record.owner,
    ownerConfigVar: record.var,
    steps: options.peers.map(app => ({action: attached(app) ? 'already_attached' : 'attach', app, configVar})),
  }
  options.onPlan?.(plan)
  const taken = (app: string) => configVar in peerConfig.get(app)! && !attached(app)
  const rerun = (app: string) => `heroku securekey:attach --from ${record.owner} -a ${app} --as ${name} --confirm ${app}`
  const warning = (app: string) => `${configVar} is already set on ${app}; confirming replaces it with ${record.owner}'s ${record.var}.`
  if (options.dryRun) {
    const peers = plan.steps.map((step): PeerOutcome => {
      if (step.action === 'already_attached') return {app: step.app, configVar, status: 'already_attached'}
      if (!taken(step.app)) return {app: step.app, configVar, status: 'would_attach'}
      const status = options.confirmer.confirmed.includes(step.app) ? 'would_replace' : 'needs_confirmation'
      return {
        app: step.app, configVar, message: `${configVar} is taken on ${step.app} by the config var ${configVar}`, status,
      }
    })
    return {dryRun: true, peers, plan}
  }

  const progress = options.progress ?? silentProgress
  const toAttach = plan.steps.filter(step => step.action === 'attach')
  if (toAttach.length > 0) progress.start(`Setting ${record.owner}'s ${record.var} as ${configVar} on ${toAttach.map(step => step.app).join(', ')}`)
  const results = await platform.each(plan.steps, async (step): Promise<PeerOutcome> => {
    if (step.action === 'already_attached') return {app: step.app, configVar, status: 'already_attached'}
    try {
      const confirmedBy = taken(step.app) ? await confirmAction({app: step.app, rerun: rerun(step.app), warning: warning(step.app)}, options.confirmer) : undefined
      await platform.setConfigVars(step.app, {[configVar]: ownerValue ?? null, [recordVarOf(configVar)]: formatRecord(peerRecord(record.owner, record.var))})
      return {
        app: step.app, configVar, confirmedBy, status: 'attached',
      }
    } catch (error) {
      return {
        app: step.app, configVar, message: describeFailure(error), status: error instanceof ConfirmationRequiredError ? 'needs_confirmation' : 'failed',
      }
    }
  })
  const added = results.filter(peer => peer.status === 'attached' && !record.holders.some(holder => holder.app === peer.app && holder.var === configVar))
  if (added.length > 0) {
    const holders = [...record.holders.filter(holder => !added.some(peer => peer.app === holder.app && holder.var === configVar)), ...added.map(peer => ({app: peer.app, var: configVar}))]
    try {
      await platform.setConfigVars(record.owner, {[recordVarOf(record.var)]: formatRecord({...record, holders})})
    } catch (error) {
      for (const peer of added) Object.assign(peer, {message: `the owner's record could not list it (${describeFailure(error)}); run the same command again`, status: 'failed'})
    }
  }

  if (toAttach.length > 0) {
    const failed = results.filter(peer => peer.status !== 'attached' && peer.status !== 'already_attached').length
    progress.stop(failed === 0 ? 'done' : `${failed} failed`)
  }

  return compareAttached(platform, plan, results, ownerValue)
}
