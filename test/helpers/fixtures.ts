/* eslint-disable camelcase -- Platform API field names are snake_case */
/**
 * Platform API objects for the unit tests, which answer the commands with nock: a securekey add-on owned by service-1,
 * a heroku-postgresql add-on beside it, attachments of the securekey add-on, and the key values its config vars hold.
 */

export const API = 'https://api.heroku.com'

/** runCommand's environment against nock: a token, and no HEROKU_HOST from the shell that runs mocha. */
export const UNIT_ENV = {HEROKU_API_KEY: 'unit-test-token', HEROKU_HOST: undefined}

export const LATEST = 'A1'.repeat(32)
export const PREVIOUS = 'B2'.repeat(32)
/** A third key: another app's, or the next one after a rotation. */
export const OTHER = 'C3'.repeat(32)
/** A securekey config var's value: LATEST,PREVIOUS. */
export const KEY = `${LATEST},${PREVIOUS}`
/** Every key value the fixtures hold: none may appear in a command's output. */
export const TEST_KEYS: readonly string[] = [LATEST, PREVIOUS, OTHER]

export const app = (name: string) => ({id: `00000000-0000-4000-8000-00000000000${name.at(-1)}`, name})

export const ADDON = {
  addon_service: {id: 'svc', name: 'securekey'},
  app: app('service-1'),
  config_vars: ['SECURE_KEY'],
  created_at: '2024-01-01T00:00:00Z',
  id: '33333333-3333-4333-8333-333333333333',
  name: 'securekey-solid-14332',
  plan: {id: 'plan', name: 'securekey:fortnightly'},
  state: 'provisioned',
}

export const POSTGRES = {
  ...ADDON,
  addon_service: {id: 'pg', name: 'heroku-postgresql'},
  config_vars: ['DATABASE_URL'],
  id: 'pg-id',
  name: 'postgresql-curved-1',
  plan: {id: 'pgplan', name: 'heroku-postgresql:essential-0'},
}

/** The plans of the securekey service (GET /addon-services/securekey/plans). */
export const PLANS = [{id: 'plan', name: 'securekey:fortnightly'}]

/** ADDON attached to `appName` as `name`, which gives that app `<name>_KEY`. */
export const attachment = (appName: string, name: string) => ({
  addon: {app: ADDON.app, id: ADDON.id, name: ADDON.name}, app: app(appName), config_vars: [`${name}_KEY`], id: `att-${appName}-${name}`, name,
})

/** The attachment the owner gets when the add-on is created: SECURE, with SECURE_KEY. */
export const OWNER_ATTACHMENT = attachment('service-1', 'SECURE')
