// Mocha root hooks, loaded before any test file.
import nock from 'nock'

// Commands under test write to captured streams, so they must print what a pipe gets, whatever runs mocha: in a
// terminal, colours (heroku-cli-util, ansis) and oclif's redrawing spinner are chosen once, when those modules load.
// Everything that loads them comes after this file. FORCE_COLOR=0 also keeps a caller's FORCE_COLOR=1 out, here and
// in the children tests start.
for (const stream of [process.stdout, process.stderr]) Object.defineProperty(stream, 'isTTY', {configurable: true, value: false})
process.env.FORCE_COLOR = '0'
delete process.env.NO_COLOR

// No test in this process may reach the network, except local servers (the sandbox, a test's own node:http server).
// Re-asserted before each test, so that a suite calling nock.enableNetConnect() with no argument cannot open the door
// for the suites after it.
function loopbackOnly(): void {
  nock.disableNetConnect()
  nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/)
}

export const mochaHooks = {
  beforeAll: loopbackOnly,
  beforeEach: loopbackOnly,
}
