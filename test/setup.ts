// Mocha root hooks, loaded before any test file.
import nock from 'nock'

// Tests read what commands print, so it must not depend on the machine that runs them. In a terminal, colours
// (heroku-cli-util, ansis) and oclif's redrawing spinner are chosen once, when those modules load, and everything that
// loads them comes after this file: stdout and stderr are no terminal here. On CI, `CI` makes ansis colour even a pipe
// (FORCE_COLOR=0 stops it, and a caller's FORCE_COLOR=1) and switches @oclif/table to its plain layout (its own
// OCLIF_TABLE_SKIP_CI_CHECK keeps the terminal layout the README shows). Children started by tests (the real Heroku
// CLI, the demo) inherit the two variables.
for (const stream of [process.stdout, process.stderr]) Object.defineProperty(stream, 'isTTY', {configurable: true, value: false})
process.env.FORCE_COLOR = '0'
process.env.OCLIF_TABLE_SKIP_CI_CHECK = 'true'
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
