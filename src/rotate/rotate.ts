
/**
 * securekey:rotate: a staged rotation of a self-managed key, so that no request between holders is refused while
 * their dynos restart one by one (the two-step rotation Kubernetes, OpenShift and Tink document for a shared key).
 *
 *   settled "CUR,OLD" → stage: every holder gets "CUR,NEW" (accepts NEW, still signs with CUR)
 *                     → barrier: every dyno of every holder runs a release holding NEW
 *                     → promote: every holder gets "NEW,CUR" (signs with NEW, still accepts CUR)
 *                     → barrier: every dyno signs with NEW → the owner's record says complete
 * At no moment does a running dyno sign with a key another holder's running dynos refuse.
 *
 * The owner is written first in each phase, with its record (record.ts) saying where the rotation stands and NEW's
 * fingerprint, then the peers through the pool. Every run re-derives where it stands from the record and the values,
 * so a failure or Ctrl-C anywhere leaves a state the same command continues: it never makes a second NEW over a staged
 * one, and never promotes before every dyno accepts NEW. A new rotation starts only from a settled key (every holder
 * has the owner's pair) once every dyno signs with it. Only the owner's pair is ever copied; no value is printed.
 *
 * Where the key stands and which steps are left come from key/rotation-state.ts (pure); `rotate` resolves, plans and
 * confirms, then run.ts runs those steps in order, stopping at the first that does not complete.
 */
import {randomBytes} from 'node:crypto'

import {checkConfirmations, confirmAction} from '../core/confirm.js'
import {NotFoundError, SecurekeyError} from '../core/errors.js'
import {describeFailure, type PlatformApi} from '../core/platform-api.js'
import {silentProgress} from '../core/progress.js'
import {type KeyPrints} from '../key/compare.js'
import {
  type ConfigCache, type Holder, holdersOf, type SelfManagedKey,
} from '../key/model.js'
import {findKeys, pickOwned} from '../key/resolve.js'
import {
  heldByAnother, releasesFrom, remainingSteps, rotationState, type RotationState, type Standing, unprovenStage,
} from '../key/rotation-state.js'
import {readConfig} from '../key/self-managed.js'
import {goneAmong, goneHoldersError, unprovenStageError} from './holder-failures.js'
import {
  type HolderStep, type RotateOptions, type RotateOutcome,
} from './outcome.js'
import {heldBy, pairOf, RotationRun} from './run.js'

export type {
  HolderStep, RotateOptions, RotateOutcome, RotateStatus, StopPhase,
} from './outcome.js'

/** The one self-managed key this app owns; an add-on key is refused (only its provider can rotate it), before any write. */
async function keyToRotate(platform: PlatformApi, options: RotateOptions): Promise<{configs: ConfigCache, key: SelfManagedKey}> {
  const {app} = options
  const {configs, keys} = await findKeys(platform, {app, key: options.keyVar, purpose: 'securekey:rotate rotates self-managed keys'})
  const key = pickOwned(keys, app, 'securekey:rotate', candidate => candidate.kind === 'self-managed')
  if (!key) throw new NotFoundError(`${app} owns no self-managed key${options.keyVar ? ` named ${options.keyVar}` : ''}.`, {suggestions: [`heroku securekey:provision -a ${app} --self-managed`]})
  if (key.kind === 'addon') {
    throw new SecurekeyError(`${key.name} on ${app} is an add-on key: only its provider can change an add-on's config, so no customer command can rotate it. Watch its own rotation with heroku securekey:status ${key.name} --history (or --wait), or move to a self-managed key (docs/rotation.md: "Moving from the add-on to a self-managed key").`, {
      id: 'not_managed',
      suggestions: [`heroku securekey:status ${key.name} --history`, `heroku securekey:provision -a ${app} --self-managed --as <NEW_NAME>`],
    })
  }

  return {configs, key}
}

/** Releases the rotation makes on each holder from where it stands (pure). */
export function plannedSteps(holders: readonly Holder[], current: ReadonlyMap<string, string | undefined>, standing: Standing): HolderStep[] {
  const ownerValue = current.get(holders[0].app)
  const target = {promoted: standing === 'promoted' ? ownerValue : undefined, staged: standing === 'staged' ? ownerValue : undefined}
  const releases = releasesFrom(standing, holders.map((holder, index) => ({owner: index === 0, value: current.get(holder.app)})), target)
  return holders.map((holder, index) => ({app: holder.app, releases: releases[index], var: holder.configVar}))
}

/** Every holder's value, from configs read once; an unreadable holder stops the rotation before any write. */
async function readValues(platform: PlatformApi, key: SelfManagedKey, holders: readonly Holder[], configs: ConfigCache): Promise<Map<string, string | undefined>> {
  const apps = [...new Set(holders.map(holder => holder.app))]
  const read = await platform.each(apps, app => readConfig(platform, app, configs).then(config => ({config}), (error: unknown) => ({error})))
  const failed = apps.flatMap((app, index) => ('error' in read[index] ? [{app, error: read[index].error}] : []))
  const gone = goneAmong(failed)
  const unreadable = failed.filter(({app}) => !gone.some(holder => holder.app === app)).map(({app, error}) => `${app} (${describeFailure(error)})`)
  if (gone.length > 0) throw goneHoldersError(key, gone, unreadable, `A holder of ${key.owner}'s ${key.configVar} cannot be read, so the rotation cannot go on and nothing was changed:`)
  if (unreadable.length > 0) {
    throw new SecurekeyError(`Could not read every holder of ${key.configVar}, so nothing was changed: ${unreadable.join(', ')}. Run the same command again.`, {suggestions: [`heroku securekey:status ${key.configVar} -a ${key.owner}`]})
  }

  return new Map(holders.map(holder => [holder.app, configs.get(holder.app)?.[holder.configVar]]))
}

/** Refusals before a new rotation: every holder must have the owner's pair (and, with --if-older-than, be due). */
function checkSettled(key: SelfManagedKey, holders: readonly Holder[], current: ReadonlyMap<string, string | undefined>, ownerPair: KeyPrints): void {
  const disagree = holders.filter(holder => {
    const pair = pairOf(current.get(holder.app))
    return !pair || pair.latest !== ownerPair.latest || pair.previous !== ownerPair.previous
  })
  if (disagree.length > 0) {
    throw new SecurekeyError(`Not every holder of ${key.configVar} has ${key.owner}'s key (${disagree.map(holder => holder.app).join(', ')}), so a rotation would cut them off; nothing was changed.`, {
      suggestions: [`heroku securekey:status ${key.configVar} -a ${key.owner}`],
    })
  }
}

/** The staged rotation (see the file comment): resolve, plan, confirm, then each remaining step in order. */
export async function rotate(platform: PlatformApi, options: RotateOptions): Promise<RotateOutcome> {
  const progress = options.progress ?? silentProgress
  const now = options.now ?? (() => new Date())
  const {configs, key} = await keyToRotate(platform, options)
  const {record} = key
  const holders = await holdersOf(platform, key)
  const current = await readValues(platform, key, holders, configs)
  const ownerValue = current.get(key.owner)
  const ownerPair = pairOf(ownerValue)
  if (!ownerPair || !ownerValue) throw new SecurekeyError(`${key.configVar} on ${key.owner} (the owner) is not a usable key; nothing was changed.`, {suggestions: [`heroku securekey:status ${key.configVar} -a ${key.owner}`]})

  if (unprovenStage(record, ownerPair)) throw unprovenStageError(key, ownerPair)
  const state: RotationState = rotationState(record, ownerPair)
  const run = randomBytes(4).toString('hex')
  const other = heldByAnother(record, run, now())
  if (other) throw heldBy(key, other)
  const resumed = state.standing === 'staged' || state.standing === 'promoted' ? state.standing : undefined
  const base = {
    current: state.current, dryRun: options.dryRun, key, new: state.new, owner: key.owner, remaining: remainingSteps(state.standing), resumed, var: key.configVar,
  }
  if (!resumed) {
    checkSettled(key, holders, current, ownerPair)
    const age = now().getTime() - Date.parse(record.changed_at)
    // A changed_at that is not a time never counts as old: better one rotation late than one a minute.
    if (options.ifOlderThanMs !== undefined && !(Number.isFinite(age) && age >= options.ifOlderThanMs)) {
      const why = Number.isFinite(age) ? `LATEST ${ownerPair.latest} dates from ${record.changed_at}, newer than asked` : `the record's changed_at (${JSON.stringify(record.changed_at).slice(0, 40)}) is not a time`
      return {
        ...base, status: 'not_due', steps: [], why,
      }
    }
  }

  const outcome = {...base, steps: plannedSteps(holders, current, state.standing)}
  options.onPlan?.({...outcome, status: 'would_rotate'})
  if (options.dryRun) return {...outcome, status: 'would_rotate'}

  checkConfirmations(options.confirmer.confirmed, [key.owner], {of: key.configVar})
  await confirmAction({
    app: key.owner,
    rerun: `heroku securekey:rotate ${key.configVar} -a ${key.owner} --confirm ${key.owner}`,
    warning: `This rotates ${key.configVar} on ${holders.length} app${holders.length === 1 ? '' : 's'} (${holders.map(holder => holder.app).join(', ')}): each gets a release and its dynos restart in each phase.`,
  }, options.confirmer)

  return new RotationRun({
    current, holders, key, now, options, ownerValue, platform, progress, run, state,
  }).complete({...outcome, status: 'rotated'})
}

