import {Args} from '@oclif/core'

import {SecurekeyCommand} from '../../core/base.js'
import {checkConfirmations, terminalConfirmer} from '../../core/confirm.js'
import {SecurekeyError} from '../../core/errors.js'
import {flags} from '../../core/flags.js'
import {PlatformError} from '../../core/platform-api.js'
import {prose} from '../../core/prose.js'
import {pollSchedule} from '../../core/wait.js'
import {type SharedKey} from '../../key/model.js'
import {
  checkGone, checkHolderConfirmation, confirmHolderDrop, dropHolder, planHolderDrop,
} from '../../teardown/holder.js'
import {executeSelfManagedTeardown, planSelfManagedTeardown} from '../../teardown/self-managed.js'
import {
  confirmTeardown, executeTeardown, planTeardown, teardownTarget,
} from '../../teardown/teardown.js'
import {
  dryRunLines, type HolderDropDocument, holderDropDocument, holderDropLines, nothingToTearDown, planLines, resultLines, type TeardownDocument, teardownDocument,
} from '../../teardown/view.js'

export default class Teardown extends SecurekeyCommand {
  static args = {
    key: Args.string({description: 'the key: an add-on\'s name or UUID, or a self-managed key\'s config var; default: the one APP owns'}),
  }
  static description = prose`
Shows the plan first (each peer, the config var it loses, the destroy), asks for the owner app's name (or --confirm),
detaches every peer, lists the attachments again, and destroys the add-on on its owner without force, so that no app
is cut off unannounced. If a step fails, nothing is destroyed and running the same command again finishes the job.
On a self-managed key (no add-on) it removes the key var and its record from every peer, then from the owner.
An app that owns no shared key has nothing to tear down: that is not an error. When it owns several, name one.
--holder APP drops only APP from a self-managed key's record, when APP no longer exists (the API answers 404: a deleted
app, whose key cannot be removed and which stops every rotation); confirmed by --confirm APP. An app that still exists,
or that this account cannot see, is refused.
--wait polls from every 2 s, backing off to 30 s (HEROKU_SECUREKEY_WAIT_INTERVAL_MS sets the first pause).

--json prints one document, described in docs/json.md ("securekey:teardown"); no key value is ever in it. When the teardown stops, complete is false and the exit code 1.`
  static enableJsonFlag = true
  static examples = [
    {command: '<%= config.bin %> <%= command.id %> -a service-1 --dry-run', description: 'show what would be detached and destroyed, changing nothing'},
    {command: '<%= config.bin %> <%= command.id %> -a service-1', description: 'tear down the securekey add-on service-1 owns (asks for service-1 to be typed)'},
    {command: '<%= config.bin %> <%= command.id %> securekey-solid-14332 -a service-1 --confirm service-1 --wait', description: 'without a prompt, waiting until the add-on is gone'},
    {command: '<%= config.bin %> <%= command.id %> SECURE_KEY -a service-1 --holder service-9 --confirm service-9', description: 'drop service-9, deleted, from the record of service-1\'s self-managed key'},
  ]
  static flags = {
    app: flags.app({required: true}),
    confirm: flags.string({char: 'c', description: 'the owner app\'s name (with --holder, that app\'s name), to confirm without a prompt'}),
    'dry-run': flags.boolean({default: false, description: 'print the plan and stop, changing nothing'}),
    holder: flags.string({description: 'only drop this app from a self-managed key\'s record, when it no longer exists (confirmed with --confirm <app>)', exclusive: ['wait'], helpValue: '<app>'}),
    remote: flags.remote(),
    wait: flags.boolean({default: false, description: 'wait until the add-on is gone when the provider deprovisions it later'}),
  }
  static summary = 'detach a securekey add-on from every peer app, then destroy it on its owner'

  async run(): Promise<HolderDropDocument | TeardownDocument> {
    const {args, flags} = await this.parse(Teardown)
    const dryRun = flags['dry-run']
    const target = await teardownTarget(this.platform, {app: flags.app, key: args.key}).catch((error: unknown) => {
      if (!(error instanceof PlatformError)) throw error
      throw new PlatformError(error.status, error.id, `Finding what to tear down on ${flags.app} failed, so nothing was changed: ${error.message}`, error.resource)
    })
    if (!target) {
      this.log(nothingToTearDown(flags.app))
      return teardownDocument(undefined, {dryRun})
    }

    const {key} = target
    if (flags.holder !== undefined) return this.dropHolder(key, flags.holder, {confirm: flags.confirm, dryRun})
    const plan = key.kind === 'addon' ? planTeardown(key, target.attachments) : planSelfManagedTeardown(key)
    this.log(planLines(plan).join('\n'))
    if (dryRun) {
      // A --confirm naming another app contradicts the plan shown: refused, as a real run would.
      checkConfirmations(flags.confirm === undefined ? [] : [flags.confirm], [plan.owner], {of: plan.key.name})
      this.log(dryRunLines(plan).join('\n'))
      return teardownDocument(plan, {dryRun})
    }

    await confirmTeardown(plan, terminalConfirmer(flags.confirm === undefined ? [] : [flags.confirm]))
    const result = key.kind === 'self-managed'
      ? await executeSelfManagedTeardown(this.platform, plan, {progress: this.progress})
      : await executeTeardown(this.platform, plan, {poll: pollSchedule(), progress: this.progress, wait: flags.wait})
    this.log(resultLines(plan, result).join('\n'))
    const document = teardownDocument(plan, {dryRun, result})
    if (result.stopped) throw new SecurekeyError(result.stopped.message, {document, id: 'stopped'})

    return document
  }

  private async dropHolder(key: SharedKey, app: string, options: {confirm?: string, dryRun: boolean}): Promise<HolderDropDocument> {
    const drop = planHolderDrop(key, app)
    const confirmer = terminalConfirmer(options.confirm === undefined ? [] : [options.confirm])
    checkHolderConfirmation(drop, confirmer)
    await checkGone(this.platform, drop)
    if (options.dryRun) {
      this.log(holderDropLines(drop, {dryRun: true, left: drop.left}).join('\n'))
      return holderDropDocument(key, drop, {dryRun: true, left: drop.left})
    }

    await confirmHolderDrop(drop, confirmer)
    this.progress.start(`Dropping ${drop.app} from ${drop.owner}'s record of ${drop.keyVar}`)
    const record = await dropHolder(this.platform, drop)
    this.progress.stop('done')
    this.log(holderDropLines(drop, {dryRun: false, left: record.holders}).join('\n'))
    return holderDropDocument(key, drop, {dryRun: false, left: record.holders})
  }
}
