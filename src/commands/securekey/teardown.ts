import {Args} from '@oclif/core'

import {SecurekeyCommand} from '../../core/base.js'
import {checkConfirmations, terminalConfirmer} from '../../core/confirm.js'
import {SecurekeyError} from '../../core/errors.js'
import {flags} from '../../core/flags.js'
import {PlatformError} from '../../core/platform-api.js'
import {exampleLines, prose} from '../../core/prose.js'
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
    key: Args.string({description: 'the add-on or config var, when APP owns several'}),
  }
  static description = prose`
Shows the plan, asks for the owner's name (or --confirm), detaches every peer, then removes the key from the owner
(an add-on is destroyed without force), so that no app is cut off unannounced. If a step fails, nothing is destroyed
and running it again finishes the job. --holder drops a deleted app from a self-managed key. --json: docs/json.md.`
  static enableJsonFlag = true
  static examples = exampleLines([
    {argv: '-a api --dry-run', description: 'the plan only'},
    {argv: '-a api', description: 'asks for "api"'},
    {argv: '-a api --confirm api --wait', description: 'no prompt; waits'},
  ])
  static flags = {
    app: flags.app({description: 'the app that owns the key', required: true}),
    confirm: flags.string({char: 'c', description: 'the owner\'s name (or --holder\'s), instead of a prompt'}),
    'dry-run': flags.boolean({default: false, description: 'print the plan; change nothing'}),
    holder: flags.string({description: 'only drop this deleted app from the record', exclusive: ['wait'], helpValue: '<app>'}),
    remote: flags.remote(),
    wait: flags.boolean({default: false, description: 'wait until the add-on is gone'}),
  }
  static summary = 'detach a key from every peer, then remove it'
  static usage = '<%= command.id %> [KEY] -a <value> [--confirm <value>] [--dry-run] [flags]'

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
