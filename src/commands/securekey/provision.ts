
import {SecurekeyCommand} from '../../core/base.js'
import {terminalConfirmer} from '../../core/confirm.js'
import {flags} from '../../core/flags.js'
import {prose} from '../../core/prose.js'
import {pollSchedule} from '../../core/wait.js'
import {provision} from '../../provision/provision.js'
import {provisionSelfManaged} from '../../provision/self-managed.js'
import {
  type ProvisionDocument, provisionDocument, provisionLines, selfManagedDocument, selfManagedLines,
} from '../../provision/view.js'

export default class Provision extends SecurekeyCommand {
  static description = prose`
Safe to run again: when the app already owns a securekey add-on, nothing is created and that add-on is shown.
--another creates one more on purpose, under an attachment name of its own (--as).
Prints the add-on, its owner, plan, the config var the API reports (SECURE_KEY unless --as) and the skfp1 fingerprint of LATEST; never the key itself.

When the attachment name is already taken on the app, the API asks for a confirmation: type the app's name at the prompt, or pass --confirm APP.
Without a terminal and without --confirm, the command stops, changing nothing, with a non-zero exit.
An add-on still provisioning is reported with the command to wait for it; --wait polls from every 2 s, backing off to 30 s (HEROKU_SECUREKEY_WAIT_INTERVAL_MS sets the first pause).

--json prints one document, described in docs/json.md ("securekey:provision"); no key value is ever in it.`
  static enableJsonFlag = true
  static examples = [
    {command: '<%= config.bin %> <%= command.id %> -a service-1', description: 'create service-1\'s securekey add-on (SECURE_KEY), or show the one it owns'},
    {command: '<%= config.bin %> <%= command.id %> -a service-1 --wait', description: 'wait until the add-on is provisioned and show its fingerprint'},
    {command: '<%= config.bin %> <%= command.id %> -a service-1 --dry-run', description: 'show what would be created, changing nothing'},
    {command: '<%= config.bin %> <%= command.id %> -a service-1 --another --as PARTNER_SECURE', description: 'create a second add-on on purpose, as PARTNER_SECURE_KEY'},
    {command: '<%= config.bin %> <%= command.id %> -a service-1 --self-managed', description: 'no add-on: a key this plugin keeps in SECURE_KEY and can rotate (securekey:rotate)'},
  ]
  static flags = {
    another: flags.boolean({description: 'create another securekey add-on even though the app already owns one (give it its own --as)'}),
    app: flags.app({description: 'the app that owns (or will own) the add-on', required: true}),
    as: flags.string({description: 'attachment name on the app; the config var is NAME_KEY (default: the API\'s SECURE, so SECURE_KEY)'}),
    confirm: flags.string({description: 'replace what holds the name on this app without asking (the app\'s name; repeat with each peer\'s name to replace a shared self-managed key)', multiple: true}),
    'dry-run': flags.boolean({description: 'show what would be created; send no mutating request'}),
    name: flags.string({description: 'globally unique name for the add-on (default: chosen by Heroku, e.g. securekey-solid-14332)'}),
    plan: flags.string({default: 'fortnightly', description: 'securekey plan'}),
    remote: flags.remote(),
    'self-managed': flags.boolean({description: 'keep the key in a plain config var, managed by this plugin (no add-on); securekey:rotate can rotate it'}),
    wait: flags.boolean({description: 'wait until the add-on is provisioned, then show its fingerprint'}),
  }
  static summary = 'create the securekey add-on an app owns and shares, or show the one it already owns'

  async run(): Promise<ProvisionDocument> {
    const {flags} = await this.parse(Provision)
    const confirmer = terminalConfirmer(flags.confirm ?? [])
    if (flags['self-managed']) {
      const outcome = await provisionSelfManaged(this.platform, {
        app: flags.app, as: flags.as, confirmer, dryRun: flags['dry-run'], progress: this.progress,
      })
      for (const line of selfManagedLines(outcome)) this.log(line)
      return selfManagedDocument(outcome)
    }

    const outcome = await provision(this.platform, {
      another: flags.another,
      app: flags.app,
      as: flags.as,
      confirmer,
      dryRun: flags['dry-run'],
      name: flags.name,
      plan: flags.plan,
      poll: pollSchedule(),
      progress: this.progress,
      wait: flags.wait,
    })
    for (const line of provisionLines(outcome, flags.app)) this.log(line)
    return provisionDocument(outcome, flags.app)
  }
}
