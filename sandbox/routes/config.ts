import type * as Heroku from '@heroku-cli/schema'

import type {Platform} from '../platform.js'
import type {Router} from '../router.js'
import type {AppRecord, ReleaseRecord} from '../state.js'

import {invalidParams, releaseNotFound} from '../errors.js'
import {attachmentConfigVars, releaseJson} from '../representations.js'
import {ok} from '../router.js'
import {
  appFrom, bodyOf, listReply, readableAppFrom, validConfigChanges,
} from './helpers.js'

function findRelease(app: AppRecord, identity: string): ReleaseRecord {
  const release = app.releases.find(candidate => candidate.id === identity || String(candidate.version) === identity.replace(/^v/, ''))
  if (!release) throw releaseNotFound()
  return release
}

/** A user may not set or remove a var an attachment on the app sets: the add-on owns it. */
function refuseAttachmentVars(platform: Platform, app: AppRecord, changes: Record<string, null | string>): void {
  const managed = new Set(platform.state.attachmentsOn(app).flatMap(attachment => attachmentConfigVars(platform.state.addons.get(attachment.addonId)!, attachment)))
  const taken = Object.keys(changes).filter(name => managed.has(name))
  if (taken.length > 0) throw invalidParams(`Cannot overwrite attachment values ${taken.join(', ')}.`)
}

/** Config vars (values are secrets) and the release history they leave behind. */
export function configRoutes(router: Router, platform: Platform): void {
  const {state} = platform
  router
  .add('GET', '/apps/:app/config-vars', ({params}) => ok(readableAppFrom(platform, params.app).config))
  .add('PATCH', '/apps/:app/config-vars', context => {
    const app = readableAppFrom(platform, context.params.app)
    const changes = validConfigChanges(bodyOf(context))
    refuseAttachmentVars(platform, app, changes)
    state.setConfigVars(app, changes)
    return ok(app.config)
  })
  .add('GET', '/apps/:app/releases', context => {
    const app = appFrom(platform, context.params.app)
    return listReply<Heroku.Release>(platform, context, app.releases.map(release => releaseJson(state, app, release)), {
      defaultField: 'version',
      fields: {id: release => release.id!, version: release => release.version!},
      id: release => release.id!,
    })
  })
  .add('GET', '/apps/:app/releases/:release', ({params}) => {
    const app = appFrom(platform, params.app)
    return ok(releaseJson(state, app, findRelease(app, params.release)))
  })
  .add('GET', '/apps/:app/releases/:release/config-vars', ({params}) => {
    const app = readableAppFrom(platform, params.app)
    return ok(findRelease(app, params.release).config)
  })
}
