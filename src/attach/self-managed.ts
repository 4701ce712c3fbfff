import {confirmAction, type Confirmer} from '../core/confirm.js'
import {ConfirmationRequiredError, SecurekeyError} from '../core/errors.js'
import {defaultAttachmentName, keyVarFor} from '../core/names.js'
import {describeFailure, type PlatformApi} from '../core/platform-api.js'
import {type Progress, silentProgress} from '../core/progress.js'
import {keyProblem} from '../key/compare.js'
import {type ConfigCache, type SelfManagedKey} from '../key/model.js'
import {rotationInProgress, updateRecord} from '../key/record-write.js'
import {formatRecord, peerRecord, recordVarFor} from '../key/record.js'
import {rotationUnderWay} from '../key/rotation-state.js'
import {readConfig} from '../key/self-managed.js'
import {parseSecureKey} from '../runtime/key.js'
/**
 * attach on a self-managed key: the owner's value is copied to NAME_KEY on each peer, with a pointer record back to the
 * owner, in one release per peer; then the owner's record lists the new holders (one release on the owner). A var that
 * already exists on a peer and is not this key needs a confirmation, exactly like a taken attachment name. The record
 * is changed through record-write.ts, so two attaches at once both end listed, and no peer joins a rotation midway.
 */
import {
  type AttachOutcome, type AttachPlan, compareAttached, type PeerOutcome, refuseOwnerAsPeer,
} from './attach.js'

export async function attachSelfManaged(platform: PlatformApi, target: {configs: ConfigCache, key: SelfManagedKey}, options: {
  as?: string, confirmer: Confirmer, dryRun: boolean, onPlan?: (plan: AttachPlan) => void, peers: string[], progress?: Progress,
}): Promise<AttachOutcome> {
  const {key} = target
  const {record} = key
  refuseOwnerAsPeer(options.peers, key)
  const name = options.as ?? defaultAttachmentName(record.owner)
  const configVar = keyVarFor(name)
  // A peer joining while a rotation runs would keep the old pair while the others move on: refused (record-write.ts).
  if (rotationUnderWay(record)) throw rotationInProgress(record, `attaching ${options.peers.join(', ')}`)
  const ownerValue = (await readConfig(platform, record.owner, target.configs))[record.var]
  const ownerKey = parseSecureKey(ownerValue)
  if (!ownerKey.ok) {
    throw new SecurekeyError(`${keyProblem(record.var, record.owner, ownerKey.reason)}, so there is no key to share; nothing was changed. Check it with heroku securekey:status ${record.var} -a ${record.owner}.`, {
      suggestions: [`heroku securekey:status ${record.var} -a ${record.owner}`],
    })
  }

  const configs = await platform.each(options.peers, app => readConfig(platform, app, target.configs))
  const peerConfig = new Map(options.peers.map((app, index) => [app, configs[index]]))
  const attached = (app: string) => record.holders.some(holder => holder.app === app && holder.var === configVar) && peerConfig.get(app)?.[configVar] === ownerValue
  const plan: AttachPlan = {
    configVar,
    key,
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
      await platform.setConfigVars(step.app, {[configVar]: ownerValue!, [recordVarFor(configVar)]: formatRecord(peerRecord(record.owner, record.var))})
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
    const lists = (holders: ReadonlyArray<{app: string, var: string}>) => added.every(peer => holders.some(holder => holder.app === peer.app && holder.var === configVar))
    try {
      await updateRecord(platform, record.owner, record.var, current => ({
        ...current, holders: [...current.holders.filter(holder => !added.some(peer => peer.app === holder.app)), ...added.map(peer => ({app: peer.app, var: configVar}))],
      }), {holds: current => lists(current.holders), keyValue: ownerValue, what: `attaching ${added.map(peer => peer.app).join(', ')}`})
    } catch (error) {
      // A peer the record does not list would keep the old pair through the next rotation: each goes back as it was.
      const restored = await platform.each(added, peer => platform.setConfigVars(peer.app, {
        [configVar]: peerConfig.get(peer.app)?.[configVar] ?? null, [recordVarFor(configVar)]: peerConfig.get(peer.app)?.[recordVarFor(configVar)] ?? null,
      }).then(() => true, () => false))
      const stuck = added.filter((_, index) => !restored[index]).map(peer => peer.app)
      if (error instanceof SecurekeyError && error.id === 'rotation_in_progress' && stuck.length === 0) throw error
      for (const [index, peer] of added.entries()) {
        const left = restored[index] ? `so ${configVar} was put back as it was on ${peer.app}` : `and putting ${configVar} back on ${peer.app} failed too: it holds a key its owner does not list, so check it with heroku securekey:status -a ${peer.app}`
        Object.assign(peer, {message: `the owner's record could not list it (${describeFailure(error)}), ${left}; run the same command again`, status: 'failed'})
      }
    }
  }

  if (toAttach.length > 0) {
    const failed = results.filter(peer => peer.status !== 'attached' && peer.status !== 'already_attached').length
    progress.stop(failed === 0 ? 'done' : `${failed} failed`)
  }

  return compareAttached(platform, plan, results, ownerValue)
}
