import {pause} from '../../src/core/wait.js'

/** Waits until `check` holds, looking every 2 ms; throws after `timeoutMs`. For sandbox events that land on timers. */
export async function waitFor(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms`)
    // eslint-disable-next-line no-await-in-loop
    await pause(2)
  }
}
