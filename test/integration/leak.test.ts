/* eslint-disable mocha/max-top-level-suites -- the in-process matrix, then the real CLI */
/**
 * The leak suite: no key on any stream under any setting. Every command (status, provision, attach, teardown, rotate),
 * on an add-on key and on a self-managed key, with each output flag (--json, --dry-run, --dynos, --history, --check,
 * --wait), an error, an aborted confirmation (no --confirm, no terminal) and a failure midway (an injected fault),
 * under each debug setting: none, DEBUG=*, DEBUG=http*, HEROKU_DEBUG=1, HEROKU_DEBUG=1 HEROKU_DEBUG_HEADERS=1.
 *
 * Each case, on a fresh sandbox: neither stdout nor stderr holds a key any app ever had (any release, either case),
 * nor any run of 16 of its hex digits, nor another config var's value (DATABASE_URL, a hand-set secret), nor the API
 * token; the exit code is the one the case is about; and when http debugging is on, every request the sandbox saw is
 * on stderr as "→ METHOD URL" (the positive control: debug output IS captured, so its silence about keys means
 * something). `debug` reads DEBUG once, when first imported: here namespaces are switched with createDebug.enable()
 * around each case; HEROKU_DEBUG is read by @heroku-cli/command per command, so it goes in runCommand's environment.
 * Then the real Heroku CLI, whose DEBUG is read at start: HEROKU_DEBUG=1 and DEBUG=* on securekey:status.
 */
import {expect} from 'chai'
import {createRequire} from 'node:module'
import {stripVTControlCharacters} from 'node:util'

import {
  DEFAULT_TOKEN, type Fault, type Sandbox, startSandbox,
} from '../../sandbox/index.js'
import Attach from '../../src/commands/securekey/attach.js'
import Provision from '../../src/commands/securekey/provision.js'
import Rotate from '../../src/commands/securekey/rotate.js'
import Status from '../../src/commands/securekey/status.js'
import Teardown from '../../src/commands/securekey/teardown.js'
import {run, serverEnv} from '../helpers/heroku-cli.js'
import {runCommand} from '../helpers/run-command.js'
import {
  attachTo, mutating, provisioned, sandboxEnv,
} from '../helpers/sandbox-setup.js'
import {withoutTerminal} from '../helpers/terminal.js'

type Command = Parameters<typeof runCommand>[0]
/** The `debug` package http-call and oclif print with (no types installed): its namespaces are switched per case. */
const createDebug = createRequire(import.meta.url)('debug') as {disable(): string, enable(namespaces: string): void}
type Printed = {stderr: string, stdout: string}

const APPS = ['service-1', 'service-2', 'service-3']
/** Config var values no output may show, set on every app. */
const DATABASE_URL = 'postgres://u:p4ssw0rd-unique@h/db'
/** A value set by hand where a key goes (the aborted confirmations replace it): no output may show it either. */
const HAND_SET = 'hand-set-secret-5f0c1d2e3b4a'

/** What a case starts from. */
type State = 'addon-attached' | 'self-attached' | 'self-empty' | 'self-owner'

interface Case {
  argv: string[]
  command: Command
  exit: number
  fault?: Fault
  /** Something done after the state is reached, before the command. */
  prepare?(sandbox: Sandbox): void
  state: State
  title: string
}

const settings: Array<{debug?: string, env?: Record<string, string>, http: boolean, name: string}> = [
  {http: false, name: 'no debug'},
  {debug: '*', http: true, name: 'DEBUG=*'},
  {debug: 'http*', http: true, name: 'DEBUG=http*'},
  {env: {HEROKU_DEBUG: '1'}, http: true, name: 'HEROKU_DEBUG=1'},
  {env: {HEROKU_DEBUG: '1', HEROKU_DEBUG_HEADERS: '1'}, http: true, name: 'HEROKU_DEBUG=1 HEROKU_DEBUG_HEADERS=1'},
]

const fault = (method: string, path: RegExp | string, status = 500): Fault => ({
  count: 3, method, path, status,
})
const handSet = (app: string, name: string) => (sandbox: Sandbox) => sandbox.control.setConfigVar(app, name, HAND_SET)

const addonCases: Case[] = [
  ...[[], ['--json'], ['--dynos'], ['--history'], ['--check'], ['--wait']].map(flags => ({
    argv: ['-a', 'service-1', ...flags], command: Status, exit: 0 as const, title: `status ${flags.join(' ')}`,
  })),
  {
    argv: ['-a', 'service-2', '--dynos', '--history', '--json'], command: Status, exit: 0, title: 'status from the peer --dynos --history --json',
  },
  {
    argv: ['-a', 'no-such-app'], command: Status, exit: 1, title: 'status: an error (no such app)',
  },
  {
    argv: ['-a', 'service-1', '--check'], command: Status, exit: 1, fault: fault('GET', '/apps/service-2/config-vars'), title: 'status --check: failure midway (500 on a peer\'s config)',
  },
  ...[['--all'], ['--all', '--json'], ['--all', '--check', '--max-age', '30d']].map(flags => ({
    argv: flags, command: Status, exit: 0 as const, title: `status ${flags.join(' ')}`,
  })),
  {
    argv: ['--team', 'payments', '--json'], command: Status, exit: 1, title: 'status --team: an error (no such team)',
  },
  {
    argv: ['--all', '--check', '--json'], command: Status, exit: 1, fault: fault('GET', '/apps/service-2/config-vars'), title: 'status --all --check: failure midway (500 on a peer\'s config)',
  },
  {
    argv: ['-a', 'service-1'], command: Provision, exit: 0, title: 'provision: the existing add-on, its fingerprint',
  },
  ...[[], ['--json'], ['--dry-run'], ['--wait']].map(flags => ({
    argv: ['-a', 'service-3', ...flags], command: Provision, exit: 0 as const, title: `provision -a service-3 ${flags.join(' ')}`,
  })),
  {
    argv: ['-a', 'service-3', '--plan', 'nope'], command: Provision, exit: 1, title: 'provision: an error (no such plan)',
  },
  {
    argv: ['-a', 'service-2', '--as', 'SERVICE_1_SECURE'], command: Provision, exit: 1, title: 'provision: aborted confirmation (name taken)',
  },
  {
    argv: ['-a', 'service-3'], command: Provision, exit: 1, fault: fault('POST', '/apps/service-3/addons', 429), title: 'provision: failure midway (429 on the create)',
  },
  ...[[], ['--json'], ['--dry-run']].map(flags => ({
    argv: ['--from', 'service-1', '-a', 'service-3', ...flags], command: Attach, exit: 0 as const, title: `attach ${flags.join(' ')}`,
  })),
  {
    argv: ['--from', 'service-1', '-a', 'no-such-app'], command: Attach, exit: 1, title: 'attach: an error (no such app)',
  },
  {
    argv: ['--from', 'service-1', '-a', 'service-3'], command: Attach, exit: 1, prepare: handSet('service-3', 'SERVICE_1_SECURE_KEY'), title: 'attach: aborted confirmation (var set by hand)',
  },
  {
    argv: ['--from', 'service-1', '-a', 'service-3', '--json'], command: Attach, exit: 1, fault: fault('POST', '/addon-attachments', 429), title: 'attach: failure midway (429 on the attach)',
  },
  ...[['--confirm', 'service-1'], ['--confirm', 'service-1', '--json'], ['--dry-run'], ['--confirm', 'service-1', '--wait']].map(flags => ({
    argv: ['-a', 'service-1', ...flags], command: Teardown, exit: 0 as const, title: `teardown ${flags.join(' ')}`,
  })),
  {
    argv: ['-a', 'service-1', '--confirm', 'service-2'], command: Teardown, exit: 1, title: 'teardown: an error (wrong --confirm)',
  },
  {
    argv: ['-a', 'service-1'], command: Teardown, exit: 1, title: 'teardown: aborted confirmation',
  },
  {
    argv: ['-a', 'service-1', '--confirm', 'service-1', '--json'], command: Teardown, exit: 1, fault: fault('DELETE', /^\/addon-attachments\//), title: 'teardown: failure midway (500 on a detach)',
  },
  ...[['--confirm', 'service-1'], ['--dry-run'], ['--confirm', 'service-1', '--json']].map(flags => ({
    argv: ['-a', 'service-1', ...flags], command: Rotate, exit: 1 as const, title: `rotate an add-on key (refused) ${flags.join(' ')}`,
  })),
].map(item => ({state: 'addon-attached', ...item}))

const selfCases: Case[] = [
  ...[[], ['--json'], ['--dry-run']].map(flags => ({
    argv: ['-a', 'service-1', '--self-managed', ...flags], command: Provision, exit: 0 as const, state: 'self-empty' as const, title: `provision --self-managed ${flags.join(' ')}`,
  })),
  {
    argv: ['-a', 'service-1', '--self-managed'], command: Provision, exit: 0, state: 'self-owner', title: 'provision --self-managed again: the existing key',
  },
  {
    argv: ['-a', 'no-such-app', '--self-managed'], command: Provision, exit: 1, state: 'self-empty', title: 'provision --self-managed: an error (no such app)',
  },
  {
    argv: ['-a', 'service-1', '--self-managed'], command: Provision, exit: 1, prepare: handSet('service-1', 'SECURE_KEY'), state: 'self-empty',
    title: 'provision --self-managed: aborted confirmation (var set by hand)',
  },
  {
    argv: ['-a', 'service-1', '--self-managed'], command: Provision, exit: 1, fault: fault('PATCH', '/apps/service-1/config-vars', 429), state: 'self-empty',
    title: 'provision --self-managed: failure midway (429 on the write)',
  },
  ...[[], ['--json'], ['--dry-run']].map(flags => ({
    argv: ['--from', 'service-1', '-a', 'service-2', ...flags], command: Attach, exit: 0 as const, state: 'self-owner' as const, title: `attach a self-managed key ${flags.join(' ')}`,
  })),
  {
    argv: ['--from', 'service-1', '-a', 'no-such-app'], command: Attach, exit: 1, state: 'self-owner', title: 'attach a self-managed key: an error (no such app)',
  },
  {
    argv: ['--from', 'service-1', '-a', 'service-2'], command: Attach, exit: 1, prepare: handSet('service-2', 'SERVICE_1_SECURE_KEY'), state: 'self-owner',
    title: 'attach a self-managed key: aborted confirmation (var set by hand)',
  },
  {
    argv: ['--from', 'service-1', '-a', 'service-2', '--json'], command: Attach, exit: 1, fault: fault('PATCH', '/apps/service-2/config-vars', 429), state: 'self-owner',
    title: 'attach a self-managed key: failure midway (429 on the write)',
  },
  ...[[], ['--json'], ['--dynos'], ['--history'], ['--check'], ['--wait']].map(flags => ({
    argv: ['-a', 'service-1', ...flags], command: Status, exit: 0 as const, state: 'self-attached' as const, title: `status of a self-managed key ${flags.join(' ')}`,
  })),
  {
    argv: ['-a', 'service-2', '--dynos', '--history', '--json'], command: Status, exit: 0, state: 'self-attached', title: 'status of a self-managed key from the peer --dynos --history --json',
  },
  ...[['--all', '--json'], ['--all', '--check']].map(flags => ({
    argv: flags, command: Status, exit: 0 as const, state: 'self-attached' as const, title: `status of a self-managed key ${flags.join(' ')}`,
  })),
  {
    argv: ['-a', 'service-1', '--check'], command: Status, exit: 1, fault: fault('GET', '/apps/service-2/config-vars'), state: 'self-attached',
    title: 'status --check of a self-managed key: failure midway (500 on a peer\'s config)',
  },
  ...[['--confirm', 'service-1'], ['--confirm', 'service-1', '--json'], ['--dry-run'], ['--dry-run', '--json']].map(flags => ({
    argv: ['-a', 'service-1', ...flags], command: Rotate, exit: 0 as const, state: 'self-attached' as const, title: `rotate ${flags.join(' ')}`,
  })),
  {
    argv: ['-a', 'service-1', '--confirm', 'service-2'], command: Rotate, exit: 1, state: 'self-attached', title: 'rotate: an error (wrong --confirm)',
  },
  {
    argv: ['-a', 'service-1'], command: Rotate, exit: 1, state: 'self-attached', title: 'rotate: aborted confirmation',
  },
  {
    argv: ['-a', 'service-1', '--confirm', 'service-1', '--json'], command: Rotate, exit: 1, fault: fault('PATCH', '/apps/service-2/config-vars', 429), state: 'self-attached',
    title: 'rotate: failure midway (429 on a peer\'s write)',
  },
  {
    argv: ['-a', 'service-1', '--confirm', 'service-1', '--timeout', '300ms', '--json'], command: Rotate, exit: 1, prepare: sandbox => sandbox.control.holdDynos('service-2', ['web.1']),
    state: 'self-attached', title: 'rotate: stopped at the barrier (a held dyno)',
  },
  ...[['--confirm', 'service-1'], ['--dry-run'], ['--confirm', 'service-1', '--json']].map(flags => ({
    argv: ['-a', 'service-1', ...flags], command: Teardown, exit: 0 as const, state: 'self-attached' as const, title: `teardown of a self-managed key ${flags.join(' ')}`,
  })),
  {
    argv: ['-a', 'service-1'], command: Teardown, exit: 1, state: 'self-attached', title: 'teardown of a self-managed key: aborted confirmation',
  },
]

/** Every value no output may show: every key any app had (every release), the other config values, the token. */
function secretsOf(sandbox: Sandbox): {keys: string[], values: string[]} {
  const keys = new Set<string>()
  const values = APPS.flatMap(app => sandbox.control.releases(app).flatMap(release => Object.entries(sandbox.control.releaseConfigVars(app, release.version!))))
  for (const [name, value] of values) {
    if (name.endsWith('_KEY')) for (const key of value.split(',').map(part => part.trim())) if (key.length >= 16) keys.add(key)
  }

  return {keys: [...keys], values: [DATABASE_URL, 'p4ssw0rd-unique', HAND_SET, DEFAULT_TOKEN]}
}

/** No key (either case), no run of 16 of a key's hex digits, no other secret value, on stdout or stderr. */
function expectNoSecrets(printed: Printed, sandbox: Sandbox, what: string): void {
  const {keys, values} = secretsOf(sandbox)
  expect(keys.length, 'keys to look for').to.be.greaterThan(0)
  for (const [stream, raw] of [['stdout', printed.stdout], ['stderr', printed.stderr]]) {
    const all = `${raw}\n${stripVTControlCharacters(raw)}`.toLowerCase()
    for (const value of [...keys, ...values]) expect(all.includes(value.toLowerCase()), `${what}: a secret on ${stream}`).to.equal(false)
    const windows = new Set(keys.flatMap(key => Array.from({length: key.length - 15}, (_, i) => key.slice(i, i + 16).toLowerCase())))
    for (const run of all.match(/[\da-f]{16,}/g) ?? []) {
      const found = Array.from({length: run.length - 15}, (_, i) => run.slice(i, i + 16)).some(digits => windows.has(digits))
      expect(found, `${what}: 16 hex digits of a key on ${stream}: ${run}`).to.equal(false)
    }
  }
}

/** The config vars a self-managed key's provision (and attach) leave on each app: made once, copied into each case. */
const selfManaged = new Map<State, Record<string, Record<string, string>>>()

async function selfManagedState(state: 'self-attached' | 'self-owner'): Promise<Record<string, Record<string, string>>> {
  if (!selfManaged.has(state)) {
    const sandbox = await startSandbox({apps: APPS})
    try {
      const env = sandboxEnv(sandbox, 5)
      const owner = await runCommand(Provision, ['-a', 'service-1', '--self-managed'], env)
      expect(owner.exitCode, owner.stderr).to.equal(0)
      if (state === 'self-attached') {
        const peer = await runCommand(Attach, ['--from', 'service-1', '-a', 'service-2'], env)
        expect(peer.exitCode, peer.stderr).to.equal(0)
      }

      const before = await startSandbox({apps: APPS})
      const fresh = Object.fromEntries(APPS.map(app => [app, before.control.configVars(app)]))
      await before.close()
      selfManaged.set(state, Object.fromEntries(APPS.map(app => [app, Object.fromEntries(Object.entries(sandbox.control.configVars(app)).filter(([name, value]) => fresh[app][name] !== value))])))
    } finally {
      await sandbox.close()
    }
  }

  return selfManaged.get(state)!
}

async function reach(sandbox: Sandbox, state: State): Promise<void> {
  for (const app of APPS) sandbox.control.setConfigVar(app, 'DATABASE_URL', DATABASE_URL)
  // A key the commands read beside theirs (every state, self-empty included): it must not show either.
  sandbox.control.setConfigVar('service-1', 'OLD_SECURE_KEY', `${'9F3A'.repeat(16)},${'0B7E'.repeat(16)}`)
  if (state === 'addon-attached') {
    const addon = await provisioned(sandbox)
    await attachTo(sandbox, addon.name, 'service-2')
  } else if (state !== 'self-empty') {
    for (const [app, vars] of Object.entries(await selfManagedState(state))) {
      for (const [name, value] of Object.entries(vars)) sandbox.control.setConfigVar(app, name, value)
    }
  }
}

describe('leak suite: no key on any stream, any command, any flag, any debug setting', () => {
  const cases = [...addonCases, ...selfCases]
  let tried = 0
  let passed = 0
  let sandbox: Sandbox | undefined

  withoutTerminal()

  afterEach(async () => {
    createDebug.disable()
    await sandbox?.close()
    sandbox = undefined
  })

  after(() => {
    createDebug.enable(process.env.DEBUG ?? '')
    console.log(`      leak suite: ${tried} cases (${cases.length} command lines × ${settings.length} debug settings), passed: ${passed}`)
  })

  for (const item of cases) {
    const name = new Map<Command, string>([[Attach, 'attach'], [Provision, 'provision'], [Rotate, 'rotate'], [Status, 'status'], [Teardown, 'teardown']]).get(item.command)
    it(`${item.title}: securekey:${name} ${item.argv.join(' ')}, under every debug setting`, async () => {
      for (const setting of settings) {
        tried++
        const what = `${setting.name}: ${name} ${item.argv.join(' ')}`
        if (!sandbox) {
          sandbox = await startSandbox({apps: APPS}) // eslint-disable-line no-await-in-loop
          await reach(sandbox, item.state) // eslint-disable-line no-await-in-loop
          item.prepare?.(sandbox)
        }

        sandbox.control.clearFaults()
        sandbox.control.clearRequests()
        if (item.fault) sandbox.control.injectFault(item.fault)
        createDebug.disable()
        if (setting.debug) createDebug.enable(setting.debug)
        // eslint-disable-next-line no-await-in-loop
        const result = await runCommand(item.command, item.argv, {
          ...sandboxEnv(sandbox, 5), HEROKU_DEBUG: undefined, HEROKU_DEBUG_HEADERS: undefined, ...setting.env,
        })
        createDebug.disable()
        expect(result.exitCode, `${what}\n${result.stdout}${result.stderr}`).to.equal(item.exit)
        expectNoSecrets(result, sandbox, what)
        const requests = sandbox.control.requests()
        const err = stripVTControlCharacters(result.stderr)
        if (setting.http) {
          for (const request of requests) expect(err, `${what}: the request line of ${request.method} ${request.path}`).to.include(`→ ${request.method} http://127.0.0.1${request.path}`)
        } else {
          expect(err, what).to.not.include('→ GET http://127.0.0.1')
        }

        // The next setting starts from the same state: the same sandbox when nothing was sent that could change it.
        if (mutating(sandbox).length > 0) {
          await sandbox.close() // eslint-disable-line no-await-in-loop
          sandbox = undefined
        }

        passed++
      }
    })
  }
})

describe('leak suite: the real Heroku CLI, debug on', function () {
  this.timeout(180_000)
  let sandbox: Sandbox

  before(async () => {
    sandbox = await startSandbox({apps: APPS})
    await reach(sandbox, 'addon-attached')
  })

  after(async () => {
    await sandbox.close()
  })

  for (const env of [{HEROKU_DEBUG: '1'}, {DEBUG: '*'}] as Array<Record<string, string>>) {
    const name = Object.entries(env).map(([key, value]) => `${key}=${value}`).join(' ')
    it(`${name} heroku securekey:status -a service-1 --dynos: request lines on stderr, no key, no other secret`, async () => {
      sandbox.control.clearRequests()
      const result = await run(['securekey:status', '-a', 'service-1', '--dynos'], {env: {...serverEnv(sandbox.url, sandbox.token), ...env}})
      expect(result.exitCode, result.stderr).to.equal(0)
      expectNoSecrets(result, sandbox, name)
      const err = stripVTControlCharacters(result.stderr)
      const requests = sandbox.control.requests().filter(request => request.path.startsWith('/apps/'))
      expect(requests.length).to.be.greaterThan(2)
      for (const request of requests) expect(err, `${name}: ${request.method} ${request.path}`).to.include(`→ ${request.method} http://127.0.0.1${request.path}`)
      console.log(`      real CLI, ${name}: ${result.stderr.length} characters of stderr, ${requests.length} request lines found, no secret`)
    })
  }
})
