/**
 * Changing a self-managed key's record safely when other commands may change it at the same time. Heroku's config
 * vars have no compare-and-set, so a change is applied to a fresh read of the owner's record, written, and read back:
 * when the read-back lacks the change (another command wrote over it meanwhile), the change is applied again to what
 * is there now, so neither command's holders are lost; after three tries it stops, naming the other change. A record
 * that says a rotation is under way is never changed here (the rotation owns the record until it completes).
 */
import {ChangedMeanwhileError, SecurekeyError} from '../core/errors.js'
import {type PlatformApi} from '../core/platform-api.js'
import {
  formatRecord, isOwnerRecord, type OwnerRecord, parseRecord, recordVarOf,
} from './record.js'
import {rotationUnderWay} from './rotation-state.js'

const TRIES = 3

/** The refusal of a change to a key whose rotation is under way. */
export function rotationInProgress(record: OwnerRecord, what: string): SecurekeyError {
  const finish = `heroku securekey:rotate ${record.var} -a ${record.owner} --confirm ${record.owner}`
  return new SecurekeyError(`A rotation of ${record.owner}'s ${record.var} is under way (${record.rotation?.phase} since ${record.rotation?.started_at}), so ${what} would race it and could leave an app with the old key; nothing was changed. Let the rotation finish (or finish it: ${finish}), then run this command again.`, {
    id: 'rotation_in_progress', suggestions: [finish],
  })
}

/** The owner's record as it is now (a fresh read, never the cache); undefined when the key is gone. */
export async function currentRecord(platform: PlatformApi, owner: string, keyVar: string): Promise<OwnerRecord | undefined> {
  const config = await platform.configVars(owner)
  const record = parseRecord(config[recordVarOf(keyVar)], {app: owner, recordVar: recordVarOf(keyVar)})
  return record && isOwnerRecord(record) && record.owner === owner && keyVar in config ? record : undefined
}

/**
 * Applies `change` to the owner's record and makes sure it holds: `holds` tells whether a record read back carries it.
 * `what` names the command's change for the messages ("attaching service-3").
 */
export async function updateRecord(platform: PlatformApi, owner: string, keyVar: string, change: (record: OwnerRecord) => OwnerRecord, options: {holds: (record: OwnerRecord) => boolean, what: string}): Promise<OwnerRecord> {
  for (let attempt = 1; attempt <= TRIES; attempt++) {
    // eslint-disable-next-line no-await-in-loop -- each try reads what the previous one left
    const record = await currentRecord(platform, owner, keyVar)
    if (!record) throw new ChangedMeanwhileError(`${owner}'s ${keyVar} or its record was removed while ${options.what}; nothing more was changed. Check with heroku securekey:status -a ${owner}.`, {suggestions: [`heroku securekey:status -a ${owner}`]})
    if (rotationUnderWay(record)) throw rotationInProgress(record, options.what)
    if (options.holds(record)) return record
    const next = change(record)
    // eslint-disable-next-line no-await-in-loop
    await platform.setConfigVars(owner, {[recordVarOf(keyVar)]: formatRecord(next)})
    // eslint-disable-next-line no-await-in-loop
    const back = await currentRecord(platform, owner, keyVar)
    if (back && options.holds(back)) return back
  }

  throw new ChangedMeanwhileError(`Another command kept changing ${owner}'s ${keyVar} record while ${options.what}, so the change could not be made to stick after ${TRIES} tries. Run this command again once the other one has finished.`, {
    suggestions: [`heroku securekey:status -a ${owner}`],
  })
}
