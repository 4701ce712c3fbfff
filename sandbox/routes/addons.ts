import type {Platform} from '../platform.js'
import type {RequestContext, Router} from '../router.js'
import type {AddonRecord, AppRecord} from '../state.js'

import {findPlan} from '../catalog.js'
import {addonNotFound, invalidParams} from '../errors.js'
import {addonJson, shapeFrom} from '../representations.js'
import {ok} from '../router.js'
import {
  addonFrom, appFrom, attachmentOnApp, bodyOf, byIdAndName, identityOf, listReply, onVisibleApp, splitAppQualified,
} from './helpers.js'

/** Add-ons the app owns, and those of other apps attached to it. */
export function addonsOf(platform: Platform, app: AppRecord): AddonRecord[] {
  const {state} = platform
  const ids = new Set([...state.addonsOwnedBy(app).map(addon => addon.id), ...state.attachmentsOn(app).map(a => a.addonId)])
  return [...ids].map(id => state.addons.get(id)!).filter(Boolean)
}

/** An add-on by id, by name, or by the name of one of its attachments on `app`; it must be the app's own or attached to it. */
function addonOnApp(platform: Platform, app: AppRecord, identity: string): AddonRecord {
  const attached = attachmentOnApp(platform, app, identity)
  const addon = platform.state.findAddon(identity) ?? (attached && platform.state.addons.get(attached.addonId))
  if (!addon || !addonsOf(platform, app).includes(addon)) throw addonNotFound()
  return addon
}

function resolveAddons(platform: Platform, context: RequestContext): AddonRecord[] {
  const body = bodyOf(context)
  const identity = identityOf(body.addon)
  if (!identity) throw invalidParams('Missing addon: give an add-on name, id or attachment name.')
  const [appName, name] = splitAppQualified(identity, identityOf(body.app))
  const found = new Set<AddonRecord>()
  const global = platform.state.findAddon(name)
  if (global) found.add(global)
  if (appName) {
    const attachment = attachmentOnApp(platform, appFrom(platform, appName), name, {byId: true})
    if (attachment) found.add(platform.state.addons.get(attachment.addonId)!)
  }

  const service = typeof body.addon_service === 'string' ? body.addon_service : undefined
  const matches = [...found].filter(addon => onVisibleApp(platform, addon) && (!service || addon.serviceName === service))
  if (matches.length === 0) throw addonNotFound()
  return matches
}

export function addonRoutes(router: Router, platform: Platform): void {
  const {lifecycle, state} = platform
  router
  .add('POST', '/apps/:app/addons', context => {
    const app = appFrom(platform, context.params.app)
    const body = bodyOf(context)
    const planIdentity = identityOf(body.plan)
    if (!planIdentity) throw invalidParams('Missing plan: give the add-on plan, e.g. "securekey:fortnightly".')
    const plan = findPlan(planIdentity)
    if (!plan) throw invalidParams(`Couldn't find either the add-on service or the add-on plan of "${planIdentity}".`)
    const addon = lifecycle.provision(app, plan, {
      attachmentName: identityOf(body.attachment),
      confirm: typeof body.confirm === 'string' ? body.confirm : undefined,
      name: typeof body.name === 'string' ? body.name : undefined,
    })
    return ok(addonJson(state, addon, shapeFrom(context.headers)), 201)
  })
  .add('GET', '/apps/:app/addons', context => {
    const app = appFrom(platform, context.params.app)
    const shape = shapeFrom(context.headers)
    return listReply(platform, context, addonsOf(platform, app).map(addon => addonJson(state, addon, shape)), byIdAndName())
  })
  .add('GET', '/addons', context => {
    const shape = shapeFrom(context.headers)
    const addons = [...state.addons.values()].filter(addon => onVisibleApp(platform, addon))
    return listReply(platform, context, addons.map(addon => addonJson(state, addon, shape)), byIdAndName())
  })
  .add('GET', '/addons/:addon', context => ok(addonJson(state, addonFrom(platform, context.params.addon), shapeFrom(context.headers))))
  .add('GET', '/apps/:app/addons/:addon', context => {
    const app = appFrom(platform, context.params.app)
    return ok(addonJson(state, addonOnApp(platform, app, context.params.addon), shapeFrom(context.headers)))
  })
  .add('DELETE', '/apps/:app/addons/:addon', context => {
    const app = appFrom(platform, context.params.app)
    const addon = addonOnApp(platform, app, context.params.addon)
    if (addon.appId !== app.id) {
      const owner = state.apps.get(addon.appId)!
      throw invalidParams(`Add-on ${addon.name} is owned by ${owner.name}, not ${app.name}: destroy it on ${owner.name}.`)
    }

    const {force} = bodyOf(context)
    lifecycle.destroy(addon, force === true || force === 'true')
    return ok(addonJson(state, addon, shapeFrom(context.headers)), addon.state === 'deprovisioning' ? 202 : 200)
  })
  .add('POST', '/actions/addons/resolve', context => {
    const shape = shapeFrom(context.headers)
    return ok(resolveAddons(platform, context).map(addon => addonJson(state, addon, shape)))
  })
}
