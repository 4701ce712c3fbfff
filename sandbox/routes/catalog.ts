import type {Platform} from '../platform.js'
import type {Router} from '../router.js'

import {
  findPlanExact, findService, plansOf, SERVICES,
} from '../catalog.js'
import {planNotFound, serviceNotFound} from '../errors.js'
import {planJson, serviceJson} from '../representations.js'
import {ok} from '../router.js'
import {byIdAndName, listReply} from './helpers.js'

function serviceFrom(identity: string) {
  const service = findService(identity)
  if (!service) throw serviceNotFound()
  return service
}

/** The add-on marketplace: services and their plans. */
export function catalogRoutes(router: Router, platform: Platform): void {
  router
  .add('GET', '/addon-services', context => listReply(platform, context, SERVICES.map(s => serviceJson(s)), byIdAndName()))
  .add('GET', '/addon-services/:service', ({params}) => ok(serviceJson(serviceFrom(params.service))))
  .add('GET', '/addon-services/:service/plans', context => {
    const plans = plansOf(serviceFrom(context.params.service)).map(plan => planJson(plan))
    return listReply(platform, context, plans, byIdAndName())
  })
  .add('GET', '/addon-services/:service/plans/:plan', ({params}) => {
    const service = serviceFrom(params.service)
    const plan = plansOf(service).find(p => p.id === params.plan || p.name === params.plan || p.name === `${service.name}:${params.plan}`)
    if (!plan) throw planNotFound()
    return ok(planJson(plan))
  })
  .add('GET', '/plans/:plan', ({params}) => {
    const plan = findPlanExact(params.plan)
    if (!plan) throw planNotFound()
    return ok(planJson(plan))
  })
}
