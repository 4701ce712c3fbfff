import {Args} from '@oclif/core'

import type {FleetDocument} from '../../fleet/view.js'
import type {StatusDocument} from '../../status/view.js'

import {SecurekeyCommand} from '../../core/base.js'
import {formatDuration} from '../../core/duration.js'
import {InvalidInputError} from '../../core/errors.js'
import {durationFlag, flags} from '../../core/flags.js'
import {prose} from '../../core/prose.js'
import {pollSchedule} from '../../core/wait.js'
import {fleetCheckError, fleetHealthy, readFleet} from '../../fleet/fleet.js'
import {
  addDetails, everyKeyInSync, type KeyStatus, notInSyncError, readStatus, statusTargets, waitForSync,
} from '../../status/status.js'

const DEFAULT_TIMEOUT_MS = 10 * 60_000
/** What --all and --team cannot be combined with: they report every key, not one app's. */
const ONE_APP_FLAGS = ['app', 'remote', 'dynos', 'history', 'wait', 'timeout']

export default class Status extends SecurekeyCommand {
  static args = {
    key: Args.string({description: 'the key: an add-on\'s name or UUID, or an attachment name or config var on APP (e.g. SECURE_KEY)'}),
  }
  static description = prose`
For each shared key (the one KEY names, or every key APP owns or holds: securekey add-ons and self-managed keys alike,
found from the owner or any peer) lists every holder with the skfp1 fingerprints of LATEST and PREVIOUS and a state against the owner's value: in sync (both equal), behind (its
LATEST is the owner's PREVIOUS: a rotation not applied yet), staged (a securekey:rotate in progress: it accepts the
new key, still signing with the current one), ahead (its PREVIOUS is the owner's LATEST), diverged
(anything else, e.g. overwritten by hand), missing, malformed (not two keys; non-standard key text is only flagged),
unreachable (the app could not be read, with the reason), or unknown (the owner's own value is missing, malformed or
unreachable, so there is nothing to compare with; the summary then says whether the other apps agree). No key value
is ever printed, only fingerprints.

Exit status: 0 for the report whatever the states; with --check, 1 unless every app is in sync; with --wait, 0 once
every app is in sync, 1 when --timeout passes first (the last table is printed). Errors (no such add-on, no access to
it) exit 1 too.

--json prints one document, described in docs/json.md ("securekey:status"); no key value is ever in it.

Cost: the attachments in one request, then every app's config vars at once through a pool of 50: N+1 requests for N
apps, plus the resolution. --wait polls with back-off (2 s, ×1.5, up to 30 s; slower when RateLimit-Remaining is
low); HEROKU_SECUREKEY_WAIT_INTERVAL_MS sets the first pause.

--all (every app the account can see, team apps included) or --team TEAM (that team's apps): one line per shared key,
add-on and self-managed alike: owner, config var, kind, holders, overall state (in sync, staged, behind, diverged,
missing, unreachable, naming the apps not in sync), age of LATEST and whether it is overdue: older than --max-age, by
default the plan's interval + 3 days for an add-on (17 days for fortnightly) and 30 days for a self-managed key. With
--check, exit 1 when any key is not in sync or overdue, or the reads stopped early. --json: docs/json.md ("securekey:status --all"). Cost: the app list, every
add-on and every attachment in account-wide lists, one config read per app (a self-managed key leaves no other
trace), and about 1 + log2(releases) requests per add-on key for its age; the reads stop before RateLimit-Remaining
falls below 500.`
  static enableJsonFlag = true
  static examples = [
    {command: '<%= config.bin %> <%= command.id %> -a service-2', description: 'every securekey add-on service-2 owns or is attached to'},
    {command: '<%= config.bin %> <%= command.id %> securekey-solid-14332 --dynos --history', description: 'also which dynos still run an older key, and the last and next rotation'},
    {command: '<%= config.bin %> <%= command.id %> -a service-1 --check', description: 'in CI or cron: exit 1 unless every app is in sync'},
    {command: '<%= config.bin %> <%= command.id %> -a service-1 --wait --timeout 15m', description: 'after a rotation: wait until every app has the new key'},
    {command: '<%= config.bin %> <%= command.id %> --all --check', description: 'every shared key of the account: exit 1 if any is out of sync or overdue'},
    {command: '<%= config.bin %> <%= command.id %> --team payments --max-age 21d --json', description: 'one team\'s keys, overdue after 21 days, as one document'},
  ]
  static flags = {
    all: flags.boolean({description: 'every shared key of every app the account can see, team apps included', exclusive: ONE_APP_FLAGS}),
    app: flags.app({description: 'an app that owns or is attached to the add-on (or the app an attachment name is on)'}),
    check: flags.boolean({description: 'exit 1 unless every app is in sync (with --all: and no key overdue; for CI and cron)'}),
    dynos: flags.boolean({description: 'also show which dynos still run a release with another key'}),
    history: flags.boolean({description: 'also show the owner\'s last rotation and the next expected one'}),
    'max-age': durationFlag({
      description: 'with --all or --team: a key whose LATEST is older is overdue (default: an add-on plan\'s interval + 3d, 30d for a self-managed key)',
      helpValue: 'DURATION',
      relationships: [{flags: ['all', 'team'], type: 'some'}],
    }),
    remote: flags.remote(),
    team: flags.string({description: 'every shared key held by the apps of this team', exclusive: ONE_APP_FLAGS, helpValue: 'TEAM'}),
    timeout: durationFlag({dependsOn: ['wait'], description: 'how long --wait waits, e.g. 90s, 5m, 1h (default 10m)', helpValue: 'DURATION'}),
    wait: flags.boolean({description: 'poll until every app is in sync (exit 0) or --timeout passes (exit 1)'}),
  }
  static summary = 'compare the securekey key across every app that holds it, by fingerprint'

  async run(): Promise<FleetDocument | StatusDocument> {
    const {args, flags} = await this.parse(Status)
    if (flags.all || flags.team) {
      if (args.key) throw new InvalidInputError(`--all and --team report every key; ${args.key} names one: drop it, or run heroku securekey:status ${args.key} alone.`, {exit: 2})
      // Like the status view below: only when there is a report to print (hux's table loads ink and react).
      const {fleetDocument, renderFleet} = await import('../../fleet/view.js')
      const report = await readFleet(this.platform, {maxAgeMs: flags['max-age'], progress: this.progress, team: flags.team})
      const document = fleetDocument(report)
      if (!this.jsonEnabled()) renderFleet(report)
      if (flags.check && !fleetHealthy(report)) throw fleetCheckError(report, document)
      return document
    }

    // The view (hux's table: @oclif/table, ink, react) only when there is a report to print: --help never loads it.
    const {renderStatus, statusDocument, waitStatus} = await import('../../status/view.js')
    const resolution = await statusTargets(this.platform, {app: flags.app, key: args.key})
    let statuses: KeyStatus[]
    let waited: string | undefined
    if (flags.wait) {
      const timeoutMs = flags.timeout ?? DEFAULT_TIMEOUT_MS
      this.progress.start('Waiting until every app is in sync')
      const result = await waitForSync(this.platform, resolution, {
        onPoll: (polled, next) => next !== undefined && this.progress.update(waitStatus(polled, next)), schedule: pollSchedule(), timeoutMs,
      })
      this.progress.stop(result.inSync ? 'every app is in sync' : `timed out after ${formatDuration(timeoutMs)}`)
      statuses = result.statuses
      if (!result.inSync) waited = formatDuration(timeoutMs)
      await addDetails(this.platform, statuses, {dynos: flags.dynos, history: flags.history})
    } else {
      statuses = await readStatus(this.platform, resolution, {dynos: flags.dynos, history: flags.history})
    }

    const document = statusDocument(statuses)
    if (!this.jsonEnabled()) renderStatus(statuses)
    if ((flags.check || flags.wait) && !everyKeyInSync(statuses)) {
      // The report is the point even when it fails the check: it is printed, then exit 1 with who is out of sync.
      throw notInSyncError(statuses, waited, document)
    }

    return document
  }
}
