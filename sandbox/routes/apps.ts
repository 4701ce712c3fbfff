import type {Platform} from '../platform.js'
import type {Router} from '../router.js'

import {dynoNotFound} from '../errors.js'
import {appJson, dynoJson} from '../representations.js'
import {ok} from '../router.js'
import {appFrom, byIdAndName, listReply} from './helpers.js'

export function appRoutes(router: Router, platform: Platform): void {
  const {state} = platform
  router
  .add('GET', '/apps', context => {
    const apps = [...state.apps.values()].filter(app => !app.forbidden).map(app => appJson(state, app))
    return listReply(platform, context, apps, byIdAndName())
  })
  .add('GET', '/apps/:app', ({params}) => ok(appJson(state, appFrom(platform, params.app))))
  .add('GET', '/apps/:app/dynos', context => {
    const app = appFrom(platform, context.params.app)
    return listReply(platform, context, app.dynos.map(dyno => dynoJson(app, dyno)), byIdAndName())
  })
  .add('GET', '/apps/:app/dynos/:dyno', ({params}) => {
    const app = appFrom(platform, params.app)
    const dyno = app.dynos.find(candidate => candidate.id === params.dyno || candidate.name === params.dyno)
    if (!dyno) throw dynoNotFound()
    return ok(dynoJson(app, dyno))
  })
}
