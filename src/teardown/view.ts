/* eslint-disable camelcase -- the --json document uses the Platform API's snake_case, like Heroku's own commands */
import type {HolderDrop} from './holder.js'
/**
 * What securekey:teardown shows: the plan, the progress (spinners on stderr), each step's result, and the --json
 * document. Only names appear here (apps, add-ons, attachments, config var names), never a config var's value.
 */
import type {
  DetachOutcome, PlannedDetach, TeardownPlan, TeardownResult,
} from './teardown.js'

import * as color from '../core/color.js'
import {describeApiError} from '../core/platform-api.js'
import {dropHolderCommand} from '../key/gone-holder.js'
import {type KeyJson, keyJson, type SharedKey} from '../key/model.js'
import {type RecordEntry} from '../key/record.js'
import {teardownCommand} from './teardown.js'

/** A planned detach in the --json document. */
export interface DetachEntry {
  app: string
  attachment: {id: null | string, name: string}
  config_var: string
}

/** The --json document. `plan` and `key` are null when there was nothing to tear down; `results` on a dry run. */
export interface TeardownDocument {
  complete: boolean
  dry_run: boolean
  key: KeyJson | null
  plan: null | {
    destroy: {addon: string, app: string, config_vars: string[]}
    owner_attachments: DetachEntry[]
    peers: DetachEntry[]
  }
  results: null | {
    destroyed: null | {state: 'deprovisioned' | 'deprovisioning'}
    detached: Array<DetachEntry & {late: boolean}>
    failed: Array<DetachEntry & {error: {id: string, message: string, status: number}, late: boolean}>
    stopped: null | {message: string, reason: string}
  }
}

const entry = ({app, attachment, configVar}: PlannedDetach): DetachEntry => ({app, attachment, config_var: configVar})
const outcome = (detach: DetachOutcome) => ({...entry(detach), late: detach.late})

export function nothingToTearDown(app: string): string {
  return `${color.app(app)} owns no shared key (no securekey add-on, no self-managed key): nothing to tear down.`
}

export function planLines(plan: TeardownPlan): string[] {
  const {key, owner} = plan
  const ownerVars = plan.destroy.configVars.length > 0 ? `removes ${plan.destroy.configVars.join(', ')} and restarts ${color.app(owner)}` : `nothing left on ${color.app(owner)} to remove`
  // A self-managed key has no add-on: its vars (and their records) are removed from each app, the owner's last.
  const selfManaged = key.kind === 'self-managed'
  const steps = [
    ...plan.peers.map(peer => `${selfManaged ? 'Remove' : `Detach ${color.attachment(peer.attachment.name)}`} from ${color.app(peer.app)}: removes ${peer.configVar} and restarts ${color.app(peer.app)}`),
    selfManaged ? `Remove from ${color.app(owner)}, the owner: ${ownerVars}` : `Destroy ${color.addon(key.name)} on ${color.app(owner)}: ${ownerVars}`,
  ]
  return [
    `Teardown of ${key.kind === 'addon' ? color.addon(key.name) : color.name(key.name)} (${key.kind === 'addon' ? key.addon.plan?.name ?? 'securekey' : 'self-managed'}), owned by ${color.app(owner)}${plan.peers.length === 0 ? ', attached to no other app' : ''}:`,
    ...steps.map((step, index) => `  ${index + 1}. ${step}`),
  ]
}

export function dryRunLines(plan: TeardownPlan): string[] {
  return [`Dry run: nothing was changed. To tear it down: ${color.code(teardownCommand(plan))}`]
}

function detachLine(outcome: DetachOutcome): string {
  const where = `${color.attachment(outcome.attachment.name)} from ${color.app(outcome.app)}`
  const late = outcome.late ? ', attached during the teardown' : ''
  if (outcome.error) return `${color.failure('Could not detach')} ${where}: ${describeApiError(outcome.error)}${late}`
  if (!outcome.attachment.id) return `Removed ${outcome.configVar} from ${color.app(outcome.app)}${late}`
  return `Detached ${where}${late}: ${outcome.configVar} removed`
}

export function resultLines(plan: TeardownPlan, result: TeardownResult): string[] {
  const lines = [...result.detached, ...result.failed].sort((a, b) => Number(a.late) - Number(b.late)).map(outcome => detachLine(outcome))
  if (result.destroyed?.state === 'deprovisioned') {
    const gone = plan.key.kind === 'self-managed' ? `Removed ${plan.key.name} from ${color.app(plan.owner)}` : `Destroyed ${color.addon(plan.key.name)} on ${color.app(plan.owner)}`
    lines.push(`${gone}: teardown complete.`)
  } else if (result.destroyed) {
    const wait = color.code(`heroku addons:wait ${plan.key.name}`)
    lines.push(`Destroy of ${color.addon(plan.key.name)} accepted: the provider is deprovisioning it. Every peer is detached; ${wait} (or --wait) waits until it is gone.`)
  }

  return lines
}

export function teardownDocument(plan: TeardownPlan | undefined, options: {dryRun: boolean, result?: TeardownResult}): TeardownDocument {
  const {dryRun, result} = options
  if (!plan) return {
    complete: true, dry_run: dryRun, key: null, plan: null, results: null,
  }
  return {
    complete: result?.complete ?? false,
    dry_run: dryRun,
    key: keyJson(plan.key),
    plan: {
      destroy: {addon: plan.destroy.addon, app: plan.destroy.app, config_vars: plan.destroy.configVars},
      owner_attachments: plan.ownerAttachments.map(detach => entry(detach)),
      peers: plan.peers.map(detach => entry(detach)),
    },
    results: result
      ? {
        destroyed: result.destroyed ?? null,
        detached: result.detached.map(detach => outcome(detach)),
        failed: result.failed.map(failure => ({...outcome(failure), error: failure.error!})),
        stopped: result.stopped ?? null,
      }
      : null,
  }
}

/** The --json document of `--holder`: the app dropped from the record, and the holders it still lists. */
export interface HolderDropDocument {
  complete: boolean
  dropped: {app: string, config_vars: string[], reason: 'not_found'}
  dry_run: boolean
  holders_left: string[]
  key: KeyJson
}

export function holderDropDocument(key: SharedKey, drop: HolderDrop, options: {dryRun: boolean, left: readonly RecordEntry[]}): HolderDropDocument {
  return {
    complete: !options.dryRun,
    dropped: {app: drop.app, config_vars: drop.entries.map(entry => entry.var), reason: 'not_found'},
    dry_run: options.dryRun,
    holders_left: [...new Set(options.left.map(entry => entry.app))],
    key: keyJson(key),
  }
}

export function holderDropLines(drop: HolderDrop, options: {dryRun: boolean, left: readonly RecordEntry[]}): string[] {
  const left = [...new Set(options.left.map(entry => entry.app))]
  const holders = `${color.app(drop.owner)} (the owner)${left.length > 0 ? `, ${left.map(app => color.app(app)).join(', ')}` : ''}`
  if (options.dryRun) {
    return [`Dry run: ${color.app(drop.app)} no longer exists (the Heroku API answers 404); it would be dropped from ${color.app(drop.owner)}'s record of ${color.name(drop.keyVar)}. Nothing was changed. To drop it: ${color.code(dropHolderCommand(drop.keyVar, drop.owner, drop.app))}`]
  }

  return [`Dropped ${color.app(drop.app)}, which no longer exists, from ${color.app(drop.owner)}'s record of ${color.name(drop.keyVar)}. Holders now: ${holders}.`]
}
