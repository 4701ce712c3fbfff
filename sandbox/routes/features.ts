import type {Platform} from '../platform.js'
import type {Router} from '../router.js'

import {ApiError, invalidParams} from '../errors.js'
import {FEATURES, findFeature} from '../features.js'
import {appFeatureJson} from '../representations.js'
import {ok} from '../router.js'
import {
  appFrom, bodyOf, byIdAndName, listReply,
} from './helpers.js'

const featureNotFound = () => new ApiError(404, 'not_found', 'Couldn\'t find that feature.', {resource: 'app_feature'})

/** App features (preboot among them): list, info, and `PATCH {enabled}`, which restarts nothing. */
export function featureRoutes(router: Router, platform: Platform): void {
  const {state} = platform
  router
  .add('GET', '/apps/:app/features', context => {
    const app = appFrom(platform, context.params.app)
    const features = FEATURES.map(feature => appFeatureJson(app, feature, app.features.get(feature.name)!))
    return listReply(platform, context, features, byIdAndName())
  })
  .add('GET', '/apps/:app/features/:feature', ({params}) => {
    const app = appFrom(platform, params.app)
    const feature = findFeature(params.feature)
    if (!feature) throw featureNotFound()
    return ok(appFeatureJson(app, feature, app.features.get(feature.name)!))
  })
  .add('PATCH', '/apps/:app/features/:feature', context => {
    const app = appFrom(platform, context.params.app)
    const feature = findFeature(context.params.feature)
    if (!feature) throw featureNotFound()
    const {enabled} = bodyOf(context)
    if (typeof enabled !== 'boolean') throw invalidParams('enabled (true or false) is required.')
    return ok(appFeatureJson(app, feature, state.enableFeature(app, feature.name, enabled)))
  })
}
