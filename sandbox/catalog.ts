/**
 * The add-on marketplace the sandbox knows: securekey (the subject of this project) and heroku-postgresql
 * (a bystander, so tests can check that the plugin leaves other add-ons alone). Ids are fixed so they
 * are the same in every run.
 */
export interface ServiceRecord {
  createdAt: string
  humanName: string
  id: string
  name: string
  supportsMultipleInstallations: boolean
  supportsSharing: boolean
}

export interface PlanRecord {
  cents: number
  default: boolean
  description: string
  humanName: string
  id: string
  name: string
  serviceName: string
}

const CATALOG_TIME = '2014-01-01T00:00:00Z'

export const SERVICES: ServiceRecord[] = [
  {
    createdAt: CATALOG_TIME,
    humanName: 'Heroku Postgres',
    id: '6c67493d-8fc2-4cd4-9161-4f1ec11cbe69',
    name: 'heroku-postgresql',
    supportsMultipleInstallations: true,
    supportsSharing: true,
  },
  {
    createdAt: CATALOG_TIME,
    humanName: 'SecureKey',
    id: '5d4a0b6e-1f0c-4bde-9a53-5e6c1d0f7a21',
    name: 'securekey',
    supportsMultipleInstallations: true,
    supportsSharing: true,
  },
]

export const PLANS: PlanRecord[] = [
  {
    cents: 500,
    default: true,
    description: 'Heroku Postgres Essential 0',
    humanName: 'Essential 0',
    id: '3d5b0a84-7f8e-4b0f-a4b3-8bf8bbb1b2c1',
    name: 'heroku-postgresql:essential-0',
    serviceName: 'heroku-postgresql',
  },
  {
    cents: 0,
    default: true,
    description: 'SecureKey Fortnightly',
    humanName: 'Fortnightly',
    id: '9f2c7e1a-3b4d-4c5e-8f6a-7b8c9d0e1f2a',
    name: 'securekey:fortnightly',
    serviceName: 'securekey',
  },
]

export function findService(identity: string): ServiceRecord | undefined {
  return SERVICES.find(service => service.id === identity || service.name === identity)
}

export function plansOf(service: ServiceRecord): PlanRecord[] {
  return PLANS.filter(plan => plan.serviceName === service.name)
}

/** A plan by id or by full name (`securekey:fortnightly`). */
export function findPlanExact(identity: string): PlanRecord | undefined {
  return PLANS.find(plan => plan.id === identity || plan.name === identity)
}

/** A plan by id, by full name, or a bare service name (its default plan). */
export function findPlan(identity: string): PlanRecord | undefined {
  const exact = findPlanExact(identity)
  if (exact) return exact
  if (identity.includes(':')) return undefined
  return PLANS.find(plan => plan.serviceName === identity && plan.default)
}
