/**
 * An example client of server.ts that survives a rotation whichever side restarts first. Run it with
 * `SERVICE_ONE_SECURE_KEY=... API_URL=http://127.0.0.1:3000 npx tsx client.ts`.
 *
 * In an app outside this repository, import from 'heroku-securekey' instead of '../../src/index.js'.
 */
import {
  parseSecureKey, presentWithFallback, readSecureKey, type SecureKeyPair,
} from '../../src/index.js'

export interface ApiClient {
  call(): Promise<number>
  /** Keys handed over by the server (the refresh trick) since the last restart. */
  refreshed: number
}

/** `keys` is read on every call so a test can swap it the way a dyno restart swaps process.env. */
export function createApiClient(url: string, keys: () => SecureKeyPair): ApiClient {
  let handedOver: SecureKeyPair | undefined
  let basis: SecureKeyPair | undefined
  const client: ApiClient = {
    async call() {
      const current = keys()
      if (current !== basis) {
        basis = current
        handedOver = undefined
      }

      const pair = handedOver ?? current
      const response = await presentWithFallback(
        pair,
        key => fetch(url, {headers: {Authorization: `Bearer ${key}`}}),
        answer => answer.status === 401,
      )
      const latest = response.headers.get('Securekey-Latest')
      if (latest) {
        // Keep presenting the key the server handed over, with our old LATEST as the fallback.
        const parsed = parseSecureKey(`${latest},${pair.latest.reveal()}`)
        if (parsed.ok) {
          handedOver = parsed.pair
          client.refreshed++
        }
      }

      await response.arrayBuffer()
      return response.status
    },
    refreshed: 0,
  }
  return client
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const pair = readSecureKey('SERVICE_ONE_SECURE_KEY')
  // No top-level await: the tests import this module, and mocha on Node 22 loads it through require(esm), which
  // refuses modules with top-level await.
  // eslint-disable-next-line unicorn/prefer-top-level-await
  createApiClient(process.env.API_URL ?? 'http://127.0.0.1:3000', () => pair).call().then(status => console.log(`server answered ${status}`))
}
