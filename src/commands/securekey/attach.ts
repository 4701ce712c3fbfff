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
import {exampleLines, prose} from '../../core/prose.js'

export default class Attach extends SecurekeyCommand {
  static args = {
    addon: Args.string({description: 'the add-on (name or UUID) or self-managed key to attach', required: false}),
  }
  static description = prose`
Gives each -a app the owner's key under a config var of its own (service-1 → SERVICE_1_SECURE_KEY; --as picks
another), then compares its fingerprint with the owner's. Each app gets a release. Safe to run again. --json:
docs/json.md.`
  static enableJsonFlag = true
  static examples = exampleLines([
    {argv: '--from api -a billing', description: 'as API_SECURE_KEY'},
    {argv: '--from api -a billing -a search', description: 'two apps at once'},
    {argv: '--from api -a billing --as PEER', description: 'as PEER_KEY'},
    {argv: '--from api -a billing --dry-run', description: 'change nothing'},
  ])
  static flags = {
    app: flags.app({description: 'app to attach it to (repeatable)', multiple: true, required: true}),
    as: flags.string({description: 'attachment name; the config var is NAME_KEY'}),
    confirm: flags.string({description: 'replace what holds the name on this app', multiple: true}),
    'dry-run': flags.boolean({description: 'show what would be attached; change nothing'}),
    from: flags.string({description: 'the app that owns the key'}),
    remote: flags.remote(),
  }
  static summary = 'give other apps the key an app owns'
  static usage = '<%= command.id %> [ADDON] --from <value> -a <value>... [flags]'

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
