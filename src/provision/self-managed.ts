/**
 * provision --self-managed: a key the plugin keeps in a plain config var on the owner (`SECURE_KEY`, or NAME_KEY with
 * --as), with its record beside it (record.ts), in one release. Safe to run again: a key this app already owns under
 * that name is shown, not replaced. A var of that name that is not ours (set by hand, or by an add-on attachment) is
 * replaced only when confirmed, like a taken attachment name.
 */
import {confirmAction, type ConfirmedBy, type Confirmer} from '../core/confirm.js'
import {
  checkAppName, checkAttachmentName, configVarFor, DEFAULT_ATTACHMENT_NAME,
} from '../core/names.js'
import {type PlatformApi} from '../core/platform-api.js'
import {type Progress, silentProgress} from '../core/progress.js'
import {confirmCuttingOff} from '../key/guard.js'
import {selfManagedKey} from '../key/model.js'
import {
  formatRecord, isOwnerRecord, newKey, ownerRecord, parseRecord, recordVarOf,
} from '../key/record.js'
import {readConfig} from '../key/self-managed.js'
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
  const configVar = configVarFor(name)
  const config = await readConfig(platform, app)
  const found = parseRecord(config[recordVarOf(configVar)], {app, recordVar: recordVarOf(configVar)})
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
  await platform.setConfigVars(app, {[configVar]: value, [recordVarOf(configVar)]: formatRecord(ownerRecord(app, configVar, (options.now?.() ?? new Date()).toISOString(), record?.holders ?? []))})
  progress.stop('done')
  return {
    ...base, confirmedBy, created: true, fingerprint: fingerprint(value.split(',')[0]), peersCutOff: peers,
  }
}
