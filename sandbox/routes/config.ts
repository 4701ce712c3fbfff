import type * as Heroku from '@heroku-cli/schema'

import type {Platform} from '../platform.js'
import type {Router} from '../router.js'
import type {AppRecord, ReleaseRecord} from '../state.js'

import {releaseNotFound} from '../errors.js'
import {releaseJson} from '../representations.js'
import {ok} from '../router.js'
import {
  appFrom, bodyOf, listReply, validConfigChanges,
} from './helpers.js'

function findRelease(app: AppRecord, identity: string): ReleaseRecord {
  const release = app.releases.find(candidate => candidate.id === identity || String(candidate.version) === identity.replace(/^v/, ''))
  if (!release) throw releaseNotFound()
  return release
}

/** Config vars (values are secrets) and the release history they leave behind. */
export function configRoutes(router: Router, platform: Platform): void {
  const {state} = platform
  router
  .add('GET', '/apps/:app/config-vars', ({params}) => ok(appFrom(platform, params.app).config))
  .add('PATCH', '/apps/:app/config-vars', context => {
    const app = appFrom(platform, context.params.app)
    state.setConfigVars(app, validConfigChanges(bodyOf(context)))
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
    const app = appFrom(platform, params.app)
    return ok(findRelease(app, params.release).config)
  })
}
