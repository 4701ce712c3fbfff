/**
 * `securekey:teardown KEY -a OWNER --holder APP --confirm APP`: drops one holder that no longer exists from a
 * self-managed key's record, and nothing else. A deleted app cannot have its key removed, and while the owner's record
 * lists it every rotation stops before writing anything (it must read every holder first); this is the way out.
 *
 * Only an app the API answers 404 for is dropped. One that exists keeps the key in its config and dynos: dropping it
 * would leave it holding a key the next rotation retires, so it is refused, and the key's teardown removes its key. One
 * this account cannot see (403) may still run with the key: refused too, until access is back. The confirmation is the
 * holder's name, as `heroku apps:destroy` asks for the app it destroys.
 *
 * The record changes through key/record-write.ts updateRecord (a fresh read, the change, a read-back). updateRecord
 * refuses any change while a rotation is under way, and a holder deleted mid-rotation is exactly when this is needed:
 * there the record is changed here the same way, keeping the rotation's fields as they are (only `holders` changes,
 * so the rotation continues from the same step). A rotation run cannot race it in practice: a run started once the app
 * was gone stops at it before any write, and one started earlier stops at its next read or write of that app.
 */
import {confirmAction, type Confirmer} from '../core/confirm.js'
import {ConfirmationRequiredError, InvalidInputError, NotFoundError} from '../core/errors.js'
import {type PlatformApi} from '../core/platform-api.js'
import {dropHolderCommand, goneHolder} from '../key/gone-holder.js'
import {type SharedKey} from '../key/model.js'
import {updateRecord} from '../key/record-write.js'
import {type OwnerRecord, type RecordEntry} from '../key/record.js'

export interface HolderDrop {
  app: string
  /** The record's entries for the app (one per config var it held the key in). */
  entries: RecordEntry[]
  keyVar: string
  /** The record's other holders, after the drop. */
  left: RecordEntry[]
  owner: string
}

/** What --holder drops, or why not (pure): only a peer listed in a self-managed key's record. */
export function planHolderDrop(key: SharedKey, app: string): HolderDrop {
  if (key.kind === 'addon') {
    throw new InvalidInputError(`--holder drops a holder from a self-managed key's record; ${key.name} is an add-on, whose holders are its attachments (a deleted app's attachments go with it). To remove one: heroku addons:detach <attachment> -a ${app}.`, {
      suggestions: [`heroku addons:detach <attachment> -a ${app}`],
    })
  }

  if (app === key.owner) {
    throw new InvalidInputError(`${app} owns ${key.configVar}: --holder names another app the record lists. To remove the key everywhere: heroku securekey:teardown ${key.configVar} -a ${app}.`, {
      suggestions: [`heroku securekey:teardown ${key.configVar} -a ${app}`],
    })
  }

  const entries = key.record.holders.filter(holder => holder.app === app)
  if (entries.length === 0) {
    const listed = key.record.holders.map(holder => holder.app).join(', ') || 'none'
    throw new NotFoundError(`${app} is not a holder of ${key.owner}'s ${key.configVar} (its record lists: ${listed}); nothing was changed.`, {
      suggestions: [`heroku securekey:status ${key.configVar} -a ${key.owner}`],
    })
  }

  return {
    app, entries, keyVar: key.configVar, left: key.record.holders.filter(holder => holder.app !== app), owner: key.owner,
  }
}

/** Refuses a --confirm naming another app than the holder dropped, before any request (pure). */
export function checkHolderConfirmation(drop: HolderDrop, confirmer: Pick<Confirmer, 'confirmed'>): void {
  const other = confirmer.confirmed.find(app => app !== drop.app)
  if (other === undefined) return
  throw new ConfirmationRequiredError(`--confirm ${other} does not match ${drop.app}, the holder --holder drops: nothing was changed.`, {
    suggestions: [dropHolderCommand(drop.keyVar, drop.owner, drop.app)],
  })
}

/**
 * `--confirm APP` naming the holder, or its name typed on a terminal (core/confirm.ts); a --confirm naming another app
 * is refused. Nothing has been changed when this throws.
 */
export async function confirmHolderDrop(drop: HolderDrop, confirmer: Confirmer): Promise<void> {
  checkHolderConfirmation(drop, confirmer)
  await confirmAction({
    app: drop.app,
    rerun: dropHolderCommand(drop.keyVar, drop.owner, drop.app),
    warning: `This drops ${drop.app}, which no longer exists, from ${drop.owner}'s record of ${drop.keyVar} (one release on ${drop.owner}).`,
  }, confirmer)
}

/**
 * Asks the API about the app (GET /apps/{app}): only a 404 means it no longer exists. An app that answers is refused,
 * saying what to do; any other failure is thrown as it came (a re-run may get past it).
 */
export async function checkGone(platform: PlatformApi, drop: HolderDrop): Promise<void> {
  let found: unknown
  try {
    await platform.app(drop.app)
  } catch (error) {
    const gone = goneHolder(drop.app, error)
    if (gone?.problem === 'not_found') return
    if (!gone) throw error
    found = error
  }

  const teardown = `heroku securekey:teardown ${drop.keyVar} -a ${drop.owner}`
  if (found) {
    throw new InvalidInputError(`${drop.app} exists but this account cannot see it (the Heroku API answers 403), so it may still run with ${drop.owner}'s ${drop.keyVar}: it is not dropped, and nothing was changed. Get access back (whoever can see it lists who has access with heroku access -a ${drop.app}), then run the rotation again.`, {
      suggestions: [`heroku access -a ${drop.app}`],
    })
  }

  throw new InvalidInputError(`${drop.app} still exists, and holds ${drop.owner}'s ${drop.keyVar}: --holder only drops an app that no longer exists, so nothing was changed. Its key goes with the key's teardown (${teardown}), which removes it from every holder.`, {
    suggestions: [`heroku securekey:status ${drop.keyVar} -a ${drop.owner}`, teardown],
  })
}

/**
 * Removes the app's entries from the owner's record (a checked write), during a rotation too: an app that no longer
 * exists holds no key, whatever the phase.
 */
export function dropHolder(platform: PlatformApi, drop: HolderDrop): Promise<OwnerRecord> {
  return updateRecord(platform, drop.owner, drop.keyVar, record => ({...record, holders: record.holders.filter(holder => holder.app !== drop.app)}), {
    duringRotation: true,
    holds: record => !record.holders.some(holder => holder.app === drop.app),
    what: `dropping ${drop.app}, which no longer exists`,
  })
}
