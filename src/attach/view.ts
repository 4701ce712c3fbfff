/**
 * What securekey:attach prints: the plan before anything is sent (the config var each peer will get, and that its
 * dynos restart), one line per peer after, loud warnings for keys that differ, and the --json document. Built from
 * fingerprints only; no key value reaches this file.
 */
/* eslint-disable camelcase -- the --json documents use the Platform API's snake_case */
import * as color from '../core/color.js'
import {type KeyJson, keyJson} from '../key/model.js'
import {
  type AttachOutcome, type AttachPlan, peerFailed, type PeerOutcome,
} from './attach.js'

/**
 * The --json document of securekey:attach. `fingerprint.latest` is the owner's LATEST; per peer, `status` is one of
 * attached, already_attached, failed, needs_confirmation (and on a dry run would_attach, would_replace),
 * `matches` is null when no comparison was made, `message` says why a peer failed or could not be compared.
 */
export interface AttachDocument {
  attachment: {config_var: string, name: string}
  dry_run: boolean
  fingerprint: {latest: null | string}
  key: KeyJson
  peers: Array<{
    app: string
    config_var: string
    confirmed_by: null | string
    fingerprint: {latest: null | string}
    matches: boolean | null
    message: null | string
    status: string
  }>
}

export function attachDocument(outcome: AttachOutcome): AttachDocument {
  return {
    attachment: {config_var: outcome.plan.configVar, name: outcome.plan.name},
    dry_run: outcome.dryRun,
    fingerprint: {latest: outcome.ownerFingerprint ?? null},
    key: keyJson(outcome.plan.key),
    peers: outcome.peers.map(peer => ({
      app: peer.app,
      config_var: peer.configVar,
      confirmed_by: peer.confirmedBy ?? null,
      fingerprint: {latest: peer.fingerprint ?? null},
      matches: peer.matches ?? null,
      message: peer.message ?? null,
      status: peer.status,
    })),
  }
}

/** Printed before anything is sent: what is attached where, the config var that will appear, and the restarts. */
export function attachPlanLines(plan: AttachPlan, dryRun: boolean): string[] {
  const {key} = plan
  const addon = key.kind === 'addon'
    ? `${color.addon(key.name)} (owned by ${color.app(plan.owner)}, ${key.addon.plan?.name ?? 'securekey'})`
    : `${color.name(key.configVar)} (owned by ${color.app(plan.owner)}, self-managed)`
  const apps = plan.steps.map(step => color.app(step.app)).join(', ')
  const lines = [`${dryRun ? 'Dry run: attaching' : 'Attaching'} ${addon} to ${apps} as ${color.attachment(plan.name)}: each gets ${color.name(plan.configVar)}.`]
  if (plan.steps.some(step => step.action === 'attach')) {
    lines.push('Attaching sets the config var on the app, which makes a release and restarts its dynos.')
  }

  return lines
}

function comparison(peer: PeerOutcome, owner: string): string {
  if (peer.matches === true) return `${color.name(peer.configVar)} on ${color.app(peer.app)} matches ${color.app(owner)} (${peer.fingerprint})`
  if (peer.matches === false) return `${color.name(peer.configVar)} on ${color.app(peer.app)} does NOT match ${color.app(owner)} (${peer.fingerprint})`
  return `${color.name(peer.configVar)} on ${color.app(peer.app)} was not compared: ${peer.message ?? 'the owner\'s key could not be read'}`
}

function peerLine(peer: PeerOutcome, outcome: AttachOutcome): string {
  const {name, owner} = outcome.plan
  const replaced = peer.confirmedBy ? ` (replacing what held ${name}, confirmed by ${peer.confirmedBy === 'flag' ? '--confirm' : 'you'})` : ''
  switch (peer.status) {
  case 'already_attached': {
    return outcome.dryRun
      ? `already attached as ${color.attachment(name)}: nothing to do`
      : `already attached as ${color.attachment(name)}; ${comparison(peer, owner)}`
  }

  case 'attached': {
    return `attached as ${color.attachment(name)}${replaced}; ${comparison(peer, owner)}`
  }

  case 'failed': {
    return `${color.failure('failed')}: ${peer.message}`
  }

  case 'needs_confirmation': {
    return outcome.dryRun
      ? `needs confirmation: ${peer.message}; a real run asks on a terminal, or add --confirm ${peer.app}`
      : `${color.failure('not attached')}: ${peer.message}`
  }

  case 'would_attach': {
    return `would attach: sets ${color.name(peer.configVar)} and restarts ${color.app(peer.app)}'s dynos`
  }

  case 'would_replace': {
    return `would replace: ${peer.message}; --confirm ${peer.app} replaces it with ${color.name(peer.configVar)} and restarts ${color.app(peer.app)}'s dynos`
  }
  }
}

/** One line per peer, app names aligned, then the closing sentence. */
export function attachOutcomeLines(outcome: AttachOutcome): string[] {
  const width = Math.max(...outcome.peers.map(peer => peer.app.length))
  const lines = outcome.peers.map(peer => `${color.app(peer.app.padEnd(width))}  ${peerLine(peer, outcome)}`)
  if (outcome.dryRun) lines.push('Nothing was changed.')
  return lines
}

/** Loud warnings for stderr: keys that differ from the owner's, or an owner key that could not be read. */
export function attachWarnings(outcome: AttachOutcome): string[] {
  const {owner} = outcome.plan
  const warnings = outcome.peers.filter(peer => peer.matches === false).map(peer => [
    `${peer.configVar} on ${peer.app} does NOT match ${owner}: ${peer.app} has ${peer.fingerprint}, ${owner} has ${outcome.ownerFingerprint}.`,
    `A rotation may be reaching the apps one by one; check with heroku securekey:status -a ${owner}.`,
  ].join(' '))
  if (outcome.ownerProblem && !outcome.dryRun) warnings.push(`Could not compare keys: ${outcome.ownerProblem}.`)
  for (const peer of outcome.peers.filter(candidate => candidate.readFailed)) {
    warnings.push(`${peer.app} is attached, but its key was not compared with ${owner}'s: ${peer.message}.`)
  }

  return warnings
}

/**
 * The error a run ends with when every peer is attached but a read-back failed: the attach happened, the comparison
 * did not. Undefined when every read succeeded.
 */
export function readBackFailureMessage(outcome: AttachOutcome): string | undefined {
  const unread = outcome.peers.filter(peer => peer.readFailed).map(peer => peer.app)
  if (outcome.dryRun || (unread.length === 0 && !outcome.ownerReadFailed)) return undefined
  const which = outcome.ownerReadFailed ? `${outcome.plan.owner}'s key could not be read back` : `the key could not be read back from ${unread.join(', ')}`
  const attached = outcome.peers.map(peer => peer.app).join(', ')
  return `${attached} ${outcome.peers.length === 1 ? 'is' : 'are'} attached, but ${which}, so the keys were not compared. heroku securekey:status -a ${outcome.plan.owner} compares them.`
}

/** The error a run ends with when a peer failed; the others are reported above it. */
export function attachFailureMessage(outcome: AttachOutcome): string {
  const failed = outcome.peers.filter(peer => peerFailed(peer, outcome.dryRun))
  const done = outcome.peers.length - failed.length
  const counted = `${failed.length} of ${outcome.peers.length} ${outcome.peers.length === 1 ? 'app' : 'apps'}`
  const apps = failed.map(peer => peer.app).join(', ')
  if (outcome.dryRun) return `${counted} cannot be attached: ${apps}. Nothing was changed.`
  const rest = done > 0 ? ` The other ${done} ${done === 1 ? 'is' : 'are'} attached; a re-run skips them and retries the rest.` : ' A re-run retries them.'
  return `${counted} could not be attached: ${apps}.${rest}`
}
