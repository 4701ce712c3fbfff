/* eslint-disable camelcase -- the --json documents use the Platform API's snake_case */
/**
 * What securekey:rotate prints: the plan, one line per holder, where the rotation ended, and the --json document.
 * Fingerprints and names only.
 */
import type {RotateOutcome} from './rotate.js'

import * as color from '../core/color.js'
import {type KeyJson, keyJson} from '../key/model.js'

export interface RotateDocument {
  dry_run: boolean
  fingerprint: {current: string, new: null | string}
  holders: Array<{app: string, config_var: string, releases: number}>
  key: KeyJson
  resumed: null | string
  status: RotateOutcome['status']
  stopped: null | {
    gone?: Array<{app: string, detail: string, problem: 'forbidden' | 'not_found'}>
    message: string
    phase: string
    stragglers: Array<{app: string, command: null | string, dyno: string, reason: string, release: number}>
  }
}

export function rotateDocument(outcome: RotateOutcome): RotateDocument {
  return {
    dry_run: outcome.dryRun,
    fingerprint: {current: outcome.current, new: outcome.new ?? null},
    holders: outcome.steps.map(step => ({app: step.app, config_var: step.var, releases: step.releases})),
    key: keyJson(outcome.key),
    resumed: outcome.resumed ?? null,
    status: outcome.status,
    stopped: outcome.stopped
      ? {
        ...(outcome.stopped.gone ? {gone: outcome.stopped.gone} : {}),
        message: outcome.stopped.message,
        phase: outcome.stopped.phase,
        stragglers: outcome.stopped.stragglers.map(dyno => ({
          app: dyno.app, command: dyno.command ?? null, dyno: dyno.dyno, reason: dyno.reason, release: dyno.release,
        })),
      }
      : null,
  }
}

/** What the owner gets from the steps left (key/rotation-state.ts): its record rides with the key, and closes the rotation. */
function ownerWrites(outcome: RotateOutcome): string[] {
  // A rotation found promoted has the owner promoted already: only its closing record is left to write there.
  const writes: Partial<Record<RotateOutcome['remaining'][number], string>> = {close: 'the record marked complete', promote: outcome.resumed === 'promoted' ? undefined : '"NEW,CUR"', stage: '"CUR,NEW" and its record'}
  return outcome.remaining.flatMap(step => writes[step] ?? [])
}

/** The plan, printed before anything changes (and alone on a dry run). */
export function rotatePlanLines(outcome: RotateOutcome): string[] {
  const lines: string[] = []
  const from = outcome.resumed ? ` (continuing a rotation found ${outcome.resumed}, NEW ${outcome.new})` : ''
  lines.push(`${outcome.dryRun ? 'Dry run: rotating' : 'Rotating'} ${color.name(outcome.var)} of ${color.app(outcome.owner)} from LATEST ${outcome.current}${from}:`)
  const width = Math.max(...outcome.steps.map(step => step.app.length))
  for (const [index, step] of outcome.steps.entries()) {
    const gets = index === 0 ? ownerWrites(outcome) : ['"CUR,NEW"', '"NEW,CUR"'].slice(2 - step.releases)
    const what = step.releases === 0 ? 'nothing left to do' : `${gets.join(', then ')} (${step.releases} release${step.releases === 1 ? '' : 's'}; its dynos restart after each)`
    lines.push(`  ${color.app(step.app.padEnd(width))}  ${step.var}: ${what}`)
  }

  lines.push('Stage "CUR,NEW" everywhere, wait until every dyno accepts NEW, promote "NEW,CUR", wait until every dyno signs with NEW.')
  return lines
}

/** How the run ended. */
export function rotateOutcomeLines(outcome: RotateOutcome): string[] {
  const key = `${color.name(outcome.var)} of ${color.app(outcome.owner)}`
  switch (outcome.status) {
  case 'not_due': {
    return [`${key}: not due (${outcome.why}); nothing was changed.`]
  }

  case 'rotated': {
    return [`Rotated: every holder and every dyno signs with ${outcome.new}, and still accepts ${outcome.current}.`]
  }

  case 'stopped': {
    return []
  }

  case 'would_rotate': {
    return ['Nothing was changed.']
  }
  }
}
