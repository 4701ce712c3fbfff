/**
 * The securekey value and its fingerprints.
 *
 * The add-on keeps `"LATEST,PREVIOUS"` in a config var: two keys, each 64 hex digits (32 random bytes). Servers accept
 * both so that clients keep working while a rotation reaches every app. This module parses that value, names each key
 * by a fingerprint, and matches a presented key in constant time. It is pure and imports nothing from the CLI, so apps
 * can use it at run time (see the package root). docs/key-format.md states the same rules, with test vectors, for apps
 * in other languages.
 *
 * skfp1 fingerprints: `skfp1:` + the first 16 hex digits of HMAC-SHA256(key = the key's bytes,
 * message = "heroku-securekey/fingerprint/v1"). A 64-hex-digit key is hex-decoded first, so upper and lower case give
 * the same fingerprint; any other key text is taken as its UTF-8 bytes. The key is the HMAC key rather than the message,
 * which makes the fingerprint a keyed check value: it tells two keys apart and never equals a plain hash of the key that
 * might already be published elsewhere. 64 bits are plenty to tell keys apart and far too few to help an attacker.
 *
 * No key material ever leaves these objects: not through errors, `toString`, `JSON.stringify` or `util.inspect`.
 */
import {createHmac, timingSafeEqual} from 'node:crypto'

const FINGERPRINT_MESSAGE = 'heroku-securekey/fingerprint/v1'
const FINGERPRINT_PREFIX = 'skfp1:'
const STANDARD_KEY = /^[\dA-Fa-f]{64}$/
const inspectSymbol = Symbol.for('nodejs.util.inspect.custom')

export type KeySlot = 'latest' | 'previous'

/** Why a value is not a securekey pair. Never carries the value itself. */
export type MalformedReason = 'empty' | 'empty key' | 'more than two keys' | 'one key'

function keyBytes(text: string): Buffer {
  return STANDARD_KEY.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'utf8')
}

/** The skfp1 fingerprint of one key given as text (hex or otherwise). */
export function fingerprint(key: string): string {
  return fingerprintOfBytes(keyBytes(key.trim()))
}

function fingerprintOfBytes(bytes: Buffer): string {
  return FINGERPRINT_PREFIX + createHmac('sha256', bytes).update(FINGERPRINT_MESSAGE).digest('hex').slice(0, 16)
}

/** Compares in time that depends only on the length of `expected`, never on where the bytes differ. */
function constantTimeEqual(expected: Buffer, presented: Buffer): boolean {
  if (expected.length !== presented.length) {
    timingSafeEqual(expected, expected)
    return false
  }

  return timingSafeEqual(expected, presented)
}

/** One key of a pair. Holds its bytes privately; shows only its fingerprint. */
export class SecureKey {
  readonly fingerprint: string
  /** True for 64 hex digits, the add-on's own format; other text is kept but reported as non-standard. */
  readonly standard: boolean
  readonly #bytes: Buffer
  readonly #text: string

  constructor(text: string) {
    this.standard = STANDARD_KEY.test(text)
    this.#bytes = keyBytes(text)
    this.#text = text
    this.fingerprint = fingerprintOfBytes(this.#bytes)
  }

  [inspectSymbol](): string {
    return this.toString()
  }

  /** Whether `presented` is this key, compared in constant time (hex case does not matter). */
  matches(presented: Buffer | string): boolean {
    const bytes = typeof presented === 'string' ? keyBytes(presented.trim()) : presented
    return constantTimeEqual(this.#bytes, bytes)
  }

  /**
   * The key's text, for app code that must present it (a client's Authorization header). The only way out of this
   * object on purpose; the plugin's commands never call it.
   */
  reveal(): string {
    return this.#text
  }

  toJSON(): {fingerprint: string, standard: boolean} {
    return {fingerprint: this.fingerprint, standard: this.standard}
  }

  toString(): string {
    return `SecureKey(${this.fingerprint})`
  }
}

/** A parsed `"LATEST,PREVIOUS"` value. */
export class SecureKeyPair {
  readonly latest: SecureKey
  readonly previous: SecureKey

  constructor(latest: SecureKey, previous: SecureKey) {
    this.latest = latest
    this.previous = previous
  }

  /** True when both keys are in the add-on's own format (64 hex digits). */
  get standard(): boolean {
    return this.latest.standard && this.previous.standard
  }

  [inspectSymbol](): string {
    return this.toString()
  }

  /**
   * Which slot a presented key matches, if any. Both slots are always compared, each in constant time, so the answer
   * takes as long whether it is LATEST, PREVIOUS or neither.
   */
  match(presented: Buffer | string): KeySlot | undefined {
    const latest = this.latest.matches(presented)
    const previous = this.previous.matches(presented)
    if (latest) return 'latest'
    if (previous) return 'previous'
    return undefined
  }

  toJSON(): {latest: ReturnType<SecureKey['toJSON']>, previous: ReturnType<SecureKey['toJSON']>} {
    return {latest: this.latest.toJSON(), previous: this.previous.toJSON()}
  }

  toString(): string {
    return `SecureKeyPair(latest ${this.latest.fingerprint}, previous ${this.previous.fingerprint})`
  }
}

export type ParsedSecureKey = {ok: false, reason: MalformedReason} | {ok: true, pair: SecureKeyPair}

/**
 * Parses a securekey config var value. Surrounding whitespace is trimmed around the value and each key; either hex case
 * is accepted; keys that are not 64 hex digits are kept and flagged as non-standard. Anything but exactly two
 * non-empty keys is malformed. The result never contains the value's text.
 */
export function parseSecureKey(value: null | string | undefined): ParsedSecureKey {
  const text = (value ?? '').trim()
  if (text === '') return {ok: false, reason: 'empty'}
  const parts = text.split(',').map(part => part.trim())
  if (parts.length === 1) return {ok: false, reason: 'one key'}
  if (parts.length > 2) return {ok: false, reason: 'more than two keys'}
  if (parts.includes('')) return {ok: false, reason: 'empty key'}
  return {ok: true, pair: new SecureKeyPair(new SecureKey(parts[0]), new SecureKey(parts[1]))}
}

/** Thrown by readSecureKey; its message names the variable and the problem, never the value. */
export class MalformedSecureKeyError extends Error {
  readonly reason: MalformedReason
  readonly variable: string

  constructor(variable: string, reason: MalformedReason) {
    super(reason === 'empty'
      ? `${variable} is not set or empty: expected "LATEST,PREVIOUS" from the securekey add-on`
      : `${variable} is malformed (${reason}): expected "LATEST,PREVIOUS" from the securekey add-on`)
    this.name = 'MalformedSecureKeyError'
    this.reason = reason
    this.variable = variable
  }
}

/**
 * For apps: reads and parses a securekey config var (default `SECURE_KEY`) from an environment, throwing a
 * MalformedSecureKeyError that never contains the value.
 */
export function readSecureKey(variable = 'SECURE_KEY', env: Record<string, string | undefined> = process.env): SecureKeyPair {
  const parsed = parseSecureKey(env[variable])
  if (!parsed.ok) throw new MalformedSecureKeyError(variable, parsed.reason)
  return parsed.pair
}
