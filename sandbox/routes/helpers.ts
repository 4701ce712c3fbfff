import type {ListSpec} from '../paging.js'
import type {Platform} from '../platform.js'
import type {Reply, RequestContext} from '../router.js'
import type {AddonRecord, AppRecord, AttachmentRecord} from '../state.js'

import {
  addonNotFound, ApiError, appNotFound, badRequest, forbidden, invalidParams,
} from '../errors.js'
import {pageOf} from '../paging.js'

/** An identity in a body: a string, or an object `{name}` / `{id}` as the Heroku CLI sends. */
export function identityOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value
  if (value && typeof value === 'object') {
    const {id, name} = value as {id?: unknown, name?: unknown}
    if (typeof name === 'string') return name
    if (typeof id === 'string') return id
  }

  return undefined
}

export function bodyOf(context: RequestContext): Record<string, unknown> {
  const {body} = context
  if (body === undefined || body === null) return {}
  if (typeof body !== 'object' || Array.isArray(body)) throw badRequest('The request body must be a JSON object.')
  return body as Record<string, unknown>
}

/** Splits `app::name`, the CLI's way of naming an attachment on another app. */
export function splitAppQualified(identity: string, app: string | undefined): [string | undefined, string] {
  const match = identity.match(/^(.+)::(.+)$/)
  return match ? [match[1], match[2]] : [app, identity]
}

/** A config-vars PATCH body: every value a string, or null to remove the var. */
export function validConfigChanges(body: Record<string, unknown>): Record<string, null | string> {
  for (const [name, value] of Object.entries(body)) {
    if (value !== null && typeof value !== 'string') throw invalidParams(`Config var ${name} must be a string or null.`)
  }

  return body as Record<string, null | string>
}

/** The app by id or name: 404 when unknown, 403 when it exists but this account may not see it. */
export function appFrom(platform: Platform, identity: string | undefined): AppRecord {
  const app = identity === undefined ? undefined : platform.state.findApp(identity)
  if (!app) throw appNotFound()
  if (app.forbidden) throw forbidden(app.name)
  return app
}

/** The app as appFrom finds it, whose config this account may also read: a view-only app answers 403. */
export function readableAppFrom(platform: Platform, identity: string | undefined): AppRecord {
  const app = appFrom(platform, identity)
  if (app.viewOnly) throw new ApiError(403, 'forbidden', `You do not have permission to read the config vars of ${app.name}.`)
  return app
}

/** This account may see an add-on whose owner app is not forbidden, and an attachment on an app that is not. */
export function onVisibleApp(platform: Platform, record: AddonRecord | AttachmentRecord): boolean {
  return !platform.state.apps.get(record.appId)?.forbidden
}

/** Attachment names match upper-cased, as the API matches `secure` to `SECURE`. */
export function hasName(attachment: AttachmentRecord, identity: string): boolean {
  return attachment.name === identity.toUpperCase()
}

/** The attachment on `app` with this name or, when `byId`, this id. */
export function attachmentOnApp(platform: Platform, app: AppRecord, identity: string, {byId = false} = {}): AttachmentRecord | undefined {
  return platform.state.attachmentsOn(app).find(attachment => hasName(attachment, identity) || (byId && attachment.id === identity))
}

export function addonFrom(platform: Platform, identity: string | undefined): AddonRecord {
  const addon = identity === undefined ? undefined : platform.state.findAddon(identity)
  if (!addon || !onVisibleApp(platform, addon)) throw addonNotFound()
  return addon
}

export function listReply<T>(platform: Platform, context: RequestContext, items: T[], spec: ListSpec<T>): Reply {
  return pageOf(items, context.headers.range, spec, platform.settings.pageSize)
}

export const byIdAndName = <T extends {id?: string, name?: string}>(): ListSpec<T> => ({
  defaultField: 'id',
  fields: {id: item => item.id ?? '', name: item => item.name ?? ''},
  id: item => item.id ?? '',
})
