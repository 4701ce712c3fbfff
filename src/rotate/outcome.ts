/** What securekey:rotate is asked (its options) and what it answers (its outcome): shared by rotate.ts, run.ts and the view. */
import type {Confirmer} from '../core/confirm.js'
import type {Progress} from '../core/progress.js'
import type {PollSchedule} from '../core/wait.js'
import type {GoneHolder} from '../key/gone-holder.js'
import type {SelfManagedKey} from '../key/model.js'
import type {RotationStep} from '../key/rotation-state.js'
import type {Runner, Straggler} from './barrier.js'

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

