/** An app feature the sandbox knows; its id is the same on every app, as a feature is one thing platform-wide. */
export interface FeatureRecord {
  description: string
  displayName: string
  docUrl: string
  id: string
  name: string
}

/** Whether one app has a feature on, and since when. */
export interface AppFeatureState {
  enabled: boolean
  updatedAt: string
}

export const PREBOOT = 'preboot'

export const FEATURES: FeatureRecord[] = [
  {
    description: 'Starts new web dynos before the old ones stop, so a release does not interrupt the traffic.',
    displayName: 'Preboot',
    docUrl: 'https://devcenter.heroku.com/articles/preboot',
    id: '9a6c0f3e-6a4c-4bd2-8b57-2f0d6a1c3e01',
    name: PREBOOT,
  },
  {
    description: 'Adds the dyno\'s release and app metadata to its environment.',
    displayName: 'Runtime Dyno Metadata',
    docUrl: 'https://devcenter.heroku.com/articles/dyno-metadata',
    id: '9a6c0f3e-6a4c-4bd2-8b57-2f0d6a1c3e02',
    name: 'runtime-dyno-metadata',
  },
  {
    description: 'Writes each dyno\'s memory and load to the app\'s log.',
    displayName: 'Log Runtime Metrics',
    docUrl: 'https://devcenter.heroku.com/articles/log-runtime-metrics',
    id: '9a6c0f3e-6a4c-4bd2-8b57-2f0d6a1c3e03',
    name: 'log-runtime-metrics',
  },
]

export function findFeature(identity: string): FeatureRecord | undefined {
  return FEATURES.find(feature => feature.name === identity || feature.id === identity)
}
