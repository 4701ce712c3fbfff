/* eslint-disable mocha/no-exports, mocha/no-top-level-hooks -- a helper: its hooks join the describe block that calls it */
/**
 * Registers hooks, in the describe block that calls it, that make stdin no terminal for each test and restore its isTTY
 * descriptor exactly afterwards: the tests play a script, so no prompt may wait for an answer, whatever runs mocha.
 */
export function withoutTerminal(): void {
  let saved: PropertyDescriptor | undefined

  beforeEach(() => {
    saved = Object.getOwnPropertyDescriptor(process.stdin, 'isTTY')
    Object.defineProperty(process.stdin, 'isTTY', {configurable: true, value: false})
  })

  afterEach(() => {
    if (saved) Object.defineProperty(process.stdin, 'isTTY', saved)
    else delete (process.stdin as {isTTY?: boolean}).isTTY
  })
}
