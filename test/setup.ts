// Mocha root hooks: no test in this process may reach the network, except local servers (the sandbox,
// a test's own node:http server). Re-asserted before each test, so that a suite calling
// nock.enableNetConnect() with no argument cannot open the door for the suites after it.
import nock from 'nock'

function loopbackOnly(): void {
  nock.disableNetConnect()
  nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/)
}

export const mochaHooks = {
  beforeAll: loopbackOnly,
  beforeEach: loopbackOnly,
}
