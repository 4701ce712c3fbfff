// Preloaded into every Heroku CLI child the acceptance harness spawns
// (NODE_OPTIONS=--import <this file>). Plain JavaScript on purpose: it runs before tsx is registered.
//
// Any connection or DNS lookup for a host other than the loopback names stops the process at once:
// the guard prints MARKER and the host on stderr and exits with EXIT_CODE, before a name is resolved
// or a socket is opened. Exiting (rather than throwing) keeps the CLI from swallowing the error or
// retrying it for seconds; the harness turns the marker into a thrown error naming the host.
import dns from 'node:dns'
import {writeSync} from 'node:fs'
import net from 'node:net'

export const MARKER = '[network-guard] blocked'
export const EXIT_CODE = 86

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1', '[::1]', 'localhost'])

function block(host, port, via) {
  const where = port === undefined ? host : `${host}:${port}`
  const {stack} = new Error(`${via} ${where}`)
  writeSync(2, `\n${MARKER} ${where} (${via})\n${stack}\n`)
  process.exit(EXIT_CODE)
}

function check(host, port, via) {
  if (!LOOPBACK.has(String(host).toLowerCase())) block(host, port, via)
}

// net.Socket#connect is the one door for net.connect, tls.connect, http(s) agents, http2 and fetch (undici).
// Its arguments come as (options[, cb]), (port[, host][, cb]), (path[, cb]) or net's normalized [options, cb].
function targetOf(args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0]
  if (first !== null && typeof first === 'object') {
    if (first.path) return
    return {host: first.host ?? first.hostname ?? 'localhost', port: first.port}
  }

  if (typeof first === 'string' && Number.isNaN(Number(first))) return // a Unix socket path
  return {host: typeof args[1] === 'string' ? args[1] : 'localhost', port: first}
}

const {connect} = net.Socket.prototype
net.Socket.prototype.connect = function (...args) {
  const target = targetOf(args)
  if (target) check(target.host, target.port, 'net.Socket#connect')
  return Reflect.apply(connect, this, args)
}

function guardLookups(api, via) {
  for (const name of ['lookup', 'lookupService', 'resolve', 'resolve4', 'resolve6', 'resolveAny', 'resolveCname']) {
    const original = api[name]
    if (typeof original !== 'function') continue
    api[name] = function (host, ...rest) {
      check(host, undefined, `${via}.${name}`)
      return Reflect.apply(original, this, [host, ...rest])
    }
  }
}

guardLookups(dns, 'dns')
guardLookups(dns.promises, 'dns.promises')
