/**
 * An example API server that accepts both securekey keys. Run it with `SECURE_KEY=... npx tsx server.ts`.
 *
 * In an app outside this repository, import from 'heroku-securekey' instead of '../../src/index.js'.
 */
import {createServer, type Server} from 'node:http'

import {
  isStaged, readSecureKey, type SecureKeyPair, verifyPresentedKey,
} from '../../src/index.js'

export interface ServerStats {
  accepted: {latest: number, previous: number}
  refreshed: number
  rejected: number
}

/**
 * `keys` is read on every request so a test can swap it the way a dyno restart swaps process.env; a real app reads
 * the config var once at boot (`readSecureKey('SECURE_KEY')`).
 */
export function createApiServer(keys: () => SecureKeyPair, staged: () => boolean = () => isStaged()): {server: Server, stats: ServerStats} {
  const stats: ServerStats = {accepted: {latest: 0, previous: 0}, refreshed: 0, rejected: 0}
  const server = createServer((request, response) => {
    const presented = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1]
    const pair = keys()
    // While a self-managed rotation is staged, PREVIOUS is the newer key: no refresh then (isStaged reads its record).
    const verification = verifyPresentedKey(pair, presented, {staged: staged()})
    if (!verification.ok || !verification.slot) {
      stats.rejected++
      response.writeHead(401, {'Content-Type': 'application/json'}).end('{"error":"unauthorized"}')
      return
    }

    stats.accepted[verification.slot]++
    const headers: Record<string, string> = {'Content-Type': 'application/json'}
    if (verification.refresh) {
      // The refresh trick: this client authenticated with PREVIOUS, so it is a rotation behind; hand it LATEST over
      // the channel it just proved it may use, and it stops depending on PREVIOUS before the next rotation drops it.
      stats.refreshed++
      headers['Securekey-Latest'] = pair.latest.reveal()
    }

    response.writeHead(200, headers).end('{"ok":true}')
  })
  return {server, stats}
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const pair = readSecureKey('SECURE_KEY')
  const port = Number(process.env.PORT ?? 3000)
  createApiServer(() => pair).server.listen(port, '127.0.0.1', () => {
    console.log(`listening on http://127.0.0.1:${port} (LATEST ${pair.latest.fingerprint})`)
  })
}
