/* eslint-disable mocha/max-top-level-suites -- the matrix, then the named read steps */
/**
 * The fault matrix: for each command, its first read and its first write answered 429, 500, 503, or a reset
 * connection, until the client's retries are used up. Each case: non-zero exit, a message naming the app, no key
 * printed, --json prints a document, and re-running the same command without the fault completes (final state
 * checked). "Slow" is not a case: APIClient has no client timeout to exceed (the sandbox's latency only delays).
 * Then the read steps whose failures used to be bare, and a peer attached during a teardown. Races between two
 * runs at once are in races.test.ts (two processes).
 */
import type * as Heroku from '@heroku-cli/schema'

import {HTTP} from '@heroku/http-call'
import {expect} from 'chai'

import {type Fault, type Sandbox, startSandbox} from '../../sandbox/index.js'
import Attach from '../../src/commands/securekey/attach.js'
import Provision from '../../src/commands/securekey/provision.js'
import Status from '../../src/commands/securekey/status.js'
import Teardown from '../../src/commands/securekey/teardown.js'
import {expectNoKeyValue, unwrapped} from '../helpers/output.js'
import {runCommand} from '../helpers/run-command.js'
import {
  keysIn, mutating, provisioned, provisionWithPeers, sandboxApi, sandboxEnv,
} from '../helpers/sandbox-setup.js'
import {withoutTerminal} from '../helpers/terminal.js'

type Command = Parameters<typeof runCommand>[0]
const APPS = ['service-1', 'service-2', 'service-3']

const securekeysOf = (sandbox: Sandbox, app: string) => sandbox.control.addons().filter(addon => addon.app?.name === app && addon.plan?.name?.startsWith('securekey:'))

interface Subject {
  argv: string[]
  command: Command
  /** The app the message must name. */
  names: string
  read: Pick<Fault, 'method' | 'path'>
  /** The final state after the re-run. */
  settled(sandbox: Sandbox): void
  write?: Pick<Fault, 'method' | 'path'>
}

const subjects: Record<string, Subject> = {
  attach: {
    argv: ['--from', 'service-1', '-a', 'service-3'],
    command: Attach,
    names: 'service-3',
    read: {method: 'GET', path: '/apps/service-3'},
    settled(sandbox) {
      expect(sandbox.control.configVars('service-3').SERVICE_1_SECURE_KEY).to.equal(sandbox.control.configVars('service-1').SECURE_KEY)
    },
    write: {method: 'POST', path: '/addon-attachments'},
  },
  provision: {
    argv: ['-a', 'service-3', '--confirm', 'service-3'],
    command: Provision,
    names: 'service-3',
    read: {method: 'GET', path: '/apps/service-3/addons'},
    settled(sandbox) {
      expect(securekeysOf(sandbox, 'service-3')).to.have.length(1)
    },
    write: {method: 'POST', path: '/apps/service-3/addons'},
  },
  status: {
    argv: ['-a', 'service-1', '--check'],
    command: Status,
    names: 'service-1',
    read: {method: 'GET', path: '/apps/service-1/addons'},
    settled() {},
  },
  'status (config vars)': {
    argv: ['-a', 'service-1', '--check'],
    command: Status,
    names: 'service-2',
    read: {method: 'GET', path: '/apps/service-2/config-vars'},
    settled() {},
  },
  teardown: {
    argv: ['-a', 'service-1', '--confirm', 'service-1'],
    command: Teardown,
    names: 'service-1',
    read: {method: 'GET', path: '/apps/service-1/addons'},
    settled(sandbox) {
      expect(securekeysOf(sandbox, 'service-1')).to.deep.equal([])
      expect(sandbox.control.configVars('service-2')).to.not.have.property('SERVICE_1_SECURE_KEY')
    },
    write: {method: 'DELETE', path: /^\/addon-attachments\//},
  },
}

const kinds: Array<[string, Partial<Fault>]> = [
  ['429', {count: 3, status: 429}],
  ['500', {count: 3, status: 500}],
  ['503', {count: 3, status: 503}],
  ['reset', {count: 12, reset: true}],
]

describe('fault matrix: every command, its reads and writes, 429/500/503/reset', () => {
  let sandbox: Sandbox
  let tried = 0
  let passed = 0

  withoutTerminal()

  beforeEach(async () => {
    sandbox = await startSandbox({apps: APPS})
    await provisionWithPeers(sandbox, ['service-2'])
  })

  afterEach(async () => {
    await sandbox.close()
  })

  // @heroku/http-call retries a reset connection 5 times, 200 ms to 3.2 s apart (6 s per attempt): the same retries,
  // 20 times sooner. The gateway's own pauses are shortened by sandboxEnv (HEROKU_SECUREKEY_RETRY_DELAY_MS).
  const httpWait = HTTP.prototype as unknown as {_wait(ms: number): Promise<void>}
  const wait = httpWait._wait

  before(() => {
    httpWait._wait = function (ms: number) {
      return wait.call(this, ms / 20)
    }
  })

  after(() => {
    httpWait._wait = wait
    console.log(`      fault cases tried: ${tried}, passed: ${passed}`)
  })

  for (const [name, subject] of Object.entries(subjects)) {
    for (const [step, where] of [['read', subject.read], ['write', subject.write]] as const) {
      if (!where) continue
      for (const [kind, fault] of kinds) {
        it(`${name}: ${step} ${where.method} ${where.path} answered ${kind}`, async () => {
          tried++
          const env = sandboxEnv(sandbox)
          const keys = keysIn(sandbox, APPS)
          sandbox.control.clearRequests()
          sandbox.control.injectFault({...where, ...fault} as Fault)
          const failed = await runCommand(subject.command, [...subject.argv, '--json'], env)
          expect(failed.exitCode, failed.stderr).to.not.equal(0)
          // The retries did happen: 3 attempts on a 429 or a read's 5xx, 1 on a write's 5xx (it may have changed
          // something), 6 on a reset (http-call's own 5 retries, then the gateway gives up: network_error).
          const hits = sandbox.control.requests().filter(request => request.method === where.method && (typeof where.path === 'string' ? request.path === where.path : where.path.test(request.path)))
          expect(hits.length, kind).to.equal(kind === 'reset' ? 6 : (kind === '429' || step === 'read' ? 3 : 1))
          expect(unwrapped(failed.stderr)).to.include(subject.names)
          expect(() => JSON.parse(failed.stdout), failed.stdout).to.not.throw()
          expectNoKeyValue(failed, keys)

          sandbox.control.clearFaults()
          const again = await runCommand(subject.command, subject.argv, env)
          expect(again.exitCode, again.stderr).to.equal(0)
          subject.settled(sandbox)
          expectNoKeyValue(again, keys)
          passed++
        })
      }
    }
  }
})

describe('read steps that used to fail bare, and a peer attached during teardown', () => {
  let sandbox: Sandbox

  withoutTerminal()

  beforeEach(async () => {
    sandbox = await startSandbox({apps: APPS, asyncProvisioning: {deprovisionMs: 300, provisionMs: 300}})
  })

  afterEach(async () => {
    await sandbox.close()
  })

  it('attach: a failed read-back warns on stderr and exits non-zero, saying the attach happened', async () => {
    await provisioned(sandbox)
    await new Promise(resolve => {
      setTimeout(resolve, 400)
    })
    sandbox.control.injectFault({
      count: 3, method: 'GET', path: '/apps/service-3/config-vars', status: 500,
    })
    const result = await runCommand(Attach, ['--from', 'service-1', '-a', 'service-3'], sandboxEnv(sandbox))
    expect(result.exitCode).to.equal(1)
    const err = unwrapped(result.stderr)
    expect(err).to.include('service-3 is attached, but').and.include('heroku securekey:status -a service-1 compares')
    expect(sandbox.control.configVars('service-3')).to.have.property('SERVICE_1_SECURE_KEY')
  })

  it('attach: a 500 while listing the attachments names the step, and nothing is attached', async () => {
    const addon = await provisioned(sandbox)
    sandbox.control.clearRequests()
    sandbox.control.injectFault({
      count: 3, method: 'GET', path: `/addons/${addon.id}/addon-attachments`, status: 500,
    })
    const result = await runCommand(Attach, ['--from', 'service-1', '-a', 'service-3'], sandboxEnv(sandbox))
    expect(result.exitCode).to.equal(1)
    expect(unwrapped(result.stderr)).to.include(`Listing the attachments of ${addon.name} failed, so nothing was attached to service-3`)
    expect(mutating(sandbox)).to.deep.equal([])
  })

  it('teardown: a failed listing after the peers were detached stops before the destroy, --json complete: false', async () => {
    const {addon} = await provisionWithPeers(sandbox, ['service-2'])
    await new Promise(resolve => {
      setTimeout(resolve, 400)
    })
    // The first listing (the plan) passes; the one after the detach fails.
    let listings = 0
    sandbox.control.onEvent(() => {})
    const path = `/addons/${addon.id}/addon-attachments`
    const result = await (async () => {
      const probe = setInterval(() => {
        const now = sandbox.control.requests().filter(request => request.path === path).length
        if (now > listings) {
          listings = now
          if (listings === 1) sandbox.control.injectFault({
            count: 3, method: 'GET', path, status: 500,
          })
        }
      }, 1)
      try {
        return await runCommand(Teardown, ['-a', 'service-1', '--confirm', 'service-1', '--json'], sandboxEnv(sandbox))
      } finally {
        clearInterval(probe)
      }
    })()
    expect(result.exitCode).to.equal(1)
    const document = JSON.parse(result.stdout)
    expect(document.complete).to.equal(false)
    if (document.results) {
      expect(document.results.stopped.reason).to.be.oneOf(['listing_failed'])
      expect(unwrapped(result.stderr)).to.include('It was not destroyed').and.include('Detached so far: service-2')
    } else {
      expect(unwrapped(result.stderr)).to.include('service-1')
    }

    expect(securekeysOf(sandbox, 'service-1')).to.have.length(1)
  })

  it('teardown --wait: a failed poll names the step and the app, --json complete: false', async () => {
    const {addon} = await provisionWithPeers(sandbox, [])
    await new Promise(resolve => {
      setTimeout(resolve, 400)
    })
    sandbox.control.injectFault({
      count: 3, method: 'GET', path: `/addons/${addon.id}`, status: 500,
    })
    const result = await runCommand(Teardown, ['-a', 'service-1', '--confirm', 'service-1', '--wait', '--json'], sandboxEnv(sandbox))
    expect(result.exitCode).to.equal(1)
    const document = JSON.parse(result.stdout)
    expect(document.complete).to.equal(false)
    expect(document.results.stopped.reason).to.equal('wait_failed')
    expect(unwrapped(result.stderr)).to.include(`The destroy of ${addon.name} on service-1 was accepted`).and.include('checking if it is gone failed')
  })

  it('provision --wait: a failed poll names the add-on, the app and what was done', async () => {
    sandbox.control.injectFault({
      count: 3, method: 'GET', path: /^\/addons\/[^/]+$/, status: 500,
    })
    const result = await runCommand(Provision, ['-a', 'service-3', '--wait'], sandboxEnv(sandbox))
    expect(result.exitCode).to.equal(1)
    expect(unwrapped(result.stderr)).to.match(/securekey-\S+ exists on service-3, but checking whether it is provisioned failed/)
    expect(securekeysOf(sandbox, 'service-3')).to.have.length(1)
  })

  it('a peer attached during teardown is detached too (no orphan)', async () => {
    const {addon} = await provisionWithPeers(sandbox, ['service-2'])
    await new Promise(resolve => {
      setTimeout(resolve, 400)
    })
    let attached = false
    const unsubscribe = sandbox.control.onEvent(event => {
      if (!attached && event.type === 'release' && event.app === 'service-2') {
        attached = true
        sandboxApi<Heroku.AddOnAttachment>(sandbox, 'POST', '/addon-attachments', {addon: {name: addon.name}, app: {name: 'service-3'}, name: 'SERVICE_1_SECURE'}).catch(() => {})
      }
    })
    const result = await runCommand(Teardown, ['-a', 'service-1', '--confirm', 'service-1', '--wait'], sandboxEnv(sandbox))
    unsubscribe()
    expect(result.exitCode, result.stderr).to.equal(0)
    expect(sandbox.control.configVars('service-3')).to.not.have.property('SERVICE_1_SECURE_KEY')
    expect(sandbox.control.attachments().filter(attachment => attachment.addon?.name === addon.name)).to.deep.equal([])
  })
})
