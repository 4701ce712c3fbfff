
import {SecurekeyCommand} from '../../core/base.js'
import {terminalConfirmer} from '../../core/confirm.js'
import {flags} from '../../core/flags.js'
import {exampleLines, prose} from '../../core/prose.js'
import {pollSchedule} from '../../core/wait.js'
import {provision} from '../../provision/provision.js'
import {provisionSelfManaged} from '../../provision/self-managed.js'
import {
  type ProvisionDocument, provisionDocument, provisionLines, selfManagedDocument, selfManagedLines,
} from '../../provision/view.js'

export default class Provision extends SecurekeyCommand {
  static description = prose`
Creates the key an app owns and shares: the securekey add-on (SECURE_KEY unless --as), or with --self-managed a key
the plugin keeps in a config var and securekey:rotate can rotate. Safe to run again: an existing key is shown, not
replaced. Prints the skfp1 fingerprint, never the key. --json: docs/json.md.`
  static enableJsonFlag = true
  static examples = exampleLines([
    {argv: '-a api', description: 'create, or show its own'},
    {argv: '-a api --self-managed', description: 'a key you rotate'},
    {argv: '-a api --dry-run', description: 'change nothing'},
    {argv: '-a api --wait', description: 'until it is provisioned'},
  ])
  static flags = {
    another: flags.boolean({description: 'one more add-on, under its own --as'}),
    app: flags.app({description: 'the owner app', required: true}),
    as: flags.string({description: 'attachment name; the config var is NAME_KEY'}),
    confirm: flags.string({description: 'replace what holds the name on this app', multiple: true}),
    'dry-run': flags.boolean({description: 'show what would be created; change nothing'}),
    name: flags.string({description: 'a global name for the add-on'}),
    plan: flags.string({default: 'fortnightly', description: 'securekey plan'}),
    remote: flags.remote(),
    'self-managed': flags.boolean({description: 'a key in a config var, no add-on'}),
    wait: flags.boolean({description: 'wait until the add-on is provisioned'}),
  }
  static summary = 'create the shared key an app owns, or show it'
  static usage = '<%= command.id %> -a <value> [--self-managed] [flags]'

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
