/* eslint-disable camelcase -- the record is JSON in a config var, in the Platform API's snake_case */
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
 */
import {checkConfirmations, confirmAction, type Confirmer} from '../core/confirm.js'
import {NotFoundError, SecurekeyError} from '../core/errors.js'
import {describeFailure, type PlatformApi} from '../core/platform-api.js'
import {type Progress, silentProgress} from '../core/progress.js'
import {type PollSchedule, pollUntil} from '../core/wait.js'
import {appProblem, isSecurekey, ownerOf} from '../key/addons.js'
import {type KeyPrints, printsOf} from '../key/compare.js'
import {
  allHolders, formatRecord, type Holder, newKey, type OwnerRecord, peerRecord, recordVarOf, type Rotation,
} from '../key/record.js'
import {
  configOf, ownedSelfManagedKey, readHolders, type SelfManagedKey,
} from '../key/self-managed.js'
import {parseSecureKey} from '../runtime/key.js'
import {DynoReader, type Straggler, stragglers} from './barrier.js'

export type Phase = 'promote' | 'stage'

export interface RotateOptions {
  app: string
  confirmer: Confirmer
  dryRun: boolean
  /** Rotate only when LATEST is older than this (ms). */
  ifOlderThanMs?: number
  /** The key's config var, when the owner holds several. */
  keyVar?: string
  now?: () => Date
  /** Called with the plan once it is known, before anything is changed (the command prints it). */
  onPlan?: (plan: RotateOutcome) => void
  poll: PollSchedule
  progress?: Progress
  /** How long each barrier waits. */
  timeoutMs: number
}

export interface HolderStep {
  app: string
  /** stage / promote: a write (one release, its dynos restart); none: already there. */
  releases: number
  var: string
}

export type RotateStatus = 'not_due' | 'rotated' | 'stopped' | 'would_rotate'

export interface RotateOutcome {
  /** The LATEST the rotation started from (fingerprint). */
  current: string
  dryRun: boolean
  /** The new LATEST (fingerprint), once made. */
  new?: string
  owner: string
  /** Where the run started: a new rotation, or one found staged / promoted. */
  resumed?: 'promoted' | 'staged'
  status: RotateStatus
  steps: HolderStep[]
  stopped?: {message: string, phase: 'barrier' | 'promote' | 'stage' | 'start', stragglers: Straggler[]}
  var: string
  /** Why not due (with --if-older-than). */
  why?: string
}

/** Refusals for anything but a self-managed key this app owns, before any write. */
async function ownedKey(platform: PlatformApi, options: RotateOptions): Promise<SelfManagedKey> {
  const {app} = options
  const [config, addons] = await Promise.all([configOf(platform, app), platform.addonsOf(app).catch((error: unknown) => {
    throw appProblem(error, app)
  })])
  const owned = await ownedSelfManagedKey(platform, app, {command: 'securekey:rotate', config, keyVar: options.keyVar})
  if (owned) return owned
  const securekeys = addons.filter(addon => isSecurekey(addon))
  if (securekeys.length > 0) {
    const names = securekeys.map(addon => `${addon.name} (owned by ${ownerOf(addon)})`).join(', ')
    throw new SecurekeyError(`${app} holds an add-on key, ${names}: only its provider can change an add-on's config, so no customer command can rotate it. Watch its own rotation with heroku securekey:status -a ${app} --history (or --wait), or move to a self-managed key (README: "Moving to a self-managed key").`, {
      id: 'not_managed',
      suggestions: [`heroku securekey:status -a ${app} --history`, `heroku securekey:provision -a ${app} --self-managed --as NEW_NAME`],
    })
  }

  throw new NotFoundError(`${app} owns no self-managed key${options.keyVar ? ` in ${options.keyVar}` : ''}.`, {suggestions: [`heroku securekey:provision -a ${app} --self-managed`]})
}

const pairOf = (value: string | undefined): KeyPrints | undefined => printsOf(parseSecureKey(value))

function stopped(outcome: Omit<RotateOutcome, 'status'>, phase: NonNullable<RotateOutcome['stopped']>['phase'], message: string, laggards: Straggler[] = []): RotateOutcome {
  const again = `heroku securekey:rotate -a ${outcome.owner} --confirm ${outcome.owner}`
  return {
    ...outcome, status: 'stopped', stopped: {message: `${message} Nothing unsafe was left: run the same command again to continue (${again}).`, phase, stragglers: laggards},
  }
}

/** Which dynos did not get there, each with the command that moves it on. */
function stuck(left: Straggler[], what: string): string {
  const named = left.map(dyno => `${dyno.app} ${dyno.dyno} (release v${dyno.release}; ${dyno.command})`)
  return `${left.length} dyno${left.length === 1 ? '' : 's'} did not ${what} within the timeout: ${named.join(', ')}.`
}

/** "A,B" → "B,A": the promote of a staged value. */
const swapped = (value: string): string => value.split(',').map(part => part.trim()).reverse().join(',')

/**
 * Writes `value` to the owner (with its record, when given) and then to every other holder whose value differs,
 * through the pool. Returns the failures, each naming its app; the owner's failure stops before any peer.
 */
async function writeHolders(platform: PlatformApi, holders: readonly Holder[], value: string, current: ReadonlyMap<string, string | undefined>, ownerRecord?: OwnerRecord, phase?: Rotation['phase']): Promise<string[]> {
  const [owner, ...peers] = holders
  if (ownerRecord || current.get(owner.app) !== value) {
    try {
      await platform.setConfigVars(owner.app, {[owner.var]: value, ...(ownerRecord ? {[recordVarOf(owner.var)]: formatRecord(ownerRecord)} : {})})
    } catch (error) {
      return [`${owner.app} (${describeFailure(error)})`]
    }
  }

  const failures: string[] = []
  await platform.each(peers.filter(peer => current.get(peer.app) !== value), async peer => {
    try {
      const pointer = formatRecord({...peerRecord(owner.app, owner.var), ...(phase ? {rotation: {phase}} : {})})
      await platform.setConfigVars(peer.app, {[peer.var]: value, [recordVarOf(peer.var)]: pointer})
    } catch (error) {
      failures.push(`${peer.app} (${describeFailure(error)})`)
    }
  })
  return failures
}

/** Releases the rotation makes on each holder from where it stands (pure): stage and promote where needed, and the owner's closing record. */
export function plannedSteps(holders: readonly Holder[], current: ReadonlyMap<string, string | undefined>, start: {promoted?: string; staged?: string,}): HolderStep[] {
  return holders.map((holder, index) => {
    const value = current.get(holder.app)
    let releases: number
    if (start.promoted !== undefined) releases = value === start.promoted ? 0 : 1
    else if (start.staged === undefined) releases = 2
    else releases = value === start.staged ? 1 : 2
    const owner = index === 0
    if (owner && start.promoted !== undefined) releases = 1
    else if (owner) releases = (start.staged === undefined ? 2 : 1) + 1
    return {app: holder.app, releases, var: holder.var}
  })
}

/** The staged rotation (see the file comment). */
export async function rotate(platform: PlatformApi, options: RotateOptions): Promise<RotateOutcome> {
  const progress = options.progress ?? silentProgress
  const now = options.now ?? (() => new Date())
  const key = await ownedKey(platform, options)
  const {record} = key
  const holders = allHolders(record)
  const read = await readHolders(platform, key)
  const unreadable = [...read].filter(([, result]) => result.error)
  if (unreadable.length > 0) {
    throw new SecurekeyError(`Could not read every holder of ${record.var}, so nothing was changed: ${unreadable.map(([app, result]) => `${app} (${describeFailure(result.error)})`).join(', ')}. Run the same command again.`, {suggestions: [`heroku securekey:status -a ${record.owner}`]})
  }

  const current = new Map(holders.map(holder => [holder.app, read.get(holder.app)?.config?.[holder.var]]))
  const ownerValue = current.get(record.owner)
  const ownerPair = pairOf(ownerValue)
  if (!ownerPair || !ownerValue) throw new SecurekeyError(`${record.var} on ${record.owner} (the owner) is not a usable key; nothing was changed.`, {suggestions: [`heroku securekey:status -a ${record.owner}`]})

  // Where the rotation stands, from the record and the owner's value (written first in every phase).
  const rotation = record.rotation && record.rotation.phase !== 'complete' ? record.rotation : undefined
  let resumed: RotateOutcome['resumed']
  if (rotation?.phase === 'staged' && ownerPair.previous === rotation.new) resumed = 'staged'
  else if (rotation?.phase === 'promoted' && ownerPair.latest === rotation.new) resumed = 'promoted'
  const base = {
    current: resumed === 'promoted' ? ownerPair.previous : ownerPair.latest, dryRun: options.dryRun, owner: record.owner, resumed, var: record.var,
  }

  if (!resumed) {
    const disagree = holders.filter(holder => {
      const pair = pairOf(current.get(holder.app))
      return !pair || pair.latest !== ownerPair.latest || pair.previous !== ownerPair.previous
    })
    if (disagree.length > 0) {
      throw new SecurekeyError(`Not every holder of ${record.var} has ${record.owner}'s key (${disagree.map(holder => holder.app).join(', ')}), so a rotation would cut them off; nothing was changed.`, {
        suggestions: [`heroku securekey:status -a ${record.owner}`],
      })
    }

    if (options.ifOlderThanMs !== undefined) {
      const age = now().getTime() - Date.parse(record.changed_at)
      if (Number.isFinite(age) && age < options.ifOlderThanMs) {
        return {
          ...base, status: 'not_due', steps: [], why: `LATEST ${ownerPair.latest} dates from ${record.changed_at}, newer than asked`,
        }
      }
    }
  }

  const steps = plannedSteps(holders, current, {promoted: resumed === 'promoted' ? ownerValue : undefined, staged: resumed === 'staged' ? ownerValue : undefined})
  const outcome = {...base, new: resumed ? rotation!.new : undefined, steps}
  options.onPlan?.({...outcome, status: 'would_rotate'})
  if (options.dryRun) return {...outcome, status: 'would_rotate'}

  checkConfirmations(options.confirmer.confirmed, [record.owner], {of: record.var})
  await confirmAction({
    app: record.owner,
    rerun: `heroku securekey:rotate -a ${record.owner} --confirm ${record.owner}`,
    warning: `This rotates ${record.var} on ${holders.length} app${holders.length === 1 ? '' : 's'} (${holders.map(holder => holder.app).join(', ')}): each gets a release and its dynos restart in each phase.`,
  }, options.confirmer)

  const reader = new DynoReader(platform, holders)
  const barrier = async (label: string, ready: (keys: KeyPrints | undefined) => boolean): Promise<Straggler[]> => {
    progress.start(label)
    const {done, value} = await pollUntil(async () => stragglers(await reader.read(), ready), {
      done: left => left.length === 0,
      onPoll: (left, next) => next !== undefined && progress.update(`${left.length} dyno${left.length === 1 ? '' : 's'} to go: ${left.slice(0, 3).map(dyno => `${dyno.app} ${dyno.dyno}`).join(', ')}${left.length > 3 ? ', …' : ''}`),
      rateLimitRemaining: () => platform.rateLimitRemaining,
      requestsPerPoll: () => holders.length * 2,
      schedule: options.poll,
      timeoutMs: options.timeoutMs,
    })
    progress.stop(done ? 'done' : `${value.length} dyno${value.length === 1 ? '' : 's'} did not get there`)
    return done ? [] : value
  }

  const startedAt = rotation?.started_at ?? now().toISOString()
  let newLatest = outcome.new
  let step: NonNullable<RotateOutcome['stopped']>['phase'] = 'start'
  try {
    let promotedValue = resumed === 'promoted' ? ownerValue : undefined
    if (promotedValue) {
      step = 'promote'
      const left = holders.filter(holder => current.get(holder.app) !== promotedValue).length
      if (left > 0) {
        progress.start(`Promoting the new key on the ${left} app${left === 1 ? '' : 's'} still staged`)
        const failed = await writeHolders(platform, holders, promotedValue, current, undefined, 'promoted')
        progress.stop(failed.length > 0 ? `${failed.length} failed` : 'done')
        if (failed.length > 0) return stopped(outcome, 'promote', `Promoting stopped: writing ${record.var} failed on ${failed.join(', ')}.`)
      }
    } else {
      if (!resumed) {
        const before = await barrier(`Checking that every dyno signs with ${record.var}'s current key`, keys => keys?.latest === ownerPair.latest)
        if (before.length > 0) return stopped(outcome, 'start', `The rotation did not start: ${stuck(before, 'sign with the current key')}`, before)
      }

      step = 'stage'
      const staged = resumed === 'staged' ? ownerValue : `${ownerValue.split(',')[0].trim()},${newKey()}`
      newLatest = pairOf(staged)!.previous
      progress.start(`Staging the new key on ${holders.length} app${holders.length === 1 ? '' : 's'} (each accepts it, still signing with the current one)`)
      const stagedRecord: OwnerRecord = {...record, rotation: {new: newLatest, phase: 'staged', started_at: startedAt}}
      const failed = await writeHolders(platform, holders, staged, current, resumed === 'staged' ? undefined : stagedRecord, 'staged')
      progress.stop(failed.length > 0 ? `${failed.length} failed` : 'done')
      if (failed.length > 0) return stopped({...outcome, new: newLatest}, 'stage', `Staging stopped: writing ${record.var} failed on ${failed.join(', ')}.`)
      for (const holder of holders) current.set(holder.app, staged)

      step = 'barrier'
      const accepting = await barrier('Waiting until every dyno accepts the new key', keys => keys?.latest === newLatest || keys?.previous === newLatest)
      if (accepting.length > 0) return stopped({...outcome, new: newLatest}, 'barrier', `The rotation is staged and was not promoted: ${stuck(accepting, 'accept the new key')}`, accepting)

      step = 'promote'
      promotedValue = swapped(staged)
      progress.start(`Promoting the new key on ${holders.length} app${holders.length === 1 ? '' : 's'} (each signs with it, still accepting the old one)`)
      const promotedRecord: OwnerRecord = {...record, changed_at: now().toISOString(), rotation: {new: newLatest, phase: 'promoted', started_at: startedAt}}
      const promoteFailed = await writeHolders(platform, holders, promotedValue, current, promotedRecord, 'promoted')
      progress.stop(promoteFailed.length > 0 ? `${promoteFailed.length} failed` : 'done')
      if (promoteFailed.length > 0) return stopped({...outcome, new: newLatest}, 'promote', `Promoting stopped: writing ${record.var} failed on ${promoteFailed.join(', ')}.`)
    }

    step = 'barrier'
    const signing = await barrier('Waiting until every dyno signs with the new key', keys => keys?.latest === newLatest)
    if (signing.length > 0) return stopped({...outcome, new: newLatest}, 'barrier', `The new key is promoted everywhere; ${stuck(signing, 'sign with it')}`, signing)
    step = 'promote'
    const changedAt = resumed === 'promoted' ? record.changed_at : now().toISOString()
    await platform.setConfigVars(record.owner, {[recordVarOf(record.var)]: formatRecord({...record, changed_at: changedAt, rotation: {new: newLatest!, phase: 'complete', started_at: startedAt}})})
  } catch (error) {
    if (error instanceof SecurekeyError) throw error
    return stopped({...outcome, new: newLatest}, step, `The rotation stopped (${step}): ${describeFailure(error)}.`)
  }

  return {...outcome, new: newLatest, status: 'rotated'}
}

