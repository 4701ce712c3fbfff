import {Args} from '@oclif/core'

import type {FleetDocument} from '../../fleet/view.js'
import type {StatusDocument} from '../../status/view.js'

import {SecurekeyCommand} from '../../core/base.js'
import {formatDuration} from '../../core/duration.js'
import {InvalidInputError} from '../../core/errors.js'
import {durationFlag, flags} from '../../core/flags.js'
import {exampleLines, prose} from '../../core/prose.js'
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
    key: Args.string({description: 'an add-on\'s name, or a config var on APP (e.g. SECURE_KEY)'}),
  }
  static description = prose`
Each holder's LATEST and PREVIOUS as skfp1 fingerprints (never a key) and its state against the owner's (README:
states, what to do). --json: docs/json.md.`
  static enableJsonFlag = true
  static examples = exampleLines([
    {argv: '-a billing', description: 'every key billing holds'},
    {argv: '-a billing --dynos', description: 'and dynos on an older key'},
    {argv: '-a api --wait', description: 'until every app has it'},
    {argv: '--all --check', description: 'CI: exit 1 if any is off'},
  ])
  static flags = {
    all: flags.boolean({description: 'every key of every app the account sees', exclusive: ONE_APP_FLAGS}),
    app: flags.app({description: 'an app that owns or holds the key'}),
    check: flags.boolean({description: 'exit 1 unless all in sync (and none overdue)'}),
    dynos: flags.boolean({description: 'also check the release each dyno runs'}),
    history: flags.boolean({description: 'also show the last and next rotation'}),
    'max-age': durationFlag({
      description: 'with --all/--team: older is overdue',
      helpValue: 'DURATION',
      relationships: [{flags: ['all', 'team'], type: 'some'}],
    }),
    remote: flags.remote(),
    team: flags.string({description: 'every key held by this team\'s apps', exclusive: ONE_APP_FLAGS, helpValue: 'TEAM'}),
    timeout: durationFlag({dependsOn: ['wait'], description: 'how long --wait waits (default 10m)', helpValue: 'DURATION'}),
    wait: flags.boolean({description: 'poll until every app is in sync'}),
  }
  static summary = 'compare a shared key across its apps by fingerprint'
  static usage = '<%= command.id %> [KEY] [-a <value> | --all | --team TEAM] [flags]'

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
