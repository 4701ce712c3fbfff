/**
 * What securekey:provision prints: lines a user can check (add-on, owner, plan, config var, fingerprint) and the
 * --json document. Both are built from the outcome only, which holds fingerprints and never a key value.
 */
/* eslint-disable camelcase -- the --json documents use the Platform API's snake_case */
import type {ProvisionOutcome} from './provision.js'
import type {SelfManagedProvisionOutcome} from './self-managed.js'

import * as color from '../core/color.js'
import {addonKey, type KeyJson, keyJson} from '../key/model.js'

/**
 * The --json document of securekey:provision. `key.name` is null only on a dry run that would create an add-on;
 * `fingerprint.latest` is null while the add-on is provisioning or when its config var cannot be read.
 */
export interface ProvisionDocument {
  attachment: {config_var: string, name: string}
  created: boolean
  dry_run: boolean
  fingerprint: {latest: null | string}
  key: KeyJson
}

export function provisionDocument(outcome: ProvisionOutcome, app: string): ProvisionDocument {
  const {addon} = outcome
  const key = addon
    ? keyJson(addonKey({...addon, plan: {...addon.plan, name: addon.plan?.name ?? outcome.plan}}))
    : {
      addon: {id: null, plan: outcome.plan, state: null}, config_var: outcome.attachment.configVar, kind: 'addon' as const, name: null, owner: app,
    }
  return {
    attachment: {config_var: outcome.attachment.configVar, name: outcome.attachment.name},
    created: outcome.created,
    dry_run: outcome.dryRun,
    fingerprint: {latest: outcome.fingerprint ?? null},
    key: {...key, config_var: outcome.attachment.configVar},
  }
}

function details(outcome: ProvisionOutcome, app: string): string[] {
  const {addon, attachment} = outcome
  const rows: Array<[string, string]> = [
    ['Add-on', color.addon(addon?.name ?? '(named by the API)')],
    ['Owner', color.app(addon?.app?.name ?? app)],
    ['Plan', outcome.plan],
    ['State', addon?.state ?? 'not created'],
    ['Config var', `${color.name(attachment.configVar)} (attachment ${color.attachment(attachment.name)})`],
    ['Fingerprint', outcome.fingerprint ? `${outcome.fingerprint} (LATEST)` : `unknown: ${outcome.fingerprintProblem ?? 'not created yet'}`],
  ]
  const width = Math.max(...rows.map(([label]) => label.length)) + 1
  return rows.map(([label, value]) => `  ${`${label}:`.padEnd(width)} ${value}`)
}

/** The lines securekey:provision prints on stdout (warnings and spinners go to stderr). */
export function provisionLines(outcome: ProvisionOutcome, app: string): string[] {
  const {addon} = outcome
  const lines: string[] = []
  if (!addon) {
    const dynos = `setting ${color.name(outcome.attachment.configVar)} makes a release and restarts ${color.app(app)}'s dynos`
    return [
      `Dry run: would create a ${outcome.plan} add-on on ${color.app(app)}, attached as ${color.attachment(outcome.attachment.name)}; ${dynos}.`,
      ...details(outcome, app),
      'Nothing was changed.',
    ]
  }

  const name = color.addon(addon.name ?? '')
  if (outcome.created) {
    lines.push(addon.state === 'provisioning' ? `Created ${name} on ${color.app(app)}; it is still provisioning.` : `Created ${name} on ${color.app(app)}.`)
  } else {
    const real = outcome.dryRun ? 'Dry run: ' : ''
    lines.push(`${real}${color.app(app)} already owns ${name}: ${outcome.dryRun ? 'a real run creates' : 'created'} nothing (--another creates one more on purpose).`)
  }

  if (outcome.confirmedBy) {
    const by = outcome.confirmedBy === 'flag' ? '--confirm' : 'you'
    lines.push(`The attachment name ${color.attachment(outcome.attachment.name)} was taken on ${color.app(app)} and has been replaced (confirmed by ${by}).`)
  }

  lines.push(...details(outcome, app))
  if (outcome.others.length > 0) lines.push(`${color.app(app)} also owns ${outcome.others.map(other => color.addon(other.name ?? '')).join(', ')}.`)
  if (addon.state === 'provisioning') {
    const waitCommand = color.code(`heroku securekey:provision -a ${app} --wait`)
    lines.push(`Its fingerprint is known once it is provisioned: ${waitCommand} waits for it (or check with ${color.code(`heroku addons:info ${addon.name}`)}).`)
  } else if (!outcome.dryRun) {
    lines.push(`Share it with: ${color.code(`heroku securekey:attach ${addon.name} -a <other-app>`)}`)
  }

  return lines
}

/** The document and lines of provision --self-managed: the same shape, with no add-on. */
export function selfManagedDocument(outcome: SelfManagedProvisionOutcome): ProvisionDocument {
  return {
    attachment: {config_var: outcome.configVar, name: outcome.configVar.replace(/_KEY$/, '')},
    created: outcome.created,
    dry_run: outcome.dryRun,
    fingerprint: {latest: outcome.fingerprint ?? null},
    key: {
      addon: null, config_var: outcome.configVar, kind: 'self-managed', name: outcome.configVar, owner: outcome.app,
    },
  }
}

export function selfManagedLines(outcome: SelfManagedProvisionOutcome): string[] {
  const {app, configVar} = outcome
  const key = `${color.name(configVar)} on ${color.app(app)}`
  if (outcome.dryRun && !outcome.fingerprint) return [`Dry run: would set a new self-managed ${key} (one release; ${color.app(app)}'s dynos restart).`, 'Nothing was changed.']
  const head = outcome.created ? `Created the self-managed key ${key}.` : `${color.app(app)} already owns the self-managed key ${configVar}: created nothing.`
  const cutOff = outcome.peersCutOff?.length ? [`${outcome.peersCutOff.join(', ')} still hold${outcome.peersCutOff.length === 1 ? 's' : ''} the replaced key (confirmed): securekey:status shows ${outcome.peersCutOff.length === 1 ? 'it' : 'them'} as diverged until attached again.`] : []
  return [
    head,
    ...cutOff,
    `  Config var:  ${configVar} (self-managed; record in ${configVar}_RECORD)`,
    `  Fingerprint: ${outcome.fingerprint} (LATEST)`,
    `Share it with: ${color.code(`heroku securekey:attach --from ${app} -a <other-app>`)}; rotate it with: ${color.code(`heroku securekey:rotate -a ${app}`)}`,
  ]
}
