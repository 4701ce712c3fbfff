import {Args} from '@oclif/core'

import {SecurekeyCommand} from '../../core/base.js'
import {terminalConfirmer} from '../../core/confirm.js'
import {SecurekeyError} from '../../core/errors.js'
import {durationFlag, flags} from '../../core/flags.js'
import {prose} from '../../core/prose.js'
import {pollSchedule} from '../../core/wait.js'
import {goneHolderSuggestions} from '../../key/gone-holder.js'
import {rotate} from '../../rotate/rotate.js'
import {
  type RotateDocument, rotateDocument, rotateOutcomeLines, rotatePlanLines,
} from '../../rotate/view.js'

export default class Rotate extends SecurekeyCommand {
  static args = {
    key: Args.string({description: 'the key\'s config var on the owner, when it owns several (e.g. SECURE_KEY)'}),
  }
  static description = prose`
A staged rotation of a self-managed key (securekey:provision --self-managed), so that no request between the apps is
refused while their dynos restart: every holder first gets "CUR,NEW" (accepts NEW, still signs with CUR); once every
dyno of every holder (one-off run.N and scheduler.N dynos too) runs that, every holder gets "NEW,CUR"; then it waits
until every dyno signs with NEW. A dyno that does not get there within --timeout is named with the command that
restarts or stops it, and the rotation stops there, safely: running the same command again continues it, never making
a second NEW over a staged one.

An add-on key cannot be rotated by anyone but its provider: rotate refuses it, changing nothing.

--json prints one document, described in docs/json.md ("securekey:rotate"); no key value is ever in it. Exit 0 when the rotation completed or was not due, 1 when it stopped.`
  static enableJsonFlag = true
  static examples = [
    {command: '<%= config.bin %> <%= command.id %> -a service-1 --dry-run', description: 'show each app, its releases and restarts, changing nothing'},
    {command: '<%= config.bin %> <%= command.id %> -a service-1 --confirm service-1', description: 'rotate service-1\'s self-managed key on every app that holds it'},
    {command: '<%= config.bin %> <%= command.id %> -a service-1 --confirm service-1 --if-older-than 14d', description: 'from a daily Heroku Scheduler job: a fortnightly rotation'},
  ]
  static flags = {
    app: flags.app({description: 'the app that owns the self-managed key', required: true}),
    confirm: flags.string({description: 'the owner app\'s name, to confirm without a prompt'}),
    'dry-run': flags.boolean({description: 'show the plan; send no mutating request'}),
    'if-older-than': durationFlag({description: 'rotate only when LATEST is older than this, e.g. 14d', helpValue: 'DURATION'}),
    remote: flags.remote(),
    timeout: durationFlag({description: 'how long each wait for the dynos lasts (default 10m)', helpValue: 'DURATION'}),
  }
  static summary = 'rotate a self-managed key on every app that holds it, without refusing a request'

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
      progress: this.progress,
      timeoutMs: flags.timeout ?? 10 * 60_000,
    })
    for (const line of rotateOutcomeLines(outcome)) this.log(line)
    const document = rotateDocument(outcome)
    if (outcome.stopped) {
      const suggestions = [...outcome.stopped.stragglers.map(dyno => dyno.command), ...goneHolderSuggestions(outcome.stopped.gone ?? [], outcome.key)]
      throw new SecurekeyError(outcome.stopped.message, {document, id: 'stopped', suggestions})
    }

    return document
  }
}
