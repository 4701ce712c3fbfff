// Preloaded (NODE_OPTIONS=--import) with network-guard.mjs into the `heroku` processes bench/startup.ts times: at exit,
// one line on stderr with the CPU time the process used (user + system, ms). On a loaded machine the wall time of a
// run swings with what else is running; its CPU time much less, so startup.ts reports both.
import {writeSync} from 'node:fs'

process.once('exit', () => {
  const {system, user} = process.cpuUsage()
  writeSync(2, `\n[bench cpu] ${((user + system) / 1000).toFixed(1)}\n`)
})
