/**
 * The steps of one rotation run, in order (key/rotation-state.ts says which are left): each barrier waits through
 * barrier.ts, each write goes to the owner first (a checked write, key/record-write.ts) and then to the peers through
 * the pool. A step that cannot complete returns why; the run then stops, ends its lease and says what to do, and the
 * same command run again continues from where the key stands.
 */
import {ChangedMeanwhileError, SecurekeyError} from '../core/errors.js'
import {describeFailure, type PlatformApi} from '../core/platform-api.js'
import {type Progress} from '../core/progress.js'
import {type KeyPrints, printsOf} from '../key/compare.js'
import {DEFAULT_PREBOOT_WAIT_MS} from '../key/dynos.js'
import {type GoneHolder, goneHolderAdvice, goneHolderSuggestions} from '../key/gone-holder.js'
import {type Holder, type SelfManagedKey} from '../key/model.js'
import {
  currentRecord, ownerRecordIn, putBack, readOwner, writeChecked,
} from '../key/record-write.js'
import {
  formatRecord, newKey, type OwnerRecord, peerRecord, recordVarFor, type Rotation,
} from '../key/record.js'
import {
  BARRIERS, heldByAnother, passes, recordAt, type RotationState, type RotationStep, swapped,
} from '../key/rotation-state.js'
import {parseSecureKey} from '../runtime/key.js'
import {type BarrierResult, DynoReader, type Straggler} from './barrier.js'
import {
  describeFailures, goneAmong, type HolderFailure, probeHolders,
} from './holder-failures.js'
import {type RotateOptions, type RotateOutcome, type StopPhase} from './outcome.js'

export const pairOf = (value: string | undefined): KeyPrints | undefined => printsOf(parseSecureKey(value))

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
      await writeOwner({[owner.configVar]: value, ...(ownerRecord ? {[recordVarFor(owner.configVar)]: formatRecord(ownerRecord)} : {})})
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
      await platform.setConfigVars(peer.app, {[peer.configVar]: value, [recordVarFor(peer.configVar)]: pointer})
      current.set(peer.app, value)
    } catch (error) {
      failures.push({app: peer.app, error})
    }
  })
  return failures
}

/**
 * How long past a write's --timeout its lease holds: time for the barrier's last poll and the next write. Another run
 * that finds the lease held stops at once rather than waiting for it: the holder may wait out barriers of its own
 * --timeout (minutes to hours), and a second run waiting meanwhile would poll the platform for nothing; a Scheduler
 * job simply runs again later, and a person is told until when.
 */
const LEASE_MARGIN_MS = 60_000

/** The refusal of a run that finds another run's rotation under way and its lease held. */
export function heldBy(key: SelfManagedKey, rotation: Rotation): SecurekeyError {
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

/** Where a step stopped, why, and what the user must know. */
interface Halted {
  details?: StopDetails
  message: string
  phase: StopPhase
}

/** The phase a stop inside each step reports. */
const PHASE_OF: Record<RotationStep, StopPhase> = {
  'await-accept': 'barrier', 'await-current': 'start', 'await-sign': 'barrier', close: 'promote', promote: 'promote', stage: 'stage',
}

export interface RunContext {
  /** Every holder's value as this run knows it (updated as it writes). */
  current: Map<string, string | undefined>
  holders: readonly Holder[]
  key: SelfManagedKey
  now: () => Date
  options: RotateOptions
  ownerValue: string
  platform: PlatformApi
  progress: Progress
  /** This run's id, for its lease in the record. */
  run: string
  state: RotationState
}

/** One run of the remaining steps (see the file comment). */
export class RotationRun {
  private readonly reader: DynoReader
  private value: string
  private written: OwnerRecord

  constructor(private readonly context: RunContext) {
    this.reader = new DynoReader(context.platform)
    this.value = context.ownerValue
    this.written = context.key.record
  }

  /** Runs `plan.remaining` in order; the outcome is `plan` rotated, or stopped at the first step that cannot complete. */
  async complete(plan: RotateOutcome): Promise<RotateOutcome> {
    let phase: StopPhase = 'start'
    try {
      for (const step of plan.remaining) {
        phase = PHASE_OF[step]
        // eslint-disable-next-line no-await-in-loop -- the steps run in order
        const halted = await this.step(step)
        // eslint-disable-next-line no-await-in-loop -- the last step of the run
        if (halted) return await this.stop(plan, halted)
      }
    } catch (error) {
      if (error instanceof SecurekeyError) throw error
      const gone = await probeHolders(this.context.platform, this.context.holders).catch(() => [])
      return this.stop(plan, {details: {gone}, message: `The rotation stopped (${phase}): ${describeFailure(error)}.`, phase})
    }

    return {...plan, new: this.context.state.new, status: 'rotated'}
  }

  private async barrier(step: RotationStep): Promise<Halted | undefined> {
    const {holders, options, progress, state} = this.context
    const wait = WAITS[step]
    const result: BarrierResult = await this.reader.barrier({
      holders,
      label: wait.label,
      poll: options.poll,
      prebootMs: options.prebootWaitMs ?? DEFAULT_PREBOOT_WAIT_MS,
      progress,
      ready: keys => passes(step, keys, state),
      runner: options.runner ?? {},
      timeoutMs: options.timeoutMs,
    })
    if ('halt' in result) {
      const {halt} = result
      return {details: {first: halt.suggestions, gone: halt.gone ? [halt.gone] : [], left: result.left}, message: `${wait.failed} ${halt.message}`, phase: wait.phase}
    }

    return result.passed ? undefined : {details: {left: result.left}, message: `${wait.failed} ${behind(result.left, wait.what)}`, phase: wait.phase}
  }

  private async close(): Promise<undefined> {
    await this.writeOwner({[recordVarFor(this.context.key.configVar)]: formatRecord(this.recordAt('close'))})
  }

  private async promote(): Promise<Halted | undefined> {
    const {current, holders, key, ownerValue, state} = this.context
    const promotedValue = state.standing === 'promoted' ? ownerValue : swapped(this.value)
    const left = holders.filter(holder => current.get(holder.app) !== promotedValue).length
    const ownerRecord = state.standing === 'promoted' ? undefined : this.recordAt('promote')
    const label = state.standing === 'promoted' ? `Promoting the new key on the ${apps(left)} still staged` : `Promoting the new key on ${apps(holders.length)} (each signs with it, still accepting the old one)`
    const failed = left > 0 || ownerRecord ? await this.write(label, promotedValue, ownerRecord, 'promoted') : []
    if (failed.length > 0) return {details: {gone: goneAmong(failed)}, message: `Promoting stopped: writing ${key.configVar} failed on ${describeFailures(failed)}.`, phase: 'promote'}
    this.value = promotedValue
    this.written = ownerRecord ?? this.written
  }

  /** The owner's record at `step`, carrying this run's lease. */
  private recordAt(step: 'close' | 'promote' | 'stage'): OwnerRecord {
    const {now, options, run, state} = this.context
    return recordAt(step, this.written, state as Required<RotationState>, now().toISOString(), {run, until: new Date(now().getTime() + options.timeoutMs + LEASE_MARGIN_MS).toISOString()})
  }

  private async stage(): Promise<Halted | undefined> {
    const {holders, key, ownerValue, state} = this.context
    if (state.standing !== 'staged') {
      this.value = `${ownerValue.split(',')[0].trim()},${newKey()}`
      state.new = pairOf(this.value)!.previous
    }

    const ownerRecord = state.standing === 'staged' ? undefined : this.recordAt('stage')
    const failed = await this.write(`Staging the new key on ${apps(holders.length)} (each accepts it, still signing with the current one)`, this.value, ownerRecord, 'staged')
    if (failed.length > 0) return {details: {gone: goneAmong(failed)}, message: `Staging stopped: writing ${key.configVar} failed on ${describeFailures(failed)}.`, phase: 'stage'}
    this.written = ownerRecord ?? this.written
  }

  private step(step: RotationStep): Promise<Halted | undefined> {
    if (BARRIERS.has(step)) return this.barrier(step)
    if (step === 'stage') return this.stage()
    if (step === 'promote') return this.promote()
    return this.close()
  }

  /** A run that stops ends its lease, so that the same command run again continues at once (one owner release). */
  private async stop(plan: RotateOutcome, halted: Halted): Promise<RotateOutcome> {
    const {key, now, platform, run, state} = this.context
    try {
      const fresh = await currentRecord(platform, key.owner, key.configVar)
      if (fresh?.rotation?.run === run && fresh.rotation.until) await platform.setConfigVars(key.owner, {[recordVarFor(key.configVar)]: formatRecord({...fresh, rotation: {...fresh.rotation, until: now().toISOString()}})})
    } catch {
      // The lease then ends by itself, at its `until`.
    }

    return stopped({...plan, new: state.new}, halted.phase, halted.message, halted.details)
  }

  private async write(label: string, value: string, ownerRecord: OwnerRecord | undefined, phase: Rotation['phase']): Promise<HolderFailure[]> {
    const {current, holders, platform, progress} = this.context
    progress.start(label)
    const failed = await writeHolders(platform, holders, value, current, ownerRecord, phase, changes => this.writeOwner(changes))
    progress.stop(failed.length > 0 ? `${failed.length} failed` : 'done')
    return failed
  }

  /**
   * Every owner write of this run: a fresh read first, stopping when the owner's record or value is no longer what this
   * run started from or last wrote; then a checked write (key/record-write.ts): when another run wrote between the two,
   * this run, the later writer, puts the other's value and record back and stops naming it. So no run writes a value
   * based on a read older than another run's write, and two rotations never leave two NEW keys.
   */
  private async writeOwner(changes: Record<string, string>): Promise<void> {
    const {current, key, now, platform} = this.context
    const read = await readOwner(platform, key.owner)
    const fresh = ownerRecordIn(read.config, key.owner, key.configVar)
    if (!fresh || formatRecord(fresh) !== formatRecord(this.written) || read.config[key.configVar] !== current.get(key.owner)) throw changedUnder(key, fresh, now())
    const {replaced} = await writeChecked(platform, key.owner, read, changes)
    if (!replaced) return
    await putBack(platform, key.owner, replaced, Object.keys(changes))
    throw changedUnder(key, ownerRecordIn(replaced.config, key.owner, key.configVar), now(), replaced.version)
  }
}
