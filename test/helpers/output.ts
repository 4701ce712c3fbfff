/** Reading what a command printed, the way tests of every tier check it. */
import {expect} from 'chai'
import {stripVTControlCharacters} from 'node:util'

import type {CommandResult} from './run-command.js'

type Printed = Pick<CommandResult, 'stderr' | 'stdout'>

/** What a user reads: stdout then stderr, without colours. */
export const text = (result: Printed) => stripVTControlCharacters(result.stdout + result.stderr)

/** `s` without colours, and oclif's wrapped lines (each continuation starting with ' ›') joined again with a space. */
export const unwrapped = (s: string) => stripVTControlCharacters(s).replaceAll(/\s*\n\s*›\s*/g, ' ')

/** Secrets never leave the process: none of `keys`, in upper or lower case, in stdout or stderr. */
export function expectNoKeyValue(result: Printed, keys: readonly string[]): void {
  expect(keys.length, 'no key values to look for').to.be.greaterThan(0)
  const all = (result.stdout + result.stderr).toLowerCase()
  for (const key of keys) expect(all).not.to.include(key.toLowerCase())
}
