import {Args} from '@oclif/core'

import {
  anyFailed, type AttachOutcome, attachTarget, checkAttachInput, executeAttach, planAttach, previewAttach,
} from '../../attach/attach.js'
import {attachSelfManaged} from '../../attach/self-managed.js'
import {
  attachDocument, type AttachDocument, attachFailureMessage, attachOutcomeLines, attachPlanLines, attachWarnings, readBackFailureMessage,
} from '../../attach/view.js'
import {SecurekeyCommand} from '../../core/base.js'
import {terminalConfirmer} from '../../core/confirm.js'
import {SecurekeyError} from '../../core/errors.js'
import {flags} from '../../core/flags.js'
import {prose} from '../../core/prose.js'

export default class Attach extends SecurekeyCommand {
  static args = {
    addon: Args.string({description: 'the securekey add-on to attach (its name or UUID), or a self-managed key\'s config var with --from; or use --from alone', required: false}),
  }
  static description = prose`
The add-on is named, or found on the app that owns it (--from). With no add-on there, --from finds the self-managed key the
app owns (securekey:provision --self-managed; ADDON names it by its config var when it owns several): its value is copied to
each app with a pointer to the owner, and the owner's record lists the app.
Each app given with -a gets the key under an attachment name derived from the owner (service-1 → SERVICE_1_SECURE, so the config var SERVICE_1_SECURE_KEY),
never the bare SECURE that an app's own securekey add-on uses; --as chooses another name.
Attaching sets that config var on the app, which makes a release and restarts its dynos.

Safe to run again: an app already attached under that name is reported and left alone.
When the name is taken on an app by something else, the API asks for a confirmation: type the app's name at the prompt, or pass --confirm APP.
Without a terminal and without --confirm, that app is left unchanged and the command exits non-zero.

After attaching, each app's config var is compared with the owner's by skfp1 fingerprint; a mismatch is a loud warning.
One app failing does not stop the others; the exit code is non-zero if any failed.

--json prints one document, described in docs/json.md ("securekey:attach"); no key value is ever in it.`
  static enableJsonFlag = true
  static examples = [
    {command: '<%= config.bin %> <%= command.id %> --from service-1 -a service-2', description: 'give service-2 the key of service-1\'s add-on, as SERVICE_1_SECURE_KEY'},
    {command: '<%= config.bin %> <%= command.id %> securekey-solid-14332 --as SERVICE_ONE_SECURE -a service-2 -a service-3', description: 'attach a named add-on to two apps as SERVICE_ONE_SECURE'},
    {command: '<%= config.bin %> <%= command.id %> --from service-1 -a service-2 --dry-run', description: 'show what would be attached where, changing nothing'},
    {command: '<%= config.bin %> <%= command.id %> --from service-1 -a service-2 --confirm service-2', description: 'replace whatever holds the name on service-2 without asking'},
  ]
  static flags = {
    app: flags.app({description: 'app to attach the add-on to (repeat for several)', multiple: true, required: true}),
    as: flags.string({description: 'attachment name on the apps; the config var is NAME_KEY (default: from the owner app, e.g. SERVICE_1_SECURE)'}),
    confirm: flags.string({description: 'replace what holds the attachment name on this app without asking (repeatable)', multiple: true}),
    'dry-run': flags.boolean({description: 'show what would be attached; send no mutating request'}),
    from: flags.string({description: 'the app that owns the securekey add-on (instead of naming the add-on)'}),
    remote: flags.remote(),
  }
  static summary = 'attach an app\'s securekey add-on to other apps, so that they share its key'

  async run(): Promise<AttachDocument> {
    const {args, flags} = await this.parse(Attach)
    // flags.app's default (HEROKU_APP or the git remote) comes back as a bare string even for a multiple flag.
    const given: string[] = [flags.app].flat()
    const input = {
      addon: args.addon, as: flags.as, confirm: flags.confirm ?? [], from: flags.from, peers: given,
    }
    const peers = checkAttachInput(input)
    const confirmer = terminalConfirmer(input.confirm)
    const {configs, key} = await attachTarget(this.platform, input, peers)
    let outcome: AttachOutcome
    if (key.kind === 'self-managed') {
      outcome = await attachSelfManaged(this.platform, {configs, key}, {
        as: input.as, confirmer, dryRun: flags['dry-run'], onPlan: plan => this.log(attachPlanLines(plan, flags['dry-run']).join('\n')), peers, progress: this.progress,
      })
    } else {
      const plan = await planAttach(this.platform, key, input, peers)
      for (const line of attachPlanLines(plan, flags['dry-run'])) this.log(line)
      outcome = flags['dry-run'] ? await previewAttach(this.platform, plan, confirmer) : await executeAttach(this.platform, plan, confirmer, this.progress)
    }

    for (const line of attachOutcomeLines(outcome)) this.log(line)
    for (const warning of attachWarnings(outcome)) this.warn(warning)
    const document = attachDocument(outcome)
    if (anyFailed(outcome)) throw new SecurekeyError(attachFailureMessage(outcome), {document, id: 'failed'})
    const unread = readBackFailureMessage(outcome)
    if (unread) throw new SecurekeyError(unread, {document, id: 'failed', suggestions: [`heroku securekey:status -a ${outcome.plan.owner}`]})

    return document
  }
}
