// Preloaded (NODE_OPTIONS=--import) into every process bench/startup.ts starts: the Heroku CLI and the npm it runs for
// plugins:install. A connection or DNS lookup for anything but the loopback exits at once with code 86, naming the
// host on stderr, so the start-up benchmark can never reach the network. BENCH_NETWORK_ALLOW (comma-separated host
// names) lets more through: startup.ts sets it to the npm registry's host for the plugins:install step only, never for
// the timed runs.
import dns from 'node:dns'
import {writeSync} from 'node:fs'
import net from 'node:net'

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1', '[::1]', 'localhost'])
for (const host of (process.env.BENCH_NETWORK_ALLOW ?? '').split(',')) if (host.trim()) LOOPBACK.add(host.trim().toLowerCase())

function check(host, via) {
  if (LOOPBACK.has(String(host).toLowerCase())) return
  writeSync(2, `\n[bench network-guard] blocked ${host} (${via})\n`)
  process.exit(86)
}

const {connect} = net.Socket.prototype
net.Socket.prototype.connect = function (...args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0]
  if (first !== null && typeof first === 'object') {
    if (!first.path) check(first.host ?? first.hostname ?? 'localhost', 'connect')
  } else if (typeof first === 'number' || (typeof first === 'string' && !Number.isNaN(Number(first)))) {
    check(typeof args[1] === 'string' ? args[1] : 'localhost', 'connect')
  }

  return Reflect.apply(connect, this, args)
}

for (const api of [dns, dns.promises]) {
  for (const name of ['lookup', 'resolve', 'resolve4', 'resolve6', 'resolveAny']) {
    const original = api[name]
    if (typeof original !== 'function') continue
    api[name] = function (host, ...rest) {
      check(host, `dns.${name}`)
      return Reflect.apply(original, this, [host, ...rest])
    }
  }
}
