import type {AddressInfo} from 'node:net'

import {expect} from 'chai'

import {createApiClient} from '../../examples/graceful-rotation/client.js'
import {createApiServer, type ServerStats} from '../../examples/graceful-rotation/server.js'
import {type Sandbox, startSandbox} from '../../sandbox/index.js'
import {parseSecureKey, type SecureKeyPair} from '../../src/index.js'
import {attachTo, provisioned} from '../helpers/sandbox-setup.js'

/**
 * A dyno of `app`: boots with the app's config var and "restarts" (re-reads it) as soon as the sandbox changes it,
 * the way a release restarts an app's dynos.
 */
function dynoKeys(sandbox: Sandbox, app: string, variable: string): {keys: () => SecureKeyPair, restarts: () => number, stop: () => void} {
  const read = () => {
    const parsed = parseSecureKey(sandbox.control.configVars(app)[variable])
    if (!parsed.ok) throw new Error(`${variable} on ${app} is ${parsed.reason}`)
    return parsed.pair
  }

  let pair = read()
  let restarts = 0
  const timer = setInterval(() => {
    const next = read()
    if (next.latest.fingerprint !== pair.latest.fingerprint) {
      pair = next
      restarts++
    }
  }, 2)
  return {keys: () => pair, restarts: () => restarts, stop: () => clearInterval(timer)}
}

/** Calls `call` back to back until `until` settles, then a little longer; returns every status seen. */
async function keepCalling(call: () => Promise<number>, until: Promise<unknown>): Promise<number[]> {
  const statuses: number[] = []
  const state = {settled: false}
  until.finally(() => {
    state.settled = true
  })
  while (!state.settled) {
    // eslint-disable-next-line no-await-in-loop
    statuses.push(await call())
  }

  for (let i = 0; i < 20; i++) {
    // eslint-disable-next-line no-await-in-loop
    statuses.push(await call())
  }

  return statuses
}

/** What a client without the fallback does: presents LATEST and nothing else. */
async function callWithLatestOnly(url: string, pair: SecureKeyPair): Promise<number> {
  const response = await fetch(url, {headers: {Authorization: `Bearer ${pair.latest.reveal()}`}})
  await response.arrayBuffer()
  return response.status
}

describe('graceful rotation (examples/graceful-rotation)', () => {
  let sandbox: Sandbox
  let addon: string
  let url: string
  let stats: ServerStats
  let server: ReturnType<typeof createApiServer>['server']
  let serverDyno: ReturnType<typeof dynoKeys>
  let clientDyno: ReturnType<typeof dynoKeys>

  beforeEach(async () => {
    sandbox = await startSandbox({seed: 'graceful-rotation'})
    addon = (await provisioned(sandbox)).name
    await attachTo(sandbox, addon, 'service-2', 'SERVICE_ONE_SECURE')
    serverDyno = dynoKeys(sandbox, 'service-1', 'SECURE_KEY')
    clientDyno = dynoKeys(sandbox, 'service-2', 'SERVICE_ONE_SECURE_KEY');
    ({server, stats} = createApiServer(serverDyno.keys))
    await new Promise<void>(resolve => {
      server.listen(0, '127.0.0.1', resolve)
    })
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
  })

  afterEach(async () => {
    serverDyno.stop()
    clientDyno.stop()
    await new Promise(resolve => {
      server.close(resolve)
    })
    await sandbox.close()
  })

  it('loses no request when the client restarts onto the new key before the server', async () => {
    const client = createApiClient(url, clientDyno.keys)
    const rotation = sandbox.control.rotate(addon, {delayMs: {'service-1': 300, 'service-2': 0}})
    const statuses = await keepCalling(() => client.call(), rotation)

    expect(clientDyno.restarts()).to.equal(1)
    expect(serverDyno.restarts()).to.equal(1)
    expect(statuses.filter(status => status !== 200)).to.deep.equal([])
    // The window was real: the server refused the client's new LATEST, and the retry with PREVIOUS got through.
    expect(stats.rejected).to.be.greaterThan(0)
    expect(stats.accepted.latest).to.be.greaterThan(0)
    expect(statuses.length).to.be.greaterThan(stats.rejected)
  })

  it('loses no request when the server restarts first, and hands the lagging client LATEST', async () => {
    const client = createApiClient(url, clientDyno.keys)
    const rotation = sandbox.control.rotate(addon, {delayMs: {'service-1': 0, 'service-2': 300}})
    const statuses = await keepCalling(() => client.call(), rotation)

    expect(statuses.filter(status => status !== 200)).to.deep.equal([])
    expect(stats.accepted.previous).to.be.greaterThan(0)
    expect(stats.refreshed).to.be.greaterThan(0)
    expect(client.refreshed).to.be.greaterThan(0)
    expect(stats.rejected).to.equal(0)
  })

  it('would fail requests without the fallback (the window the helper closes)', async () => {
    const rotation = sandbox.control.rotate(addon, {delayMs: {'service-1': 300, 'service-2': 0}})
    const statuses = await keepCalling(() => callWithLatestOnly(url, clientDyno.keys()), rotation)
    expect(statuses.filter(status => status === 401).length).to.be.greaterThan(0)
  })
})
