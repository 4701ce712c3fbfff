/* eslint-disable camelcase -- the record is JSON in a config var, in the Platform API's snake_case */
/**
 * Changing a self-managed key's record safely when other commands may change it at the same time.
 *
 * Heroku's config vars have no compare-and-set, but every config write makes a release and a release's config can be
 * read back. A checked write (`writeChecked`) uses that: it reads the owner's newest release version, then its config
 * (in that order, so a write landing between the two shows both in the config and as a release after that version);
 * writes; then lists the releases made since. When ours is the only one, nothing came between. Otherwise it reads
 * their configs: ours is the first one carrying exactly what we wrote, and the release just before it is what our
 * write replaced. When that differs from what we read, another command wrote meanwhile and we replaced its change.
 * This way the later of two writers always finds out (the earlier one cannot, and does not need to): the later one
 * re-applies its change on top of the other's (updateRecord: never dropping the other's holders), or yields and puts
 * the other's value back (a new rotation, a new key). In the common case this costs a release listing before the read
 * and one after the write (where a blind write read the config back: one request more), plus one read per release
 * in between when there is any.
 *
 * A record that says a rotation is under way is not changed here (the rotation owns the record until it completes),
 * except by a change that every rotation state allows (`duringRotation`: dropping a holder that no longer exists).
 */
import {randomBytes} from 'node:crypto'

import {ChangedMeanwhileError, SecurekeyError} from '../core/errors.js'
import {type ConfigVars, type PlatformApi} from '../core/platform-api.js'
import {
  formatRecord, isOwnerRecord, type OwnerRecord, parseRecord, recordVarFor,
} from './record.js'
import {rotationUnderWay} from './rotation-state.js'

const TRIES = 3
/** Releases listed after a write: more than this many since our read means the owner is too busy to tell. */
const LOOKBACK = 10

/** The refusal of a change to a key whose rotation is under way. */
export function rotationInProgress(record: OwnerRecord, what: string): SecurekeyError {
  const finish = `heroku securekey:rotate ${record.var} -a ${record.owner} --confirm ${record.owner}`
  return new SecurekeyError(`A rotation of ${record.owner}'s ${record.var} is under way (${record.rotation?.phase} since ${record.rotation?.started_at}), so ${what} would race it and could leave an app with the old key; nothing was changed. Let the rotation finish (or finish it: ${finish}), then run this command again.`, {
    id: 'rotation_in_progress', suggestions: [finish],
  })
}

/** The owner's record in a config (a fresh read or a release's), undefined when the key or its record is gone. */
export function ownerRecordIn(config: ConfigVars, owner: string, keyVar: string): OwnerRecord | undefined {
  const record = parseRecord(config[recordVarFor(keyVar)], {app: owner, recordVar: recordVarFor(keyVar)})
  return record && isOwnerRecord(record) && record.owner === owner && keyVar in config ? record : undefined
}

/** The owner's record as it is now (a fresh read, never the cache); undefined when the key is gone. */
export async function currentRecord(platform: PlatformApi, owner: string, keyVar: string): Promise<OwnerRecord | undefined> {
  return ownerRecordIn(await platform.configVars(owner), owner, keyVar)
}

/** What a checked write is based on: the owner's config, and its newest release when (or just before) it was read. */
export interface OwnerRead {
  config: ConfigVars
  version: number
}

/** A fresh read of the owner for a checked write: its newest release first, then its config (see the file comment). */
export async function readOwner(platform: PlatformApi, owner: string): Promise<OwnerRead> {
  const [newest] = await platform.releases(owner, 1)
  return {config: await platform.configVars(owner), version: newest?.version ?? 0}
}

const applied = (config: ConfigVars, changes: Record<string, null | string>): ConfigVars => {
  const next = {...config}
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) delete next[name]
    else next[name] = value
  }

  return next
}

const carries = (config: ConfigVars, changes: Record<string, null | string>): boolean => Object.entries(changes).every(([name, value]) => (value === null ? !(name in config) : config[name] === value))

/**
 * Which release is ours among those made since `base` (ascending), and the config our write replaced when another
 * command had changed one of the written vars meanwhile, with its release (pure). Ours is the first release carrying exactly `changes`:
 * a later one is a command that yielded to us and put our value back. Every write carries something no other command
 * writes (a record's write_id, a new key), so another command's release cannot be taken for ours. Undefined when none
 * carries it (then nothing can be told).
 */
export function replacedBy(base: OwnerRead, changes: Record<string, null | string>, since: readonly OwnerRead[]): undefined | {ours: OwnerRead, replaced?: OwnerRead} {
  const index = since.findIndex(release => carries(release.config, changes))
  if (index === -1) return undefined
  const before = index === 0 ? base : since[index - 1]
  const changed = Object.keys(changes).some(name => before.config[name] !== base.config[name])
  return {ours: since[index], replaced: changed ? before : undefined}
}

/**
 * Writes `changes` to `owner` in one release and tells what the write replaced: `replaced` is the config another
 * command had written meanwhile (see replacedBy), undefined when nothing came between `base` and our write. `ours` is
 * the base for a next checked write. Secrets in the configs read stay in memory.
 */
export async function writeChecked(platform: PlatformApi, owner: string, base: OwnerRead, changes: Record<string, null | string>): Promise<{ours: OwnerRead, replaced?: OwnerRead}> {
  await platform.setConfigVars(owner, changes)
  const since = (await platform.releases(owner, LOOKBACK)).filter(release => (release.version ?? 0) > base.version).reverse()
  if (since.length <= 1) return {ours: {config: applied(base.config, changes), version: since[0]?.version ?? base.version}}
  const busy = new ChangedMeanwhileError(`${owner} got ${since.length} releases while this command changed ${Object.keys(changes).join(', ')}, so it cannot tell whether another command changed them meanwhile. Check with heroku releases -a ${owner}, then run this command again.`, {
    suggestions: [`heroku releases -a ${owner}`],
  })
  if (since.length >= LOOKBACK) throw busy
  const configs = await platform.each(since, release => platform.releaseConfigVars(owner, release.version!))
  const verdict = replacedBy(base, changes, since.map((release, index) => ({config: configs[index], version: release.version!})))
  if (!verdict) throw busy
  return verdict
}

/** Yields to the command a checked write replaced: the vars written go back to what that command had set. */
export async function putBack(platform: PlatformApi, owner: string, replaced: OwnerRead, names: readonly string[]): Promise<void> {
  await platform.setConfigVars(owner, Object.fromEntries(names.map(name => [name, replaced.config[name] ?? null])))
}

const gone = (owner: string, keyVar: string, what: string) => new ChangedMeanwhileError(`${owner}'s ${keyVar} or its record was removed while ${what}; nothing more was changed. Check with heroku securekey:status -a ${owner}.`, {suggestions: [`heroku securekey:status -a ${owner}`]})

const keyChanged = (owner: string, keyVar: string, what: string) => new ChangedMeanwhileError(`${owner}'s ${keyVar} changed (a rotation or a new key) while ${what}, so its record was not changed. Check with heroku securekey:status ${keyVar} -a ${owner}, then run this command again.`, {suggestions: [`heroku securekey:status ${keyVar} -a ${owner}`]})

/**
 * Applies `change` to the owner's record through checked writes: when another command wrote the record between our
 * read and our write, the change is applied again on top of what it wrote, so neither command's holders are lost; a
 * rotation or a removal that came between is put back and the change refused. `holds` tells whether a record already
 * carries the change; `what` names it for the messages ("attaching service-3"); `keyValue`, the owner's key the change
 * was made for (attach copied it to the peers): a record of another key is not changed; `duringRotation`: the change
 * holds whatever the rotation's phase, so it is made (and re-applied) while one is under way.
 */
export async function updateRecord(platform: PlatformApi, owner: string, keyVar: string, change: (record: OwnerRecord) => OwnerRecord, options: {duringRotation?: boolean, holds: (record: OwnerRecord) => boolean, keyValue?: string, what: string}): Promise<OwnerRecord> {
  const refused = (record: OwnerRecord) => !options.duringRotation && rotationUnderWay(record)
  const recordVar = recordVarFor(keyVar)
  let read = await readOwner(platform, owner)
  let from = ownerRecordIn(read.config, owner, keyVar)
  if (!from) throw gone(owner, keyVar, options.what)
  if (refused(from)) throw rotationInProgress(from, options.what)
  if (options.keyValue !== undefined && read.config[keyVar] !== options.keyValue) throw keyChanged(owner, keyVar, options.what)
  if (options.holds(from)) return from
  for (let attempt = 1; attempt <= TRIES; attempt++) {
    const next = {...change(from), write_id: randomBytes(4).toString('hex')}
    // eslint-disable-next-line no-await-in-loop -- each try builds on what the previous one found
    const {ours, replaced} = await writeChecked(platform, owner, read, {[recordVar]: formatRecord(next)})
    if (!replaced) return next
    from = ownerRecordIn(replaced.config, owner, keyVar)
    if (!from || refused(from) || (options.keyValue !== undefined && replaced.config[keyVar] !== options.keyValue)) {
      // Our write replaced a rotation's record, a teardown's removal or a new key's record: theirs goes back, we stop.
      // eslint-disable-next-line no-await-in-loop
      await putBack(platform, owner, replaced, [recordVar])
      if (!from) throw gone(owner, keyVar, options.what)
      throw refused(from) ? rotationInProgress(from, options.what) : keyChanged(owner, keyVar, options.what)
    }

    read = ours
  }

  throw new ChangedMeanwhileError(`Another command kept changing ${owner}'s ${keyVar} record while ${options.what}, so the change could not be made to stick after ${TRIES} tries. Run this command again once the other one has finished.`, {
    suggestions: [`heroku securekey:status -a ${owner}`],
  })
}
