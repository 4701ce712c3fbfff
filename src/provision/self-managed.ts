/**
 * provision --self-managed: a key the plugin keeps in a plain config var on the owner (`SECURE_KEY`, or NAME_KEY with
 * --as), with its record beside it (record.ts), in one release. Safe to run again: a key this app already owns under
 * that name is shown, not replaced. A var of that name that is not ours (set by hand, or by an add-on attachment) is
 * replaced only when confirmed, like a taken attachment name.
 */
import {confirmAction, type ConfirmedBy, type Confirmer} from '../core/confirm.js'
import {ChangedMeanwhileError} from '../core/errors.js'
import {
  checkAppName, checkAttachmentName, DEFAULT_ATTACHMENT_NAME, keyVarFor,
} from '../core/names.js'
import {type PlatformApi} from '../core/platform-api.js'
import {type Progress, silentProgress} from '../core/progress.js'
import {confirmCuttingOff} from '../key/guard.js'
import {selfManagedKey} from '../key/model.js'
import {putBack, readOwner, writeChecked} from '../key/record-write.js'
import {
  formatRecord, isOwnerRecord, newKey, ownerRecord, parseRecord, recordVarFor,
} from '../key/record.js'
import {fingerprint, parseSecureKey} from '../runtime/key.js'

export interface SelfManagedProvisionOptions {
  app: string
  as?: string
  confirmer: Confirmer
  dryRun: boolean
  now?: () => Date
  progress?: Progress
}

export interface SelfManagedProvisionOutcome {
  app: string
  configVar: string
  confirmedBy?: ConfirmedBy
  created: boolean
  dryRun: boolean
  /** LATEST's fingerprint (absent on a dry run that would create). */
  fingerprint?: string
  /** Peers of a replaced key, confirmed and now holding another key than the owner's. */
  peersCutOff?: string[]
}

export async function provisionSelfManaged(platform: PlatformApi, options: SelfManagedProvisionOptions): Promise<SelfManagedProvisionOutcome> {
  const {app, dryRun} = options
  checkAppName(app)
  const name = options.as === undefined ? DEFAULT_ATTACHMENT_NAME : checkAttachmentName(options.as)
  const configVar = keyVarFor(name)
  // The base of a checked write (record-write.ts): two provisions at once end with one key, the first one's.
  const read = await readOwner(platform, app)
  const {config} = read
  const found = parseRecord(config[recordVarFor(configVar)], {app, recordVar: recordVarFor(configVar)})
  const record = found && isOwnerRecord(found) && found.owner === app ? found : undefined
  const existing = parseSecureKey(config[configVar])
  const base = {app, configVar, dryRun}
  if (record && existing.ok) {
    return {...base, created: false, fingerprint: existing.pair.latest.fingerprint}
  }

  // A broken key whose record lists peers: a new key cuts them off, so each must be confirmed (on a dry run too).
  const rerun = `heroku securekey:provision -a ${app} --self-managed${options.as ? ` --as ${name}` : ''}`
  const peers = record ? confirmCuttingOff(selfManagedKey(record), options.confirmer.confirmed, `setting a new ${configVar}`, rerun) : []
  if (dryRun) return {...base, created: false}
  let confirmedBy: ConfirmedBy | undefined
  if (configVar in config) {
    confirmedBy = await confirmAction({
      app,
      rerun: `heroku securekey:provision -a ${app} --self-managed${options.as ? ` --as ${name}` : ''} --confirm ${app}`,
      warning: `${configVar} is already set on ${app} and is not a self-managed key of this plugin; confirming replaces it with a new key.`,
    }, options.confirmer)
  }

  const progress = options.progress ?? silentProgress
  const value = `${newKey()},${newKey()}`
  progress.start(`Setting a new self-managed ${configVar} on ${app}`)
  // The former peers stay listed, so status reports them (diverged) instead of forgetting them.
  const recordVar = recordVarFor(configVar)
  const {replaced} = await writeChecked(platform, app, read, {[configVar]: value, [recordVar]: formatRecord(ownerRecord(app, configVar, (options.now?.() ?? new Date()).toISOString(), record?.holders ?? []))})
  if (replaced) {
    // Another command set this var between our read and our write: theirs goes back, so no key is replaced unconfirmed.
    await putBack(platform, app, replaced, [configVar, recordVar])
    progress.stop('another command set it first')
    throw new ChangedMeanwhileError(`Another command set ${configVar} on ${app} (release v${replaced.version}) while this one was setting it, so this run put that one back and kept it: ${app} has one ${configVar}, not the one this run made. Check it with heroku securekey:status ${configVar} -a ${app}.`, {
      suggestions: [`heroku securekey:status ${configVar} -a ${app}`],
    })
  }

  progress.stop('done')
  return {
    ...base, confirmedBy, created: true, fingerprint: fingerprint(value.split(',')[0]), peersCutOff: peers,
  }
}
