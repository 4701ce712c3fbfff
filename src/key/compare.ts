import type {Holder} from './model.js'

/**
 * The cross-app comparison: what each holder of a securekey add-on has in its config var, against the owner's.
 * Pure: it sees parsed keys (fingerprints only), never a value.
 *
 * The owner's value is the reference, because the provider writes it there first and the owner is the app that pays.
 * Per holder (one per attachment, so an app holding the add-on under two names has two):
 * - in_sync:     LATEST and PREVIOUS both equal the owner's;
 * - behind:      its LATEST is the owner's PREVIOUS (a rotation not applied there yet);
 * - ahead:       its PREVIOUS is the owner's LATEST (the owner has not got the rotation yet);
 * - diverged:    anything else: LATEST matches neither (overwritten by hand, another key), LATEST right but PREVIOUS
 *                not, or the two slots swapped;
 * - missing:     the config var is absent; malformed: present but not two keys (non-standard key text is not
 *                malformed, only flagged `standard: false`);
 * - unreachable: the app's config could not be read (the reason says why);
 * - unknown:     the holder has a good pair but there is nothing to compare it with, because the owner's own value
 *                is missing, malformed or unreachable. Holders keep their own missing/malformed/unreachable state, and
 *                the summary says whether the readable peers at least agree with each other (`peers_agree`).
 */
import {type MalformedReason, type ParsedSecureKey, parseSecureKey} from '../runtime/key.js'
import {
  type DynoOnRelease, isDown, isOneOff, isReleaseDyno, isWeb, prebootUntil, releaseUnknown,
} from './dynos.js'

export type HolderState = 'ahead' | 'behind' | 'diverged' | 'in_sync' | 'malformed' | 'missing' | 'staged' | 'unknown' | 'unreachable'

/** Every state, in the order the summary lists them. */
export const STATES: readonly HolderState[] = ['in_sync', 'staged', 'behind', 'ahead', 'diverged', 'missing', 'malformed', 'unreachable', 'unknown']

/** What a user reads in the table for each state. */
export const STATE_LABELS: Record<HolderState, string> = {
  ahead: 'ahead',
  behind: 'behind',
  diverged: 'diverged',
  // eslint-disable-next-line camelcase
  in_sync: 'in sync',
  malformed: 'malformed',
  missing: 'missing',
  staged: 'staged',
  unknown: 'unknown',
  unreachable: 'unreachable',
}

/** A holder's config as read: the parsed var (undefined when absent), or why the app could not be read. */
export type Reading = {key: ParsedSecureKey | undefined, kind: 'read'} | {kind: 'unreachable', reason: string}

/** A holder with what its config var was read as. */
export interface HolderReading extends Holder {
  reading: Reading
}

/** A pair reduced to what may be shown: fingerprints and whether both keys are in the add-on's own format. */
export interface KeyPrints {
  latest: string
  previous: string
  standard: boolean
}

export interface Verdict {
  reason?: string
  state: HolderState
}

export interface HolderStatus extends Verdict {
  app: string
  attachment: string
  configVar: string
  keys?: KeyPrints
  /** This holder is the owner's reference attachment. */
  owner: boolean
}

export type ReferenceState = 'malformed' | 'missing' | 'ok' | 'unreachable'

/** The owner's own value: `ok` with its keys, or why there is nothing to compare with. */
export interface Reference {
  app: string
  attachment?: string
  configVar?: string
  keys?: KeyPrints
  reason?: string
  state: ReferenceState
}

export interface Summary {
  inSync: number
  /** The owner's LATEST fingerprint, when the owner could be read. */
  latest?: string
  /** Without a reference: whether every readable holder has the same pair (undefined when there is a reference). */
  peersAgree?: boolean
  states: Record<HolderState, number>
  total: number
}

export interface Comparison {
  holders: HolderStatus[]
  reference: Reference
  summary: Summary
}

export function printsOf(key: ParsedSecureKey | undefined): KeyPrints | undefined {
  if (!key?.ok) return undefined
  return {latest: key.pair.latest.fingerprint, previous: key.pair.previous.fingerprint, standard: key.pair.standard}
}

/** The state of a readable holder's own value, before any comparison: missing, malformed, unreachable or fine. */
export function readingVerdict(reading: Reading, configVar: string): undefined | Verdict {
  if (reading.kind === 'unreachable') return {reason: reading.reason, state: 'unreachable'}
  if (reading.key === undefined) return {reason: `${configVar} is not set`, state: 'missing'}
  if (!reading.key.ok) return {reason: `${configVar} is malformed (${reading.key.reason})`, state: 'malformed'}
  return undefined
}

/**
 * One pair against the owner's. `staged`: the NEW fingerprint of a self-managed rotation under way. Staged (the owner
 * holds "CUR,NEW"): a holder with that pair accepts NEW and is `staged`, one still on "CUR,OLD" is `behind`. Promoted
 * (the owner holds "NEW,CUR"): one still on "CUR,NEW" is `staged` too, not `diverged`.
 */
export function compareKeys(keys: KeyPrints, reference: KeyPrints, staged?: string): Verdict {
  const latestMatches = keys.latest === reference.latest
  const previousMatches = keys.previous === reference.previous
  if (staged && reference.previous === staged && latestMatches) {
    return previousMatches
      ? {reason: 'accepts the staged key, still signs with the current one: securekey:rotate promotes it', state: 'staged'}
      : {reason: 'does not accept the staged key yet', state: 'behind'}
  }

  // The owner promoted ("NEW,CUR") and this one is still staged ("CUR,NEW"): it accepts NEW, and the promote reaches it next.
  if (staged && reference.latest === staged && keys.previous === staged && keys.latest === reference.previous) {
    return {reason: 'accepts the new key, still signs with the current one: the promote reaches it next', state: 'staged'}
  }

  if (latestMatches && previousMatches) return {state: 'in_sync'}
  if (latestMatches) return {reason: 'LATEST matches but PREVIOUS differs from the owner\'s', state: 'diverged'}
  if (keys.latest === reference.previous && keys.previous === reference.latest) {
    return {reason: 'LATEST and PREVIOUS are swapped', state: 'diverged'}
  }

  if (keys.latest === reference.previous) return {reason: 'still has the owner\'s PREVIOUS as LATEST: rotation not applied yet', state: 'behind'}
  if (keys.previous === reference.latest) return {reason: 'has a newer LATEST than the owner: the owner has not got the rotation yet', state: 'ahead'}
  return {reason: 'LATEST matches neither of the owner\'s keys', state: 'diverged'}
}

/**
 * The owner's reference holder: on the owner app, preferring the attachment whose config var the add-on names
 * (`config_vars` on the add-on), else the first listed.
 */
export function pickReference(holders: readonly HolderReading[], ownerApp: string, addonConfigVars: readonly string[] = []): HolderReading | undefined {
  const onOwner = holders.filter(holder => holder.app === ownerApp)
  return onOwner.find(holder => addonConfigVars.includes(holder.configVar)) ?? onOwner[0]
}

function referenceOf(holder: HolderReading | undefined, ownerApp: string): Reference {
  if (!holder) return {app: ownerApp, reason: `${ownerApp} (the owner) has no attachment of this add-on`, state: 'missing'}
  const verdict = readingVerdict(holder.reading, holder.configVar)
  const keys = holder.reading.kind === 'read' ? printsOf(holder.reading.key) : undefined
  const state = (verdict?.state ?? 'ok') as ReferenceState
  return {
    app: holder.app, attachment: holder.attachment, configVar: holder.configVar, keys, reason: verdict?.reason, state,
  }
}

/** Whether two pairs are the same key in both slots. */
export function sameKeys(a: KeyPrints, b: KeyPrints): boolean {
  return a.latest === b.latest && a.previous === b.previous
}

/** Compares every holder with the owner's reference and sums it up. */
export function compareHolders(holders: readonly HolderReading[], ownerApp: string, addonConfigVars: readonly string[] = [], staged?: string): Comparison {
  const referenceHolder = pickReference(holders, ownerApp, addonConfigVars)
  const reference = referenceOf(referenceHolder, ownerApp)
  const noReference = reference.keys ? undefined : `cannot compare: ${describeReferenceProblem(reference)}`

  const statuses = holders.map((holder): HolderStatus => {
    const base = {
      app: holder.app, attachment: holder.attachment, configVar: holder.configVar, owner: holder === referenceHolder,
    }
    const own = readingVerdict(holder.reading, holder.configVar)
    if (own) return {...base, ...own}
    const keys = printsOf((holder.reading as {key: ParsedSecureKey}).key)!
    if (!reference.keys) return {
      ...base, keys, reason: noReference, state: 'unknown',
    }
    return {...base, keys, ...compareKeys(keys, reference.keys, staged)}
  })

  const states = Object.fromEntries(STATES.map(state => [state, 0])) as Record<HolderState, number>
  for (const status of statuses) states[status.state]++
  const readable = statuses.filter(status => status.keys).map(status => status.keys!)
  return {
    holders: statuses,
    reference,
    summary: {
      inSync: states.in_sync,
      latest: reference.keys?.latest,
      peersAgree: reference.keys ? undefined : readable.every(keys => sameKeys(keys, readable[0])),
      states,
      total: statuses.length,
    },
  }
}

export function describeReferenceProblem(reference: Reference): string {
  const what = reference.configVar ? `${reference.configVar} on ${reference.app} (the owner)` : `${reference.app} (the owner)`
  switch (reference.state) {
  case 'malformed': {
    return `${what} is malformed`
  }

  case 'missing': {
    return reference.configVar ? `${what} is not set` : reference.reason ?? `${what} holds no key`
  }

  case 'unreachable': {
    return `${what} could not be read (${reference.reason})`
  }

  default: {
    return `${what} has no usable key`
  }
  }
}

export const allInSync = (summary: Summary): boolean => summary.total > 0 && summary.inSync === summary.total

/** Whether some app holds the add-on under two names: holders are then named by app and attachment, not app alone. */
export const someAppHoldsTwice = (holders: readonly HolderStatus[]): boolean => new Set(holders.map(holder => holder.app)).size !== holders.length

/** `3/3 apps in sync (LATEST skfp1:9c1e…)`, followed by who is not and why in a word. */
export function summaryLine(comparison: Comparison): string {
  const {holders, reference, summary} = comparison
  const noun = someAppHoldsTwice(holders) ? 'attachments' : 'apps'
  const head = `${summary.inSync}/${summary.total} ${noun} in sync`
  const latest = summary.latest ? ` (LATEST ${summary.latest})` : ` (no reference: ${describeReferenceProblem(reference)})`
  const others = STATES.filter(state => state !== 'in_sync' && summary.states[state] > 0).map(state => {
    const names = holders.filter(holder => holder.state === state).map(holder => (noun === 'apps' ? holder.app : `${holder.app} ${holder.attachment}`))
    return `${STATE_LABELS[state]}: ${names.join(', ')}`
  })
  const agree = summary.peersAgree === undefined ? [] : [summary.peersAgree ? 'readable apps agree with each other' : 'readable apps disagree with each other']
  return [head + latest, ...others, ...agree].join('; ')
}

/** Dynos that run an older release than the app's current one, and hold another key than the app's config. */
export interface StaleDynos extends Verdict {
  dynos: string[]
  keys?: KeyPrints
  release: number
}

export interface DynoReport {
  currentRelease: number
  /** Dynos that run no process now (crashed, idle, down): they hold no key and come back on the newest release. */
  down: Array<{dyno: string, state: string}>
  /** The newest release, when it is not (yet) deployed: `pending` in its release phase, or `failed`. */
  notDeployed?: {status: string, version: number}
  /** Dynos whose release has the same pair as the app's config now (the current release, or an older one with it). */
  onCurrentKey: number
  /** One-off dynos (run.N, scheduler.N): they keep their release until they exit. */
  oneOff: Array<{dyno: string, release: number}>
  /** With preboot on: until when (ISO) the web dynos replaced by the last release may still serve, unlisted. */
  prebootUntil?: string
  /** Dynos that do not say which release they run: their key cannot be known. */
  releaseUnknown: string[]
  stale: StaleDynos[]
  total: number
}

/**
 * Which key each dyno runs, from the app's dynos, its current release, and the var as of each older release a dyno
 * runs (`readings`, by version; only releases older than the current one are ever read). Dynos on an older release
 * with the same pair as the config now are fine: the key did not change in between. `staged`: the NEW fingerprint of
 * a self-managed rotation in its staged phase, so that dynos accepting it read `staged`, not `diverged`. Dynos that run
 * nothing or do not say their release are listed apart (key/dynos.ts), never compared.
 */
export function compareDynos(input: {
  appKeys?: KeyPrints
  configVar: string
  currentRelease: number
  dynos: readonly DynoOnRelease[]
  newest?: {status: string, version: number}
  /** The platform's clock now (ms), and preboot's window when the app has preboot on. */
  preboot?: {nowMs: number, windowMs: number}
  readings: ReadonlyMap<number, Reading>
  reference?: KeyPrints
  staged?: string
}): DynoReport {
  const {appKeys, configVar, currentRelease, readings, reference} = input
  const down = input.dynos.filter(dyno => isDown(dyno) && !releaseUnknown(dyno))
  const unknown = input.dynos.filter(dyno => releaseUnknown(dyno))
  const dynos = input.dynos.filter(dyno => !isDown(dyno) && !releaseUnknown(dyno) && !isReleaseDyno(dyno))
  const older = new Map<number, string[]>()
  for (const dyno of dynos) {
    if (dyno.release < currentRelease) older.set(dyno.release, [...(older.get(dyno.release) ?? []), dyno.name])
  }

  const stale: StaleDynos[] = []
  for (const [release, names] of [...older].sort(([a], [b]) => a - b)) {
    const reading = readings.get(release) ?? {kind: 'unreachable', reason: `the config of release v${release} was not read`}
    const own = readingVerdict(reading, configVar)
    const keys = reading.kind === 'read' ? printsOf(reading.key) : undefined
    if (keys && appKeys && sameKeys(keys, appKeys)) continue
    let verdict: Verdict
    if (own) verdict = own
    else if (reference) verdict = compareKeys(keys!, reference, input.staged)
    else verdict = {reason: 'differs from the app\'s config; no owner reference to compare with', state: 'unknown'}
    stale.push({
      dynos: names.sort(), keys, release, ...verdict,
    })
  }

  const staleCount = stale.reduce((count, group) => count + group.dynos.length, 0)
  const lastWeb = Math.max(...dynos.filter(dyno => isWeb(dyno)).map(dyno => prebootUntil(dyno, input.preboot?.windowMs ?? 0)).filter(until => Number.isFinite(until)))
  return {
    currentRelease,
    down: down.map(dyno => ({dyno: dyno.name, state: dyno.state!})),
    notDeployed: input.newest && input.newest.status !== 'succeeded' ? input.newest : undefined,
    onCurrentKey: dynos.length - staleCount,
    oneOff: dynos.filter(dyno => isOneOff(dyno)).map(dyno => ({dyno: dyno.name, release: dyno.release})),
    prebootUntil: input.preboot && lastWeb > input.preboot.nowMs ? new Date(lastWeb).toISOString() : undefined,
    releaseUnknown: unknown.map(dyno => dyno.name),
    stale,
    total: dynos.length,
  }
}

/** Why `variable` on `app` holds no key pair: not set, or malformed. Never mentions the value. */
export function keyProblem(variable: string, app: string, reason: MalformedReason): string {
  return reason === 'empty' ? `${variable} is not set on ${app}` : `${variable} on ${app} is malformed (${reason})`
}

/** LATEST's fingerprint in `vars[variable]`, or why there is none. Never returns or mentions the value. */
export function latestFingerprint(vars: Record<string, string>, variable: string, app: string): {fingerprint?: string, problem?: string} {
  const parsed = parseSecureKey(vars[variable])
  if (parsed.ok) return {fingerprint: parsed.pair.latest.fingerprint}
  return {problem: keyProblem(variable, app, parsed.reason)}
}
