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

export const RECORD_SUFFIX = '_RECORD'
const VERSION = 1

export interface Holder {
  app: string
  var: string
}

export interface Rotation {
  /** The new LATEST's fingerprint. */
  new: string
  /** staged: every holder gets "CUR,NEW"; promoted: "NEW,CUR"; complete: every dyno runs NEW. */
  phase: 'complete' | 'promoted' | 'staged'
  started_at: string
}

export interface OwnerRecord {
  changed_at: string
  holders: Holder[]
  owner: string
  rotation?: Rotation
  v: number
  var: string
}

export interface PeerRecord {
  owner: string
  /** The phase of a rotation in progress, for the runtime helper on this app (rotation.ts isStaged). */
  rotation?: Pick<Rotation, 'phase'>
  v: number
  var: string
}

export type KeyRecord = OwnerRecord | PeerRecord

export const recordVarOf = (keyVar: string): string => `${keyVar}${RECORD_SUFFIX}`

export const isOwnerRecord = (record: KeyRecord): record is OwnerRecord => 'holders' in record

/** A record's JSON, or undefined when the text is not one of ours. */
export function parseRecord(text: string | undefined): KeyRecord | undefined {
  if (!text) return undefined
  try {
    const parsed = JSON.parse(text) as Partial<OwnerRecord>
    if (parsed?.v !== VERSION || typeof parsed.owner !== 'string' || typeof parsed.var !== 'string') return undefined
    if (parsed.holders !== undefined && !Array.isArray(parsed.holders)) return undefined
    return parsed as KeyRecord
  } catch {
    return undefined
  }
}

export const formatRecord = (record: KeyRecord): string => JSON.stringify(record)

export function ownerRecord(owner: string, keyVar: string, now: string, holders: Holder[] = []): OwnerRecord {
  return {
    changed_at: now, holders, owner, v: VERSION, var: keyVar,
  }
}

export const peerRecord = (owner: string, keyVar: string): PeerRecord => ({owner, v: VERSION, var: keyVar})

/** Every self-managed key record in an app's config, by the key var it describes. */
export function recordsIn(config: Record<string, string>): Array<{keyVar: string, record: KeyRecord}> {
  return Object.keys(config).filter(name => name.endsWith(RECORD_SUFFIX)).sort().flatMap(name => {
    const record = parseRecord(config[name])
    const keyVar = name.slice(0, -RECORD_SUFFIX.length)
    return record && record.var !== undefined ? [{keyVar, record}] : []
  })
}

/** A fresh key as the add-on makes them: 32 random bytes from node:crypto, 64 upper-case hex digits. */
export const newKey = (): string => randomBytes(32).toString('hex').toUpperCase()

/** Every holder of an owner record, the owner first. */
export const allHolders = (record: OwnerRecord): Holder[] => [{app: record.owner, var: record.var}, ...record.holders]
