import type {Platform} from '../platform.js'
import type {RequestContext, Router} from '../router.js'
import type {AttachmentRecord} from '../state.js'

import {attachmentNotFound, invalidParams} from '../errors.js'
import {attachmentJson, shapeFrom} from '../representations.js'
import {ok} from '../router.js'
import {
  addonFrom, appFrom, attachmentOnApp, bodyOf, byIdAndName, hasName, identityOf, listReply, onVisibleApp, splitAppQualified,
} from './helpers.js'

export function attachmentRoutes(router: Router, platform: Platform): void {
  const {lifecycle, state} = platform
  const list = (context: RequestContext, attachments: AttachmentRecord[]) => {
    const shape = shapeFrom(context.headers)
    return listReply(platform, context, attachments.filter(a => onVisibleApp(platform, a)).map(a => attachmentJson(state, a, shape)), byIdAndName())
  }

  /** `/addon-attachments/{id}` takes a UUID only. */
  const byId = (id: string) => {
    const attachment = state.attachments.get(id)
    if (!attachment || !onVisibleApp(platform, attachment)) throw attachmentNotFound()
    return attachment
  }

  router
  .add('POST', '/addon-attachments', context => {
    const body = bodyOf(context)
    const addon = addonFrom(platform, identityOf(body.addon))
    const app = appFrom(platform, identityOf(body.app))
    if (body.name !== undefined && body.name !== null && typeof body.name !== 'string') throw invalidParams('Name must be a string.')
    const attachment = lifecycle.attach(addon, app, {
      confirm: typeof body.confirm === 'string' ? body.confirm : undefined,
      name: (body.name as string | undefined) ?? undefined,
      namespace: typeof body.namespace === 'string' ? body.namespace : null,
    })
    return ok(attachmentJson(state, attachment, shapeFrom(context.headers)), 201)
  })
  .add('GET', '/addon-attachments', context => list(context, [...state.attachments.values()]))
  .add('GET', '/addon-attachments/:id', context => ok(attachmentJson(state, byId(context.params.id), shapeFrom(context.headers))))
  .add('DELETE', '/addon-attachments/:id', context => {
    const attachment = byId(context.params.id)
    const json = attachmentJson(state, attachment, shapeFrom(context.headers))
    lifecycle.detach(attachment)
    return ok(json)
  })
  .add('GET', '/addons/:addon/addon-attachments', context => list(context, state.attachmentsOf(addonFrom(platform, context.params.addon))))
  .add('GET', '/apps/:app/addon-attachments', context => list(context, state.attachmentsOn(appFrom(platform, context.params.app))))
  .add('GET', '/apps/:app/addon-attachments/:attachment', context => {
    const attachment = attachmentOnApp(platform, appFrom(platform, context.params.app), context.params.attachment, {byId: true})
    if (!attachment) throw attachmentNotFound()
    return ok(attachmentJson(state, attachment, shapeFrom(context.headers)))
  })
  .add('POST', '/actions/addon-attachments/resolve', context => {
    const body = bodyOf(context)
    const identity = identityOf(body.addon_attachment)
    if (!identity) throw invalidParams('Missing addon_attachment: give an attachment name or id.')
    const [appName, name] = splitAppQualified(identity, identityOf(body.app))
    const app = appName === undefined ? undefined : appFrom(platform, appName)
    const service = typeof body.addon_service === 'string' ? body.addon_service : undefined
    const matches = [...state.attachments.values()].filter(attachment => {
      if (!onVisibleApp(platform, attachment)) return false
      if (service && state.addons.get(attachment.addonId)?.serviceName !== service) return false
      if (attachment.id === name) return true
      return hasName(attachment, name) && (!app || attachment.appId === app.id)
    })
    if (matches.length === 0) throw attachmentNotFound()
    const shape = shapeFrom(context.headers)
    return ok(matches.map(attachment => attachmentJson(state, attachment, shape)))
  })
}
