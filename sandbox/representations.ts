/* eslint-disable camelcase -- these objects are the API's wire format, snake_case field names included */
import type * as Heroku from '@heroku-cli/schema'

import {createHash} from 'node:crypto'

import type {
  AddonRecord, AppRecord, AttachmentRecord, DynoRecord, ReleaseRecord, SandboxState,
} from './state.js'

import {
  findPlan, findService, type PlanRecord, type ServiceRecord,
} from './catalog.js'
import {type AppFeatureState, type FeatureRecord} from './features.js'
import {attachmentVars} from './provider.js'

/**
 * The JSON the API answers, one function a resource, with every field the schema marks required.
 * `Accept-Expansion: addon_service,plan` turns those references into full objects (the Heroku CLI's
 * add-on commands ask for it to show prices); `Accept-Inclusion: addon:plan,config_vars` adds
 * `addon.plan` and `config_vars` to attachments.
 */
export interface Shape {
  expand: Set<string>
  include: Set<string>
}

const PLAIN: Shape = {expand: new Set(), include: new Set()}

function headerList(value: string | string[] | undefined): Set<string> {
  const text = Array.isArray(value) ? value.join(',') : (value ?? '')
  return new Set(text.split(',').map(part => part.trim()).filter(Boolean))
}

export function shapeFrom(headers: Record<string, string | string[] | undefined>): Shape {
  return {expand: headerList(headers['accept-expansion']), include: headerList(headers['accept-inclusion'])}
}

const ref = (app: AppRecord) => ({id: app.id, name: app.name})

/** A team's id is derived from its name: the sandbox keeps no team records, only each app's team name. */
export const teamRef = (name: string) => ({id: createHash('sha256').update(`team:${name}`).digest('hex').replace(/^(.{8})(.{4}).(.{3}).(.{3})(.{12}).*$/, '$1-$2-4$3-8$4-$5'), name})

export function accountJson(state: SandboxState): Heroku.Account {
  const {account} = state
  return {
    allow_tracking: false,
    beta: false,
    country_of_residence: null,
    created_at: account.createdAt,
    default_organization: null,
    default_team: null,
    delinquent_at: null,
    email: account.email,
    federated: false,
    id: account.id,
    identity_provider: null,
    last_login: account.createdAt,
    name: account.name,
    sms_number: null,
    suspended_at: null,
    two_factor_authentication: false,
    updated_at: account.createdAt,
    verified: true,
  }
}

export function appJson(state: SandboxState, app: AppRecord): Heroku.App {
  return {
    acm: false,
    archived_at: null,
    build_stack: {id: 'ee582d3c-717d-4a57-ba5f-8b3a39f3a817', name: 'heroku-24'},
    buildpack_provided_description: 'Node.js',
    created_at: app.createdAt,
    generation: app.releaseUnknown ? {id: '6d5a3b0a-7d0c-4a3e-9d0e-1b2c3d4e5f61', name: 'fir'} : {id: '6d5a3b0a-7d0c-4a3e-9d0e-1b2c3d4e5f60', name: 'cedar'},
    git_url: `https://git.heroku.com/${app.name}.git`,
    id: app.id,
    internal_routing: null,
    maintenance: false,
    name: app.name,
    organization: null,
    owner: {email: state.account.email, id: state.account.id},
    region: {id: '59accabd-516d-4f0e-83e6-6e3757701145', name: 'us'},
    released_at: state.currentRelease(app).createdAt,
    repo_size: null,
    slug_size: 52_428_800,
    space: null,
    stack: {id: 'ee582d3c-717d-4a57-ba5f-8b3a39f3a817', name: 'heroku-24'},
    team: app.team ? teamRef(app.team) : null,
    updated_at: app.updatedAt,
    web_url: `https://${app.name}-${app.id.slice(0, 12)}.herokuapp.com/`,
  } as Heroku.App
}

export function serviceJson(service: ServiceRecord): Heroku.AddOnService {
  return {
    cli_plugin_name: null,
    created_at: service.createdAt,
    human_name: service.humanName,
    id: service.id,
    name: service.name,
    state: 'ga',
    supported_generations: [{id: '6d5a3b0a-7d0c-4a3e-9d0e-1b2c3d4e5f60', name: 'cedar'}],
    supports_multiple_installations: service.supportsMultipleInstallations,
    supports_sharing: service.supportsSharing,
    updated_at: service.createdAt,
  } as Heroku.AddOnService
}

export function planJson(plan: PlanRecord): Heroku.Plan {
  const service = findService(plan.serviceName)!
  return {
    addon_service: {id: service.id, name: service.name},
    compliance: null,
    created_at: service.createdAt,
    default: plan.default,
    description: plan.description,
    human_name: plan.humanName,
    id: plan.id,
    installable_inside_private_network: false,
    installable_outside_private_network: true,
    name: plan.name,
    price: {cents: plan.cents, contract: false, unit: 'month'},
    space_default: false,
    state: 'public',
    updated_at: service.createdAt,
    visible: true,
  }
}

/** The config var names the add-on's attachments on its owner set (`["SECURE_KEY"]`). */
function ownerConfigVars(state: SandboxState, addon: AddonRecord): string[] {
  return state
  .attachmentsOf(addon)
  .filter(attachment => attachment.appId === addon.appId)
  .flatMap(attachment => attachmentConfigVars(addon, attachment))
}

export function attachmentConfigVars(addon: AddonRecord, attachment: AttachmentRecord): string[] {
  return Object.keys(attachmentVars(attachment.name, addon.config))
}

export function addonJson(state: SandboxState, addon: AddonRecord, shape: Shape = PLAIN): Heroku.AddOn {
  const owner = state.apps.get(addon.appId)!
  const plan = findPlan(addon.planName)!
  const service = findService(addon.serviceName)!
  return {
    actions: [] as unknown as Heroku.AddOn['actions'],
    addon_service: shape.expand.has('addon_service') ? serviceJson(service) : {id: service.id, name: service.name},
    app: ref(owner),
    billed_price: {cents: plan.cents, contract: false, unit: 'month'},
    billing_entity: {id: owner.id, name: owner.name, type: 'app'},
    config_vars: addon.state === 'provisioning' ? [] : ownerConfigVars(state, addon),
    created_at: addon.createdAt,
    id: addon.id,
    name: addon.name,
    plan: shape.expand.has('plan') ? planJson(plan) : {id: plan.id, name: plan.name},
    provider_id: addon.providerId,
    state: addon.state as Heroku.AddOn['state'],
    updated_at: addon.updatedAt,
    web_url: `https://addons-sso.heroku.com/apps/${owner.id}/addons/${addon.id}`,
  }
}

export function attachmentJson(state: SandboxState, attachment: AttachmentRecord, shape: Shape = PLAIN): Heroku.AddOnAttachment {
  const addon = state.addons.get(attachment.addonId)!
  const owner = state.apps.get(addon.appId)!
  const app = state.apps.get(attachment.appId)!
  const plan = findPlan(addon.planName)!
  const json: Heroku.AddOnAttachment = {
    addon: {
      app: ref(owner),
      id: addon.id,
      name: addon.name,
      ...(shape.include.has('addon:plan') ? {plan: {id: plan.id, name: plan.name}} : {}),
    },
    app: ref(app),
    created_at: attachment.createdAt,
    id: attachment.id,
    log_input_url: null,
    name: attachment.name,
    namespace: attachment.namespace,
    updated_at: attachment.updatedAt,
    web_url: `https://addons-sso.heroku.com/apps/${app.id}/addons/${addon.id}`,
  }
  if (shape.include.has('config_vars')) json.config_vars = attachmentConfigVars(addon, attachment)
  return json
}

export function releaseJson(state: SandboxState, app: AppRecord, release: ReleaseRecord): Heroku.Release {
  return {
    addon_plan_names: release.addonPlanNames,
    app: ref(app),
    artifacts: release.slugId ? [{id: release.slugId, type: 'slug'}] : [],
    created_at: release.createdAt,
    current: release === state.currentRelease(app),
    description: release.description,
    eligible_for_rollback: true,
    id: release.id,
    output_stream_url: null,
    slug: release.slugId ? {id: release.slugId} : null,
    status: release.status,
    updated_at: release.updatedAt,
    user: {email: state.account.email, id: state.account.id},
    version: release.version,
  }
}

export function dynoJson(app: AppRecord, dyno: DynoRecord): Heroku.Dyno {
  return {
    app: ref(app),
    attach_url: null,
    command: dyno.command,
    created_at: dyno.createdAt,
    id: dyno.id,
    name: dyno.name,
    // A Fir app's dynos may not say which release they run; the schema has no null here.
    release: app.releaseUnknown ? null as unknown as Heroku.Dyno['release'] : {id: dyno.releaseId, version: dyno.releaseVersion},
    size: dyno.size,
    state: dyno.state,
    type: dyno.type,
    updated_at: dyno.updatedAt,
  }
}

export function appFeatureJson(app: AppRecord, feature: FeatureRecord, state: AppFeatureState): Heroku.AppFeature {
  return {
    created_at: app.createdAt,
    description: feature.description,
    display_name: feature.displayName,
    doc_url: feature.docUrl,
    enabled: state.enabled,
    feedback_email: 'feedback@example.com',
    id: feature.id,
    name: feature.name,
    state: 'general',
    updated_at: state.updatedAt,
  }
}
