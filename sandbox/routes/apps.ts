import type {Platform} from '../platform.js'
import type {Router} from '../router.js'
import type {AppRecord, DynoRecord} from '../state.js'

import {ApiError, dynoNotFound, invalidParams} from '../errors.js'
import {appJson, dynoJson, teamRef} from '../representations.js'
import {ok} from '../router.js'
import {
  appFrom, bodyOf, byIdAndName, listReply,
} from './helpers.js'

function dynoOf(app: AppRecord, identity: string): DynoRecord {
  const dyno = app.dynos.find(candidate => candidate.id === identity || candidate.name === identity)
  if (!dyno) throw dynoNotFound()
  return dyno
}

export function appRoutes(router: Router, platform: Platform): void {
  const {state} = platform
  router
  .add('GET', '/apps', context => {
    const apps = [...state.apps.values()].filter(app => !app.forbidden).map(app => appJson(state, app))
    return listReply(platform, context, apps, byIdAndName())
  })
  .add('GET', '/teams/:team/apps', context => {
    const {team} = context.params
    const visible = [...state.apps.values()].filter(app => !app.forbidden && app.team)
    const members = visible.filter(app => app.team === team || teamRef(app.team!).id === team)
    if (members.length === 0) throw new ApiError(404, 'not_found', 'Couldn\'t find that team.', {resource: 'team'})
    return listReply(platform, context, members.map(app => appJson(state, app)), byIdAndName())
  })
  .add('GET', '/apps/:app', ({params}) => ok(appJson(state, appFrom(platform, params.app))))
  .add('GET', '/apps/:app/dynos', context => {
    const app = appFrom(platform, context.params.app)
    return listReply(platform, context, app.dynos.map(dyno => dynoJson(app, dyno)), byIdAndName())
  })
  // `heroku run` / `run:detached`: a one-off dyno running `command` on the current release.
  .add('POST', '/apps/:app/dynos', context => {
    const app = appFrom(platform, context.params.app)
    const {command, type = 'run'} = bodyOf(context)
    if (typeof command !== 'string' || command === '') throw invalidParams('command is required.')
    if (type !== 'run' && type !== 'scheduler') throw invalidParams(`A one-off dyno is of type run or scheduler, not ${String(type)}.`)
    return ok(dynoJson(app, state.runOneOff(app, type, command)), 201)
  })
  .add('GET', '/apps/:app/dynos/:dyno', ({params}) => {
    const app = appFrom(platform, params.app)
    return ok(dynoJson(app, dynoOf(app, params.dyno)))
  })
  // Heroku answers these three with 202 and an empty object.
  .add('DELETE', '/apps/:app/dynos', ({params}) => {
    state.restartAll(appFrom(platform, params.app))
    return ok({}, 202)
  })
  .add('DELETE', '/apps/:app/dynos/:dyno', ({params}) => {
    const app = appFrom(platform, params.app)
    state.restartDyno(app, dynoOf(app, params.dyno))
    return ok({}, 202)
  })
  // A stopped formation dyno is brought back by the formation, on the current release, as a restart is.
  .add('POST', '/apps/:app/dynos/:dyno/actions/stop', ({params}) => {
    const app = appFrom(platform, params.app)
    state.restartDyno(app, dynoOf(app, params.dyno))
    return ok({}, 202)
  })
}
