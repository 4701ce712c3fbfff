/**
 * `npm run sandbox [-- --port 5000] [--apps 3] [--fleet] [--async] [--seed S] [--page-size N] [--token T] [--restart-delay MIN-MAX]`
 * Runs the sandbox in the foreground and prints the env lines that point the Heroku CLI (or the
 * plugin) at it. Never prints a key value.
 */
import {parseArgs} from 'node:util'

import {startSandbox} from './index.js'

const {values} = parseArgs({
  options: {
    apps: {type: 'string'},
    async: {type: 'boolean'},
    fleet: {type: 'boolean'},
    help: {short: 'h', type: 'boolean'},
    'page-size': {type: 'string'},
    port: {type: 'string'},
    'restart-delay': {type: 'string'},
    seed: {type: 'string'},
    token: {type: 'string'},
  },
})

if (values.help) {
  console.log('usage: npm run sandbox -- [--port 5000] [--apps N] [--fleet] [--async] [--seed S] [--page-size N] [--token T] [--restart-delay MIN-MAX]')
  process.exit(0)
}

const integer = (flag: string, text: string | undefined): number | undefined => {
  if (text === undefined) return undefined
  const n = Number(text)
  if (!Number.isInteger(n) || n < 0) {
    console.error(`--${flag} must be a non-negative integer, not ${text}`)
    process.exit(2)
  }

  return n
}

/** `300` or `100-800` (ms). */
const restartDelay = (text: string | undefined): undefined | {maxMs: number, minMs: number} => {
  if (text === undefined) return undefined
  const [min, max = min] = text.split('-').map(Number)
  if (!Number.isInteger(min) || !Number.isInteger(max) || min < 0 || max < min) {
    console.error(`--restart-delay is MS or MIN-MAX (ms, 0 <= MIN <= MAX), not ${text}`)
    process.exit(2)
  }

  return {maxMs: max, minMs: min}
}

const sandbox = await startSandbox({
  apps: integer('apps', values.apps),
  asyncProvisioning: values.async ?? false,
  fleet: values.fleet ?? false,
  pageSize: integer('page-size', values['page-size']),
  port: integer('port', values.port) ?? 5000,
  restartDelay: restartDelay(values['restart-delay']),
  seed: values.seed,
  token: values.token,
})

console.log(`Heroku Platform API sandbox listening on ${sandbox.url}

Point the Heroku CLI or the plugin at it:

  export HEROKU_HOST=${sandbox.env.HEROKU_HOST}
  export HEROKU_API_KEY=${sandbox.env.HEROKU_API_KEY}
  export HEROKU_PARTICLEBOARD_URL=${sandbox.env.HEROKU_PARTICLEBOARD_URL}

Stage scenarios through the control surface (same token), e.g.:
  curl -s -H "Authorization: Bearer $HEROKU_API_KEY" ${sandbox.url}/__sandbox/state
  curl -s -H "Authorization: Bearer $HEROKU_API_KEY" -X POST -d '{"advanceMs": 1296000000}' ${sandbox.url}/__sandbox/clock
See docs/sandbox.md for every route. Ctrl-C to stop.`)

const stop = async (signal: string) => {
  console.log(`\n${signal}: stopping the sandbox`)
  await sandbox.close()
  process.exit(0)
}

process.once('SIGINT', () => stop('SIGINT'))
process.once('SIGTERM', () => stop('SIGTERM'))
