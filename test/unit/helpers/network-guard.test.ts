import {expect} from 'chai'
import {spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'

import {GUARD_EXIT_CODE, GUARD_MARKER} from '../../helpers/heroku-cli.js'

const guard = new URL('../../helpers/network-guard.mjs', import.meta.url).href

// Runs a CommonJS script in a fresh Node with the guard preloaded, as the harness preloads it into the CLI.
function guarded(script: string) {
  const {status, stderr, stdout} = spawnSync(process.execPath, ['--import', guard, '--eval', script], {
    encoding: 'utf8',
    env: {...process.env, NODE_OPTIONS: ''},
    timeout: 10_000,
  })
  return {status, stderr, stdout}
}

describe('network-guard.mjs (preloaded into every Heroku CLI child)', () => {
  it('stops a connection to a remote host before resolving its name, so nothing leaves the machine', () => {
    const result = guarded('require(\'node:net\').connect({host: \'api.heroku.com\', port: 443, lookup() { console.log(\'LOOKUP CALLED\') }})')

    expect(result.status).to.equal(GUARD_EXIT_CODE)
    expect(result.stderr).to.include(`${GUARD_MARKER} api.heroku.com:443 (net.Socket#connect)`)
    expect(result.stdout).not.to.include('LOOKUP CALLED')
  })

  for (const [via, script, host] of [
    ['tls.connect', 'require(\'node:tls\').connect(443, \'api.heroku.com\')', 'api.heroku.com:443'],
    ['https.get', 'require(\'node:https\').get(\'https://particleboard.heroku.com/account\')', 'particleboard.heroku.com:443'],
    ['fetch', 'fetch(\'https://api.heroku.com/account\').catch(() => {})', 'api.heroku.com:443'],
    ['a remote IP address', 'require(\'node:net\').connect(80, \'10.1.2.3\')', '10.1.2.3:80'],
    ['dns.lookup', 'require(\'node:dns\').lookup(\'example.com\', () => {})', 'example.com (dns.lookup)'],
    ['dns.promises.resolve4', 'require(\'node:dns\').promises.resolve4(\'example.com\').catch(() => {})', 'example.com (dns.promises.resolve4)'],
  ]) {
    it(`stops ${via}`, () => {
      const result = guarded(script)

      expect(result.status).to.equal(GUARD_EXIT_CODE)
      expect(result.stderr).to.include(`${GUARD_MARKER} ${host}`)
    })
  }

  it('lets requests to 127.0.0.1 and localhost through', () => {
    const result = guarded(`
      const server = require('node:http').createServer((req, res) => res.end('ok')).listen(0, '127.0.0.1', async () => {
        const {port} = server.address()
        for (const host of ['127.0.0.1', 'localhost']) console.log(host, await (await fetch('http://' + host + ':' + port)).text())
        server.close()
      })`)

    expect(result.stderr).not.to.include(GUARD_MARKER)
    expect(result.stdout).to.equal('127.0.0.1 ok\nlocalhost ok\n')
    expect(result.status).to.equal(0)
  })

  it('carries the same marker and exit code as the harness expects', async () => {
    const {EXIT_CODE, MARKER} = await import(fileURLToPath(guard))
    expect([MARKER, EXIT_CODE]).to.deep.equal([GUARD_MARKER, GUARD_EXIT_CODE])
  })
})
