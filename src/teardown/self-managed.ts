/**
 * teardown on a self-managed key: remove the key var and its pointer from every peer first (one release each, through
 * the pool; a peer already without them is skipped), read the owner's record again and remove any holder that joined
 * meanwhile, then remove the key and its record from the owner last. Any failure stops before the owner, which keeps
 * the record listing every holder: the same command, run again, finishes. Plan, preview, confirmation, output and
 * --json are teardown's own (teardown.ts), with the key named by its config var.
 */
import type {
  DetachOutcome, PlannedDetach, TeardownPlan, TeardownResult,
} from './teardown.js'

import {attachmentNameOf} from '../core/names.js'
import {
  type ConfigVars, isNotFound, type PlatformApi, PlatformError,
} from '../core/platform-api.js'
import {type Progress, silentProgress} from '../core/progress.js'
import {type SelfManagedKey} from '../key/model.js'
import {
  isOwnerRecord, parseRecord, type RecordEntry, recordVarFor,
} from '../key/record.js'
import {readConfig} from '../key/self-managed.js'
import {stopTeardown} from './teardown.js'

const detachOf = (holder: RecordEntry): PlannedDetach => ({
  app: holder.app, attachment: {id: null, name: attachmentNameOf(holder.var) ?? holder.var}, configVar: holder.var,
})

/** The plan (pure): every peer's var, then the owner's. */
export function planSelfManagedTeardown(key: SelfManagedKey): TeardownPlan {
  const {record} = key
  const peers = record.holders.map(holder => detachOf(holder)).sort((a, b) => a.app.localeCompare(b.app))
  return {
    destroy: {addon: record.var, app: record.owner, configVars: [record.var]},
    key,
    owner: record.owner,
    ownerAttachments: [detachOf({app: record.owner, var: record.var})],
    peers,
  }
}

const errorOf = (error: unknown) => {
  const failure = error instanceof PlatformError ? error : new PlatformError(0, 'error', (error as Error).message)
  return {id: failure.id, message: failure.message, status: failure.status}
}

/** Removes `detach`'s var and pointer from its app, unless they are gone already (then: done). */
async function removeFrom(platform: PlatformApi, detach: PlannedDetach, late: boolean): Promise<DetachOutcome> {
  try {
    const config: ConfigVars = await platform.configVars(detach.app)
    const record = recordVarFor(detach.configVar)
    if (detach.configVar in config || record in config) await platform.setConfigVars(detach.app, {[detach.configVar]: null, [record]: null})
    return {...detach, late}
  } catch (error) {
    if (isNotFound(error)) return {...detach, late}
    return {...detach, error: errorOf(error), late}
  }
}

export async function executeSelfManagedTeardown(platform: PlatformApi, plan: TeardownPlan, options: {progress?: Progress} = {}): Promise<TeardownResult> {
  const progress = options.progress ?? silentProgress
  const result: TeardownResult = {complete: false, detached: [], failed: []}
  let pending = plan.peers
  for (let round = 1; pending.length > 0 && round <= 2; round++) {
    progress.start(`Removing ${plan.key.name} from ${pending.length} app${pending.length === 1 ? '' : 's'}${round > 1 ? ' that joined meanwhile' : ''}`)
    // eslint-disable-next-line no-await-in-loop
    const outcomes = await platform.each(pending, detach => removeFrom(platform, detach, round > 1))
    const failed = outcomes.filter(outcome => outcome.error)
    progress.stop(failed.length > 0 ? `${failed.length} of ${outcomes.length} failed` : 'done')
    result.detached.push(...outcomes.filter(outcome => !outcome.error))
    result.failed.push(...failed)
    if (failed.length > 0) return stopTeardown(plan, result, 'detach_failed')
    try {
      // eslint-disable-next-line no-await-in-loop
      const owner = await readConfig(platform, plan.owner)
      const record = parseRecord(owner[recordVarFor(plan.key.name)], {app: plan.owner, recordVar: recordVarFor(plan.key.name)})
      const done = new Set(result.detached.map(detach => `${detach.app}\n${detach.configVar}`))
      pending = record && isOwnerRecord(record) ? record.holders.map(holder => detachOf(holder)).filter(detach => !done.has(`${detach.app}\n${detach.configVar}`)) : []
    } catch (error) {
      return stopTeardown(plan, result, 'listing_failed', errorOf(error).message)
    }
  }

  if (pending.length > 0) return stopTeardown(plan, result, 'still_attaching', pending.map(detach => detach.app).join(', '))
  progress.start(`Removing ${plan.key.name} from ${plan.owner}, its owner`)
  try {
    await platform.setConfigVars(plan.owner, {[plan.key.name]: null, [recordVarFor(plan.key.name)]: null})
  } catch (error) {
    progress.stop('failed')
    return stopTeardown(plan, result, 'destroy_failed', errorOf(error).message)
  }

  progress.stop('done')
  return {...result, complete: true, destroyed: {state: 'deprovisioned'}}
}
