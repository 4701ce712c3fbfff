import {Args} from '@oclif/core'

import {SecurekeyCommand} from '../../core/base.js'
import {terminalConfirmer} from '../../core/confirm.js'
import {SecurekeyError} from '../../core/errors.js'
import {durationFlag, flags} from '../../core/flags.js'
import {exampleLines, prose} from '../../core/prose.js'
import {pollSchedule} from '../../core/wait.js'
import {rotate} from '../../rotate/rotate.js'
import {
  type RotateDocument, rotateDocument, rotateOutcomeLines, rotatePlanLines,
} from '../../rotate/view.js'

export default class Rotate extends SecurekeyCommand {
  static args = {
    key: Args.string({description: 'the config var, when the owner has several'}),
  }
  static description = prose`
Rotates a self-managed key in stages, so that no request between the apps is refused: every holder accepts NEW, then
every holder signs with NEW, waiting for every dyno in between. A dyno late past --timeout is named with the command
that moves it on; running it again continues. Add-on keys are refused. docs/rotation.md; --json: docs/json.md.`
  static enableJsonFlag = true
  static examples = exampleLines([
    {argv: '-a api --dry-run', description: 'the plan only'},
    {argv: '-a api --confirm api', description: 'rotate now'},
    {argv: '-a api --if-older-than 14d', description: 'only if 14 days old'},
  ])
  static flags = {
    app: flags.app({description: 'the owner app', required: true}),
    confirm: flags.string({description: 'the owner app\'s name, instead of a prompt'}),
    'dry-run': flags.boolean({description: 'show the plan; change nothing'}),
    'if-older-than': durationFlag({description: 'only when LATEST is older, e.g. 14d', helpValue: 'DURATION'}),
    'preboot-wait': durationFlag({description: 'preboot\'s window (default 5m)', helpValue: 'DURATION'}),
    remote: flags.remote(),
    timeout: durationFlag({description: 'each wait for the dynos (default 10m)', helpValue: 'DURATION'}),
  }
  static summary = 'rotate a self-managed key, refusing no request'
  static usage = '<%= command.id %> [KEY] -a <value> [--confirm <value>] [--dry-run] [flags]'

  async run(): Promise<RotateDocument> {
    const {args, flags} = await this.parse(Rotate)
    const outcome = await rotate(this.platform, {
      app: flags.app,
      confirmer: terminalConfirmer(flags.confirm === undefined ? [] : [flags.confirm]),
      dryRun: flags['dry-run'],
      ifOlderThanMs: flags['if-older-than'],
      keyVar: args.key,
      onPlan: plan => this.log(rotatePlanLines(plan).join('\n')),
      poll: pollSchedule(),
      prebootWaitMs: flags['preboot-wait'],
      progress: this.progress,
      runner: {dyno: process.env.DYNO},
      timeoutMs: flags.timeout ?? 10 * 60_000,
    })
    for (const line of rotateOutcomeLines(outcome)) this.log(line)
    const document = rotateDocument(outcome)
    if (outcome.stopped) throw new SecurekeyError(outcome.stopped.message, {document, id: 'stopped', suggestions: outcome.stopped.suggestions})
    return document
  }
}
