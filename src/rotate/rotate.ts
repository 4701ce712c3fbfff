
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
 * Where the key stands and which steps are left come from key/rotation-state.ts (pure); `rotate` runs those steps in
 * order, stopping at the first that does not complete.
 */
import {randomBytes} from 'node:crypto'

import {checkConfirmations, confirmAction, type Confirmer} from '../core/confirm.js'
import {ChangedMeanwhileError, NotFoundError, SecurekeyError} from '../core/errors.js'
import {describeFailure, type PlatformApi} from '../core/platform-api.js'
import {type Progress, silentProgress} from '../core/progress.js'
import {type PollSchedule} from '../core/wait.js'
import {type KeyPrints, printsOf} from '../key/compare.js'
import {DEFAULT_PREBOOT_WAIT_MS} from '../key/dynos.js'
import {type GoneHolder, goneHolderAdvice, goneHolderSuggestions} from '../key/gone-holder.js'
import {
  type ConfigCache, type Holder, holdersOf, type SelfManagedKey,
} from '../key/model.js'
import {
  currentRecord, ownerRecordIn, readOwner, writeChecked,
} from '../key/record-write.js'
import {
  formatRecord, newKey, type OwnerRecord, peerRecord, recordVarOf, type Rotation,
} from '../key/record.js'
import {findKeys, pickOwned} from '../key/resolve.js'
import {
  BARRIERS, heldByAnother, passes, recordAt, releasesFrom, remainingSteps, rotationState, type RotationState, type RotationStep, type Standing, swapped, unprovenStage,
} from '../key/rotation-state.js'
import {readConfig} from '../key/self-managed.js'
import {parseSecureKey} from '../runtime/key.js'
import {DynoReader, type Runner, type Straggler} from './barrier.js'
import {
  describeFailures, goneAmong, goneHoldersError, type HolderFailure, probeHolders, unprovenStageError,
} from './holder-failures.js'

export interface RotateOptions {
  app: string
  confirmer: Confirmer
  dryRun: boolean
  /** Rotate only when LATEST is older than this (ms). */
  ifOlderThanMs?: number
  /** The KEY argument, when the owner holds several keys. */
  keyVar?: string
  now?: () => Date
  /** Called with the plan once it is known, before anything is changed (the command prints it). */
  onPlan?: (plan: RotateOutcome) => void
  poll: PollSchedule
  /** How long a preboot app's old web dynos may serve after a release (barrier.ts). */
  prebootWaitMs?: number
  progress?: Progress
  /** The dyno this run is in, when it is (`DYNO`): the barrier never waits for it. */
  runner?: Runner
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

export type StopPhase = 'barrier' | 'promote' | 'stage' | 'start'

export interface RotateOutcome {
  /** The LATEST the rotation started from (fingerprint). */
  current: string
  dryRun: boolean
  key: SelfManagedKey
  /** The new LATEST (fingerprint), once made. */
  new?: string
  owner: string
  /** The steps left when the run started (key/rotation-state.ts). */
  remaining: RotationStep[]
  /** Where the run started: a new rotation, or one found staged / promoted. */
  resumed?: 'promoted' | 'staged'
  status: RotateStatus
  steps: HolderStep[]
  stopped?: {
    /** Holders deleted or out of reach (key/gone-holder.ts): a re-run cannot pass them until they are dealt with. */
    gone?: GoneHolder[]
    message: string
    phase: StopPhase
    stragglers: Straggler[]
    /** The commands to run next, the re-run last. */
    suggestions: string[]
  }
  var: string
  /** Why not due (with --if-older-than). */
  why?: string
}

/** The one self-managed key this app owns; an add-on key is refused (only its provider can rotate it), before any write. */
async function keyToRotate(platform: PlatformApi, options: RotateOptions): Promise<{configs: ConfigCache, key: SelfManagedKey}> {
  const {app} = options
  const {configs, keys} = await findKeys(platform, {app, key: options.keyVar, purpose: 'securekey:rotate rotates self-managed keys'})
  const key = pickOwned(keys, app, 'securekey:rotate')
  if (!key) throw new NotFoundError(`${app} owns no self-managed key${options.keyVar ? ` named ${options.keyVar}` : ''}.`, {suggestions: [`heroku securekey:provision -a ${app} --self-managed`]})
  if (key.kind === 'addon') {
    throw new SecurekeyError(`${key.name} on ${app} is an add-on key: only its provider can change an add-on's config, so no customer command can rotate it. Watch its own rotation with heroku securekey:status ${key.name} --history (or --wait), or move to a self-managed key (docs/rotation.md: "Moving from the add-on to a self-managed key").`, {
      id: 'not_managed',
      suggestions: [`heroku securekey:status ${key.name} --history`, `heroku securekey:provision -a ${app} --self-managed --as <NEW_NAME>`],
    })
  }

  return {configs, key}
}

const pairOf = (value: string | undefined): KeyPrints | undefined => printsOf(parseSecureKey(value))

/** What else a stop carries: the dynos behind, holders gone, and commands to run before the re-run. */
interface StopDetails {
  first?: string[]
  gone?: GoneHolder[]
  left?: Straggler[]
}

function stopped(outcome: Omit<RotateOutcome, 'status'>, phase: StopPhase, message: string, {first = [], gone = [], left = []}: StopDetails = {}): RotateOutcome {
  const again = `heroku securekey:rotate ${outcome.var} -a ${outcome.owner} --confirm ${outcome.owner}`
  const next = gone.length > 0
    ? ` ${gone.map(holder => goneHolderAdvice(holder, outcome.key)).join('; ')}. Nothing unsafe was left: then run the same command again to continue (${again}).`
    : ` Nothing unsafe was left: run the same command again to continue (${again}).`
  const moves = left.flatMap(dyno => dyno.command ?? [])
  return {
    ...outcome,
    status: 'stopped',
    stopped: {
      ...(gone.length > 0 ? {gone} : {}),
      message: `${message}${next}`,
      phase,
      stragglers: left,
      suggestions: [...new Set([again, ...first, ...goneHolderSuggestions(gone, outcome.key), ...moves])],
    },
  }
}

/** Which dynos did not get there, each with why and the command that moves it on. */
function behind(left: Straggler[], what: string): string {
  const named = left.map(dyno => `${dyno.app} ${dyno.dyno} (${dyno.reason}${dyno.command ? `; ${dyno.command}` : ''})`)
  return `${left.length} dyno${left.length === 1 ? '' : 's'} did not ${what} within the timeout: ${named.join(', ')}.`
}

/**
 * Writes `value` to the owner (with its record, when given) and then to every other holder whose value differs,
 * through the pool. Returns the failures, each naming its app; the owner's failure stops before any peer.
 */
async function writeHolders(platform: PlatformApi, holders: readonly Holder[], value: string, current: Map<string, string | undefined>, ownerRecord?: OwnerRecord, phase?: Rotation['phase'], writeOwner = (changes: Record<string, string>) => platform.setConfigVars(holders[0].app, changes)): Promise<HolderFailure[]> {
  const [owner, ...peers] = holders
  if (ownerRecord || current.get(owner.app) !== value) {
    try {
      await writeOwner({[owner.configVar]: value, ...(ownerRecord ? {[recordVarOf(owner.configVar)]: formatRecord(ownerRecord)} : {})})
      current.set(owner.app, value)
    } catch (error) {
      if (error instanceof SecurekeyError) throw error
      return [{app: owner.app, error}]
    }
  }

  const failures: HolderFailure[] = []
  await platform.each(peers.filter(peer => current.get(peer.app) !== value), async peer => {
    try {
      const pointer = formatRecord({...peerRecord(owner.app, owner.configVar), ...(phase ? {rotation: {phase}} : {})})
      await platform.setConfigVars(peer.app, {[peer.configVar]: value, [recordVarOf(peer.configVar)]: pointer})
      current.set(peer.app, value)
    } catch (error) {
      failures.push({app: peer.app, error})
    }
  })
  return failures
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

/**
 * How long past a write's --timeout its lease holds: time for the barrier's last poll and the next write. Another run
 * that finds the lease held stops at once rather than waiting for it: the holder may wait out barriers of its own
 * --timeout (minutes to hours), and a second run waiting meanwhile would poll the platform for nothing; a Scheduler
 * job simply runs again later, and a person is told until when.
 */
const LEASE_MARGIN_MS = 60_000

/** The refusal of a run that finds another run's rotation under way and its lease held. */
function heldBy(key: SelfManagedKey, rotation: Rotation): SecurekeyError {
  const again = `heroku securekey:rotate ${key.configVar} -a ${key.owner} --confirm ${key.owner}`
  return new SecurekeyError(`A rotation of ${key.configVar} on ${key.owner} by another run (run ${rotation.run}, started ${rotation.started_at}, ${rotation.phase}) is under way and holds it until ${rotation.until}; nothing was changed. Let it finish, or run this again after ${rotation.until}: ${again}`, {
    id: 'rotation_in_progress', suggestions: [`heroku securekey:status ${key.configVar} -a ${key.owner}`, again],
  })
}

/** The stop of a run whose owner record or value another command changed since this run read or wrote it. */
function changedUnder(key: SelfManagedKey, record: OwnerRecord | undefined, now: Date, release?: number): SecurekeyError {
  const other = record?.rotation && record.rotation.run && heldByAnother(record, '', now)
  if (other) return heldBy(key, other)
  const put = release === undefined ? 'this run stopped before writing' : `this run put back what it wrote (release v${release}) and stopped`
  return new ChangedMeanwhileError(`Another command (a rotation, an attach or a teardown) changed ${key.configVar} or its record on ${key.owner} while this rotation ran, so ${put}; nothing unsafe was left. Check with heroku securekey:status ${key.configVar} -a ${key.owner}, then run the same command again.`, {
    suggestions: [`heroku securekey:status ${key.configVar} -a ${key.owner}`],
  })
}

const apps = (count: number) => `${count} app${count === 1 ? '' : 's'}`

const WAITS: Record<string, {failed: string, label: string, phase: StopPhase, what: string}> = {
  'await-accept': {
    failed: 'The rotation is staged and was not promoted:', label: 'Waiting until every dyno accepts the new key', phase: 'barrier', what: 'accept the new key',
  },
  'await-current': {
    failed: 'The rotation did not start:', label: 'Checking that every dyno signs with the current key', phase: 'start', what: 'sign with the current key',
  },
  'await-sign': {
    failed: 'The new key is promoted everywhere;', label: 'Waiting until every dyno signs with the new key', phase: 'barrier', what: 'sign with it',
  },
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
  const holder = heldByAnother(record, run, now())
  if (holder) throw heldBy(key, holder)
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

  const reader = new DynoReader(platform)
  const barrier = (step: RotationStep) => reader.barrier({
    holders,
    label: WAITS[step].label,
    poll: options.poll,
    prebootMs: options.prebootWaitMs ?? DEFAULT_PREBOOT_WAIT_MS,
    progress,
    ready: keys => passes(step, keys, state),
    runner: options.runner ?? {},
    timeoutMs: options.timeoutMs,
  })

  const writeStep = async (label: string, value: string, ownerRecord: OwnerRecord | undefined, phase: Rotation['phase']): Promise<HolderFailure[]> => {
    progress.start(label)
    const failed = await writeHolders(platform, holders, value, current, ownerRecord, phase, changes => writeOwner(changes))
    progress.stop(failed.length > 0 ? `${failed.length} failed` : 'done')
    return failed
  }

  const at = (step: 'close' | 'promote' | 'stage') => recordAt(step, written, state as Required<RotationState>, now().toISOString(), {run, until: new Date(now().getTime() + options.timeoutMs + LEASE_MARGIN_MS).toISOString()})
  /**
   * Every owner write of this run: a fresh read first, stopping when the owner's record or value is no longer what this
   * run started from or last wrote; then a checked write (key/record-write.ts): when another run wrote between the two,
   * this run, the later writer, puts the other's value and record back and stops naming it. So no run writes a value
   * based on a read older than another run's write, and two rotations never leave two NEW keys.
   */
  const writeOwner = async (changes: Record<string, string>): Promise<void> => {
    const recordVar = recordVarOf(key.configVar)
    const read = await readOwner(platform, key.owner)
    const fresh = ownerRecordIn(read.config, key.owner, key.configVar)
    if (!fresh || formatRecord(fresh) !== formatRecord(written) || read.config[key.configVar] !== current.get(key.owner)) throw changedUnder(key, fresh, now())
    const {replaced} = await writeChecked(platform, key.owner, read, changes)
    if (!replaced) return
    await platform.setConfigVars(key.owner, {[key.configVar]: replaced.config[key.configVar] ?? null, [recordVar]: replaced.config[recordVar] ?? null})
    throw changedUnder(key, ownerRecordIn(replaced.config, key.owner, key.configVar), now(), replaced.version)
  }

  /** A run that stops ends its lease, so that the same command run again continues at once (one owner release). */
  const stop = async (...args: Parameters<typeof stopped>): Promise<RotateOutcome> => {
    try {
      const fresh = await currentRecord(platform, key.owner, key.configVar)
      if (fresh?.rotation?.run === run && fresh.rotation.until) await platform.setConfigVars(key.owner, {[recordVarOf(key.configVar)]: formatRecord({...fresh, rotation: {...fresh.rotation, until: now().toISOString()}})})
    } catch {
      // The lease then ends by itself, at its `until`.
    }

    return stopped(...args)
  }

  let written = record
  let value = ownerValue
  let stepNow: StopPhase = 'start'
  try {
    for (const step of outcome.remaining) {
      if (BARRIERS.has(step)) {
        stepNow = step === 'await-current' ? 'start' : 'barrier'
        // eslint-disable-next-line no-await-in-loop -- the steps run in order
        const result = await barrier(step)
        if ('halt' in result) return stop({...outcome, new: state.new}, WAITS[step].phase, `${WAITS[step].failed} ${result.halt.message}`, {first: result.halt.suggestions, gone: result.halt.gone ? [result.halt.gone] : [], left: result.left})
        if (!result.passed) return stop({...outcome, new: state.new}, WAITS[step].phase, `${WAITS[step].failed} ${behind(result.left, WAITS[step].what)}`, {left: result.left})
        continue
      }

      if (step === 'stage') {
        stepNow = 'stage'
        if (state.standing !== 'staged') {
          value = `${ownerValue.split(',')[0].trim()},${newKey()}`
          state.new = pairOf(value)!.previous
        }

        const ownerRecord = state.standing === 'staged' ? undefined : at('stage')
        // eslint-disable-next-line no-await-in-loop
        const failed = await writeStep(`Staging the new key on ${apps(holders.length)} (each accepts it, still signing with the current one)`, value, ownerRecord, 'staged')
        if (failed.length > 0) return stop({...outcome, new: state.new}, 'stage', `Staging stopped: writing ${key.configVar} failed on ${describeFailures(failed)}.`, {gone: goneAmong(failed)})
        written = ownerRecord ?? written
      } else if (step === 'promote') {
        stepNow = 'promote'
        const promotedValue = state.standing === 'promoted' ? ownerValue : swapped(value)
        const left = holders.filter(holder => current.get(holder.app) !== promotedValue).length
        const ownerRecord = state.standing === 'promoted' ? undefined : at('promote')
        const label = state.standing === 'promoted' ? `Promoting the new key on the ${apps(left)} still staged` : `Promoting the new key on ${apps(holders.length)} (each signs with it, still accepting the old one)`
        // eslint-disable-next-line no-await-in-loop
        const failed = left > 0 || ownerRecord ? await writeStep(label, promotedValue, ownerRecord, 'promoted') : []
        if (failed.length > 0) return stop({...outcome, new: state.new}, 'promote', `Promoting stopped: writing ${key.configVar} failed on ${describeFailures(failed)}.`, {gone: goneAmong(failed)})
        value = promotedValue
        written = ownerRecord ?? written
      } else {
        stepNow = 'promote'
        // eslint-disable-next-line no-await-in-loop
        await writeOwner({[recordVarOf(key.configVar)]: formatRecord(at('close'))})
      }
    }
  } catch (error) {
    if (error instanceof SecurekeyError) throw error
    return stop({...outcome, new: state.new}, stepNow, `The rotation stopped (${stepNow}): ${describeFailure(error)}.`, {gone: await probeHolders(platform, holders).catch(() => [])})
  }

  return {...outcome, new: state.new, status: 'rotated'}
}
