/**
 * Provisioning a securekey add-on on its owner app, safely re-runnable.
 *
 * A re-run is the normal case (a set-up script run twice), so the first question is always whether the app already
 * owns a securekey add-on: if it does, nothing is created and the existing one is shown. `another` creates a further
 * one on purpose; it must then be attached under its own name, since reusing a name the first one holds on the owner
 * would replace the first key (the API asks for confirmation, and a confirmed replacement would cut its peers off).
 *
 * An add-on that is still `provisioning` (a re-run right after an asynchronous create, or a create just sent) is
 * waited for with `wait`, polling GET /addons/{id}; one that ended `deprovisioned` is a failed provision and is
 * ignored by a re-run, which then creates a new one.
 */
import type * as Heroku from '@heroku-cli/schema'

import {
  checkConfirmations, type ConfirmedBy, type Confirmer, sendConfirmed,
} from '../core/confirm.js'
import {SecurekeyError} from '../core/errors.js'
import {
  attachmentNameOf, checkAddonName, checkAppName, checkAttachmentName, checkPlanName, DEFAULT_ATTACHMENT_NAME, keyVarFor,
  reportedKeyVar,
} from '../core/names.js'
import {
  describeFailure, isNotFound, type PlatformApi, PlatformError,
} from '../core/platform-api.js'
import {type Progress, silentProgress} from '../core/progress.js'
import {type PollSchedule, pollUntil} from '../core/wait.js'
import {ownerOf, SECUREKEY_SERVICE, securekeyAddons} from '../key/addons.js'
import {latestFingerprint} from '../key/compare.js'
import {confirmCuttingOff, peersOf} from '../key/guard.js'
import {selfManagedKeysOn} from '../key/self-managed.js'

export interface ProvisionOptions {
  /** Create one more even though the app already owns a securekey add-on. */
  another: boolean
  app: string
  /** The attachment name on the owner; without it the API's default (SECURE → SECURE_KEY). */
  as?: string
  confirmer: Confirmer
  dryRun: boolean
  /** The add-on's globally unique name; the API picks one (securekey-solid-14332) without it. */
  name?: string
  /** The securekey plan, without the service: `fortnightly`. */
  plan: string
  /** How `wait` polls (core/wait.ts). */
  poll: PollSchedule
  progress?: Progress
  wait: boolean
  /** How long `wait` waits before giving up (the add-on keeps provisioning; a re-run with --wait picks it up). */
  waitTimeoutMs?: number
}

export interface ProvisionOutcome {
  /** The add-on created or found; absent when a dry run would create one. */
  addon?: Heroku.AddOn
  /** The owner's attachment and the config var it sets, as the API reports them (or as they will be, on a dry run). */
  attachment: {configVar: string, name: string}
  /** Set when the attachment name was taken on the owner and the replacement was agreed. */
  confirmedBy?: ConfirmedBy
  created: boolean
  dryRun: boolean
  /** LATEST's skfp1 fingerprint in the owner's config var, when readable. */
  fingerprint?: string
  /** Why there is no fingerprint (never the value): not provisioned yet, var not set, malformed. */
  fingerprintProblem?: string
  /** Other securekey add-ons the app owns besides `addon`. */
  others: Heroku.AddOn[]
  plan: string
}

export type ProvisionDecision = {action: 'create'} | {action: 'reuse', addon: Heroku.AddOn, others: Heroku.AddOn[]}

const GONE_STATES = new Set(['deprovisioned', 'deprovisioning'])

/** The attachment names (derived from the config var names the API reports) an add-on holds on its owner. */
export function ownerAttachmentNames(addon: Heroku.AddOn): string[] {
  return (addon.config_vars ?? []).map(name => attachmentNameOf(name)).filter((name): name is string => name !== undefined)
}

/**
 * Whether to create or to show what exists (pure). Among several existing add-ons the one matching `name` or `as` is
 * shown, else the oldest. With `another`, refuses a name an existing add-on already holds on the owner.
 */
export function decideProvision(owned: Heroku.AddOn[], options: Pick<ProvisionOptions, 'another' | 'app' | 'as' | 'name'>): ProvisionDecision {
  const live = owned.filter(addon => !GONE_STATES.has(addon.state ?? ''))
  if (live.length === 0) return {action: 'create'}
  if (options.another) {
    const wanted = options.as ?? DEFAULT_ATTACHMENT_NAME
    const holder = live.find(addon => ownerAttachmentNames(addon).includes(wanted))
    if (holder) {
      throw new SecurekeyError(`${options.app} already owns ${holder.name}, attached as ${wanted} (${keyVarFor(wanted)}); a second add-on needs a name of its own, or it would replace that key.`, {
        suggestions: [`heroku securekey:provision -a ${options.app} --another --as ${wanted}_2`],
      })
    }

    return {action: 'create'}
  }

  const sorted = [...live].sort((a, b) => (a.created_at ?? '').localeCompare(b.created_at ?? ''))
  const named = sorted.find(candidate => candidate.name === options.name)
  const asNamed = sorted.find(candidate => options.as !== undefined && ownerAttachmentNames(candidate).includes(options.as))
  const addon = named ?? asNamed ?? sorted[0]
  return {action: 'reuse', addon, others: sorted.filter(candidate => candidate !== addon)}
}

/** An unknown plan or service, in the words the issue asks for: "securekey:<plan> is not available: <why>". */
export function planNotAvailable(plan: string, why: string, available: string[] = []): SecurekeyError {
  return new SecurekeyError(`${SECUREKEY_SERVICE}:${plan} is not available: ${why}`, {
    suggestions: [
      ...(available.length > 0 ? available.map(name => `--plan ${name.split(':')[1] ?? name}`) : [`heroku addons:plans ${SECUREKEY_SERVICE}`]),
      '--self-managed (a key this plugin keeps in a config var, no add-on needed)',
    ],
  })
}

/** Whether a failed create was about the plan or service rather than the app or a name. */
export function isPlanRejection(error: unknown): error is PlatformError {
  if (!(error instanceof PlatformError)) return false
  if (error.status === 404) return error.resource !== 'app'
  return error.status === 422 && /plan|service/i.test(error.message)
}

async function checkPlanAvailable(platform: PlatformApi, plan: string): Promise<void> {
  let plans: Heroku.Plan[]
  try {
    plans = await platform.plans(SECUREKEY_SERVICE)
  } catch (error) {
    if (isNotFound(error)) throw planNotAvailable(plan, error.message)
    throw error
  }

  const names = plans.map(candidate => candidate.name ?? '')
  if (!names.includes(`${SECUREKEY_SERVICE}:${plan}`)) {
    throw planNotAvailable(plan, `the ${SECUREKEY_SERVICE} service offers ${names.join(', ') || 'no plans'}.`, names)
  }
}

/** Polls until the add-on leaves `provisioning`; a failed provision (`deprovisioned`) is an error naming the app. */
export async function waitUntilProvisioned(platform: PlatformApi, addon: Heroku.AddOn, options: Pick<ProvisionOptions, 'poll' | 'progress' | 'waitTimeoutMs'>): Promise<Heroku.AddOn> {
  const progress = options.progress ?? silentProgress
  progress.start(`Waiting for ${addon.name} to be provisioned on ${ownerOf(addon)}`)
  const poll = () => platform.addon(addon.id ?? addon.name!).catch((error: unknown) => {
    progress.stop('failed')
    const failed = `checking whether it is provisioned failed: ${describeFailure(error)}`
    throw new SecurekeyError(`${addon.name} exists on ${ownerOf(addon)}, but ${failed}. Nothing else was changed; re-run with --wait to keep waiting.`, {
      suggestions: [`heroku securekey:provision -a ${ownerOf(addon)} --wait`],
    })
  })
  const {done, value: current} = await pollUntil(poll, {
    done: polled => polled.state !== 'provisioning',
    rateLimit: platform,
    schedule: options.poll,
    timeoutMs: options.waitTimeoutMs ?? 20 * 60 * 1000,
  })
  if (!done) {
    progress.stop('still provisioning')
    throw new SecurekeyError(`${addon.name} is still provisioning on ${ownerOf(addon)}; nothing else was changed.`, {
      suggestions: [`heroku securekey:provision -a ${ownerOf(addon)} --wait`],
    })
  }

  progress.stop(current.state === 'provisioned' ? 'provisioned' : current.state ?? 'done')
  return current
}

function failedProvision(addon: Heroku.AddOn, app: string): SecurekeyError {
  const why = addon.provision_message ? `: ${addon.provision_message}` : ''
  return new SecurekeyError(`${addon.name} could not be provisioned on ${app} (state ${addon.state})${why}. Run the command again to create a new one.`, {
    suggestions: [`heroku securekey:provision -a ${app}`],
  })
}

/** The attachment name on the owner when none is listed: the one asked for, else the add-on's first config var's, else SECURE. */
function expectedAttachmentName(addon: Heroku.AddOn, as?: string): string {
  return as ?? attachmentNameOf(addon.config_vars?.[0] ?? '') ?? DEFAULT_ATTACHMENT_NAME
}

/** The owner's attachment and LATEST's fingerprint for a provisioned add-on (two reads, in parallel). */
async function describe(platform: PlatformApi, addon: Heroku.AddOn, app: string, as?: string): Promise<Pick<ProvisionOutcome, 'attachment' | 'fingerprint' | 'fingerprintProblem'>> {
  const [attachments, vars] = await Promise.all([platform.attachmentsOf(addon.id ?? addon.name!), platform.configVars(app)])
  const onOwner = attachments.filter(attachment => attachment.app?.name === app)
  const attachment = onOwner.find(candidate => candidate.name === as) ?? onOwner[0]
  const name = attachment?.name ?? expectedAttachmentName(addon, as)
  const configVar = reportedKeyVar(attachment, addon, name)
  const {fingerprint, problem} = latestFingerprint(vars, configVar, app)
  return {attachment: {configVar, name}, fingerprint, fingerprintProblem: problem}
}

/**
 * Checks what was typed before any request (pure): app, attachment and add-on names, and the plan (a --confirm is
 * checked once the peers of a self-managed key it would replace are known: see guardSelfManaged). Returns the options
 * with the plan reduced to its bare name (`securekey:fortnightly` → `fortnightly`).
 */
export function checkProvisionInput(options: ProvisionOptions): ProvisionOptions {
  checkAppName(options.app)
  if (options.as !== undefined) checkAttachmentName(options.as)
  if (options.name !== undefined) checkAddonName(options.name)
  return {
    ...options, another: options.another === true, dryRun: options.dryRun === true, plan: checkPlanName(options.plan), wait: options.wait === true,
  }
}

/** Finds or creates the app's securekey add-on, as the options say; see the file comment. */
export async function provision(platform: PlatformApi, given: ProvisionOptions): Promise<ProvisionOutcome> {
  const options = checkProvisionInput(given)
  const {app, as, dryRun, plan} = options
  const owned = await securekeyAddons(platform, {app, purpose: 'securekey:provision creates securekey add-ons', scope: 'owned'})
  const decision = decideProvision(owned, options)
  if (decision.action === 'reuse') {
    checkConfirmations(options.confirmer.confirmed, [app])
    const {addon, others} = decision
    return settle(platform, addon, options, {created: false, others, plan: addon.plan?.name ?? `${SECUREKEY_SERVICE}:${plan}`})
  }

  // Before any create (a dry run too): a self-managed key the add-on would replace, and who must confirm it.
  await guardSelfManaged(platform, options)
  await checkPlanAvailable(platform, plan)
  const planName = `${SECUREKEY_SERVICE}:${plan}`
  if (dryRun) {
    const name = as ?? DEFAULT_ATTACHMENT_NAME
    return {
      attachment: {configVar: keyVarFor(name), name}, created: false, dryRun, others: [], plan: planName,
    }
  }

  const {confirmedBy, result} = await create(platform, options, planName)
  if (!options.another) await refuseDuplicates(platform, result, app, options.poll)
  return settle(platform, result, options, {
    confirmedBy, created: true, others: [], plan: result.plan?.name ?? planName,
  })
}

/**
 * An add-on attached as NAME sets NAME_KEY: where the app keeps a self-managed key of that name with peers, the add-on
 * would replace it and cut them off, so the owner and each peer must be confirmed (on a dry run too), and the refusal
 * of a taken name names them rather than suggesting the owner alone. A --confirm naming any other app is refused. One
 * read of the app's config; returns the peers a confirmed replacement cuts off.
 */
async function guardSelfManaged(platform: PlatformApi, options: ProvisionOptions): Promise<string[]> {
  const {app, as} = options
  const name = as ?? DEFAULT_ATTACHMENT_NAME
  const {confirmed} = options.confirmer
  const keys = await selfManagedKeysOn(platform, app, new Map())
  const replaced = keys.find(key => key.kind === 'self-managed' && key.owner === app && key.configVar === keyVarFor(name))
  const peers = replaced?.kind === 'self-managed' ? peersOf(replaced) : []
  checkConfirmations(confirmed, [app, ...peers])
  if (replaced?.kind === 'self-managed') confirmCuttingOff(replaced, confirmed, `an add-on attached as ${name}`, `heroku securekey:provision -a ${app}${as ? ` --as ${as}` : ''}`)
  return peers
}

/**
 * Two provisions of one app at once both see no add-on and both create one. So, after creating, the app's securekey
 * add-ons are listed again: more than one live one is reported with the command that removes the extra ones, and the
 * run exits non-zero. The one kept is the one whose key the app holds (then the oldest), so both runs name the same.
 * An add-on still provisioning may yet take the attachment name (a create with `confirm` replaces the holder), so the
 * listing is repeated until none is provisioning before one is chosen.
 */
async function refuseDuplicates(platform: PlatformApi, created: Heroku.AddOn, app: string, poll: PollSchedule): Promise<void> {
  let owned: Heroku.AddOn[]
  try {
    const list = () => securekeyAddons(platform, {app, purpose: 'securekey:provision creates securekey add-ons', scope: 'owned'})
    const settledList = await pollUntil(list, {
      done: addons => addons.filter(addon => !GONE_STATES.has(addon.state ?? '')).length <= 1 || !addons.some(addon => addon.state === 'provisioning'),
      rateLimit: platform,
      schedule: poll,
      timeoutMs: 5 * 60_000,
    })
    owned = settledList.value
  } catch (error) {
    const check = `listing ${app}'s add-ons afterwards (to check that no other run created one at the same time) failed`
    throw new SecurekeyError(`Created ${created.name} on ${app}, but ${check}: ${describeFailure(error)}.`, {
      suggestions: [`heroku addons -a ${app}`],
    })
  }

  const unattached = (addon: Heroku.AddOn) => Number(ownerAttachmentNames(addon).length === 0)
  const live = owned.filter(addon => !GONE_STATES.has(addon.state ?? ''))
  .sort((a, b) => unattached(a) - unattached(b) || (a.created_at ?? '').localeCompare(b.created_at ?? '') || (a.name ?? '').localeCompare(b.name ?? ''))
  if (live.length <= 1) return
  const extra = live.slice(1)
  const remove = extra.map(addon => `heroku addons:destroy ${addon.name} -a ${app} --confirm ${app}`)
  const names = live.map(addon => addon.name).join(', ')
  const what = `${app} now owns ${live.length} securekey add-ons (${names}): another provision created one at the same time as this one (${created.name}).`
  throw new SecurekeyError(`${what} Keep ${live[0].name}; remove the other${extra.length === 1 ? '' : 's'} with: ${remove.join(', then ')}.`, {
    suggestions: remove,
  })
}

/** Sends the create, through the confirmation flow; a refused plan or service becomes "securekey:<plan> is not available". */
async function create(platform: PlatformApi, options: ProvisionOptions, planName: string): Promise<{confirmedBy?: ConfirmedBy, result: Heroku.AddOn}> {
  const {app, as} = options
  const taken = as ?? DEFAULT_ATTACHMENT_NAME
  const progress = options.progress ?? silentProgress
  progress.start(`Creating ${planName} on ${app}`)
  try {
    const created = await sendConfirmed(
      // The name is taken (the API asked for a confirmation); a self-managed key's peers were confirmed before.
      async confirm => platform.createAddon({
        app, attachmentName: as, confirm, name: options.name, plan: planName,
      }),
      {
        app,
        rerun: `heroku securekey:provision -a ${app}${as ? ` --as ${as}` : ''} --confirm ${app}`,
        warning: message => `The attachment name ${taken} is already taken on ${app} (${message}); confirming replaces it with the new add-on's key.`,
      },
      options.confirmer,
    )
    progress.stop(created.result.state ?? 'done')
    return created
  } catch (error) {
    if (isPlanRejection(error)) throw planNotAvailable(options.plan, error.message)
    if (!(error instanceof PlatformError)) throw error
    throw new PlatformError(error.status, error.id, `Creating ${planName} on ${app} failed: ${error.message} A re-run checks what exists first`, error.resource)
  }
}

/** From an add-on just created or found: waits if asked, refuses a failed provision, then reads its key's fingerprint. */
async function settle(
  platform: PlatformApi,
  found: Heroku.AddOn,
  options: ProvisionOptions,
  base: Pick<ProvisionOutcome, 'confirmedBy' | 'created' | 'others' | 'plan'>,
): Promise<ProvisionOutcome> {
  const {app, as, dryRun} = options
  const addon = found.state === 'provisioning' && options.wait && !dryRun ? await waitUntilProvisioned(platform, found, options) : found
  if (addon.state === 'deprovisioned') throw failedProvision(addon, app)
  const described = addon.state === 'provisioning' ? pending(addon, as) : await describe(platform, addon, app, as)
  return {
    ...base, ...described, addon, dryRun,
  }
}

function pending(addon: Heroku.AddOn, as?: string): Pick<ProvisionOutcome, 'attachment' | 'fingerprintProblem'> {
  const name = expectedAttachmentName(addon, as)
  return {
    attachment: {configVar: reportedKeyVar(undefined, addon, name), name},
    fingerprintProblem: `${addon.name} is still provisioning`,
  }
}
