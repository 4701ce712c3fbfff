/* eslint-disable camelcase -- the record is JSON in a config var, in the Platform API's snake_case */
/**
 * Self-managed keys: a securekey key kept by the plugin itself in plain config vars, with no add-on. The key var has
 * the add-on's exact format ("LATEST,PREVIOUS", two keys of 32 random bytes as 64 upper-case hex digits), so app code
 * and the runtime helper do not change.
 *
 * Where the plugin keeps what it knows about the key: a second config var beside the key on every holder,
 * `<KEY_VAR>_RECORD` (SECURE_KEY → SECURE_KEY_RECORD), holding JSON with names, app names, times and skfp1
 * fingerprints only, never key material:
 *  - on the owner: {v, owner, var, holders: [{app, var}], changed_at, rotation?: {phase, new, started_at}}, the list
 *    every command starts from;
 *  - on each peer: {v, owner, var}, a pointer back to the owner, so that status finds every holder from any of them
 *    in two reads (the peer's config, then the owner's), never a walk over the account's apps.
 * Which apps get a release when it changes: provision writes key and record to the owner in one release; attach
 * writes key and pointer to each peer in one release each, and the owner's record once more (one release on the owner,
 * its dynos restart with the same key); a rotation's writes carry the owner's record with its key (no extra release),
 * and one last owner release marks the rotation complete; teardown removes key and pointer from each peer, then key
 * and record from the owner.
 *
 * This module is pure: parsing, building and finding records in a config.
 */
import {randomBytes} from 'node:crypto'

import {InvalidRecordError} from '../core/errors.js'
import {APP_NAME} from '../core/names.js'
import {ROTATION_PHASES, type RotationPhase} from '../runtime/phase.js'

export const RECORD_SUFFIX = '_RECORD'
const VERSION = 1

/** A holder as the owner's record stores it: the app and the config var it holds the key in. */
export interface RecordEntry {
  app: string
  var: string
}

/** A config var this plugin would write a key to: an attachment-style name followed by _KEY. */
export const KEY_VAR = /^[A-Z][A-Z0-9_]{0,49}_KEY$/

export interface Rotation {
  /** The LATEST the rotation started from (fingerprint; absent in records written before it was kept). */
  from?: string
  /** The new LATEST's fingerprint. */
  new: string
  /** staged: every holder gets "CUR,NEW"; promoted: "NEW,CUR"; complete: every dyno runs NEW. */
  phase: RotationPhase
  /** The run that holds the rotation (8 hex digits, random, not secret; absent in older records). */
  run?: string
  started_at: string
  /** Until when that run holds it (ISO time): another run stops before then (rotate.ts). */
  until?: string
}

export interface OwnerRecord {
  changed_at: string
  holders: RecordEntry[]
  owner: string
  rotation?: Rotation
  v: number
  var: string
  /** Random per record write (record-write.ts), so a checked write finds its own release among others'. */
  write_id?: string
}

export interface PeerRecord {
  owner: string
  /** The phase of a rotation in progress, for the runtime helper on this app (rotation.ts isStaged). */
  rotation?: Pick<Rotation, 'phase'>
  v: number
  var: string
}

export type KeyRecord = OwnerRecord | PeerRecord

export const recordVarFor = (keyVar: string): string => `${keyVar}${RECORD_SUFFIX}`

export const isOwnerRecord = (record: KeyRecord): record is OwnerRecord => 'holders' in record

/**
 * What is wrong with a record that claims to be ours (`v` is this version), or undefined when nothing is. The plugin
 * acts on what a record says (which vars it writes and removes on which apps), and a config var can be edited by
 * anyone with access: a holder naming DATABASE_URL must never make teardown delete it or a rotation overwrite it.
 */
export function recordProblem(parsed: Record<string, unknown>): string | undefined {
  if (typeof parsed.owner !== 'string' || !APP_NAME.test(parsed.owner)) return 'its owner is not an app name'
  if (typeof parsed.var !== 'string' || !KEY_VAR.test(parsed.var)) return 'its var is not a key config var (NAME_KEY)'
  if (parsed.holders === undefined) return parsed.rotation === undefined || isRotationPhaseOnly(parsed.rotation) ? undefined : 'its rotation is not a phase'
  if (!Array.isArray(parsed.holders)) return 'its holders are not a list'
  for (const [index, entry] of (parsed.holders as unknown[]).entries()) {
    const holder = entry as null | Partial<RecordEntry>
    if (typeof holder !== 'object' || holder === null) return `holder ${index + 1} is not an object`
    if (typeof holder.app !== 'string' || !APP_NAME.test(holder.app)) return `holder ${index + 1} does not name an app`
    if (typeof holder.var !== 'string' || !KEY_VAR.test(holder.var)) return `holder ${index + 1} names ${JSON.stringify(String(holder.var)).slice(0, 60)}, not a key config var (NAME_KEY)`
    if (holder.app === parsed.owner) return `holder ${index + 1} is the owner itself`
  }

  if (typeof parsed.changed_at !== 'string') return 'it has no changed_at time'
  if (parsed.write_id !== undefined && typeof parsed.write_id !== 'string') return 'its write_id is not a string'
  const rotation = parsed.rotation as Partial<Rotation> | undefined
  if (rotation !== undefined && (typeof rotation !== 'object' || rotation === null || !ROTATION_PHASES.includes(rotation.phase as RotationPhase) || typeof rotation.new !== 'string' || typeof rotation.started_at !== 'string')) return 'its rotation is not {phase, new, started_at}'
  if (rotation !== undefined && ((rotation.run !== undefined && (typeof rotation.run !== 'string' || !/^[\da-f]{8}$/.test(rotation.run))) || (rotation.until !== undefined && typeof rotation.until !== 'string'))) return 'its rotation\'s run or until is not a run id and a time'
  return undefined
}

const isRotationPhaseOnly = (rotation: unknown): boolean => typeof rotation === 'object' && rotation !== null && ROTATION_PHASES.includes((rotation as {phase: RotationPhase}).phase)

/**
 * A record's JSON; undefined when the text is not one of ours (not JSON, or another version). `where` names the app
 * and var for the refusal of a record that is ours but broken (InvalidRecordError: every command stops before any
 * write, saying what to do).
 */
export function parseRecord(text: string | undefined, where?: {app: string, recordVar: string}): KeyRecord | undefined {
  if (!text) return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return undefined
  }

  if (typeof parsed !== 'object' || parsed === null || (parsed as {v?: unknown}).v !== VERSION) return undefined
  const problem = recordProblem(parsed as Record<string, unknown>)
  if (!problem) return parsed as KeyRecord
  const {app, recordVar} = where ?? {app: 'the app', recordVar: 'the record'}
  throw new InvalidRecordError(`${recordVar} on ${app} is not a valid securekey record: ${problem}. No command changes a key while its record is broken: restore the record with heroku releases:rollback <release> -a ${app} (heroku releases -a ${app} lists when it changed), or remove the key and its record with heroku config:unset ${recordVar.slice(0, -RECORD_SUFFIX.length)} ${recordVar} -a ${app} and set it up again.`, {
    suggestions: [`heroku releases -a ${app}`],
  })
}

export const formatRecord = (record: KeyRecord): string => JSON.stringify(record)

export function ownerRecord(owner: string, keyVar: string, now: string, holders: RecordEntry[] = []): OwnerRecord {
  return {
    changed_at: now, holders, owner, v: VERSION, var: keyVar,
  }
}

export const peerRecord = (owner: string, keyVar: string): PeerRecord => ({owner, v: VERSION, var: keyVar})

/** Every self-managed key record in `app`'s config, by the key var it describes; a broken one of ours is refused. */
export function recordsIn(config: Record<string, string>, app: string): Array<{keyVar: string, record: KeyRecord}> {
  return Object.keys(config).filter(name => name.endsWith(RECORD_SUFFIX)).sort().flatMap(name => {
    const record = parseRecord(config[name], {app, recordVar: name})
    const keyVar = name.slice(0, -RECORD_SUFFIX.length)
    return record ? [{keyVar, record}] : []
  })
}

/** A fresh key as the add-on makes them: 32 random bytes from node:crypto, 64 upper-case hex digits. */
export const newKey = (): string => randomBytes(32).toString('hex').toUpperCase()

/** Every holder of an owner record, the owner first. */
export const allRecordHolders = (record: OwnerRecord): RecordEntry[] => [{app: record.owner, var: record.var}, ...record.holders]
