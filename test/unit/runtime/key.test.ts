import {expect} from 'chai'
import {createHash} from 'node:crypto'
import {inspect} from 'node:util'

import {
  fingerprint, MalformedSecureKeyError, parseSecureKey, readSecureKey, SecureKeyPair,
} from '../../../src/runtime/key.js'

// Vectors computed outside this code with:
//   printf 'heroku-securekey/fingerprint/v1' | openssl dgst -sha256 -mac HMAC -macopt hexkey:<KEY>   (first 16 hex digits)
//   printf 'heroku-securekey/fingerprint/v1' | openssl dgst -sha256 -mac HMAC -macopt key:not-a-hex-key
const KEY_A = '3F1C9A0B7E2D4C6A8B1E0F9D2C3B4A5968778695A4B3C2D1E0F1A2B3C4D5E6F7'
const KEY_B = 'A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F90'
const FP_A = 'skfp1:17247b68943c0ef2'
const FP_B = 'skfp1:2ffdc5ea663d9889'
const FP_NON_HEX = 'skfp1:5a807416cae9702a'
// printf KEY_A | xxd -r -p | openssl dgst -sha256: the plain hash a fingerprint must never equal
const PLAIN_SHA256_A_PREFIX = 'bc5193264355fd4e'

function pairOf(value: string): SecureKeyPair {
  const parsed = parseSecureKey(value)
  if (!parsed.ok) throw new Error(`expected a pair, got ${parsed.reason}`)
  return parsed.pair
}

describe('key', () => {
  describe('fingerprint', () => {
    it('matches the openssl-computed skfp1 vectors', () => {
      expect(fingerprint(KEY_A)).to.equal(FP_A)
      expect(fingerprint(KEY_B)).to.equal(FP_B)
      expect(fingerprint('not-a-hex-key')).to.equal(FP_NON_HEX)
    })

    it('is the same for either hex case and surrounding whitespace', () => {
      expect(fingerprint(KEY_A.toLowerCase())).to.equal(FP_A)
      expect(fingerprint(`  ${KEY_A}\n`)).to.equal(FP_A)
      expect(pairOf(` ${KEY_A.toLowerCase()} , ${KEY_B}\n`).latest.fingerprint).to.equal(FP_A)
    })

    it('differs for different keys', () => {
      expect(fingerprint(KEY_A)).to.not.equal(fingerprint(KEY_B))
      const oneDigitOff = KEY_A.slice(0, -1) + '8'
      expect(fingerprint(oneDigitOff)).to.not.equal(FP_A)
    })

    it('never equals a plain hash of the key', () => {
      const sha = createHash('sha256').update(Buffer.from(KEY_A, 'hex')).digest('hex')
      expect(sha.slice(0, 16)).to.equal(PLAIN_SHA256_A_PREFIX)
      expect(FP_A).to.not.include(PLAIN_SHA256_A_PREFIX)
    })
  })

  describe('parseSecureKey', () => {
    it('reads LATEST then PREVIOUS and marks 64-hex keys as standard', () => {
      const pair = pairOf(`${KEY_A},${KEY_B}`)
      expect(pair.latest.fingerprint).to.equal(FP_A)
      expect(pair.previous.fingerprint).to.equal(FP_B)
      expect(pair.standard).to.equal(true)
    })

    it('keeps non-hex keys but flags them as non-standard', () => {
      const pair = pairOf(`not-a-hex-key,${KEY_B}`)
      expect(pair.latest.fingerprint).to.equal(FP_NON_HEX)
      expect(pair.latest.standard).to.equal(false)
      expect(pair.previous.standard).to.equal(true)
      expect(pair.standard).to.equal(false)
    })

    const malformed: Array<[string, null | string | undefined, string]> = [
      ['undefined', undefined, 'empty'],
      ['null', null, 'empty'],
      ['whitespace only', '   ', 'empty'],
      ['a single key', KEY_A, 'one key'],
      ['three keys', `${KEY_A},${KEY_B},${KEY_A}`, 'more than two keys'],
      ['an empty slot', `${KEY_A},`, 'empty key'],
    ]
    for (const [name, value, reason] of malformed) {
      it(`reports ${name} as malformed (${reason})`, () => {
        const parsed = parseSecureKey(value)
        expect(parsed).to.deep.equal({ok: false, reason})
      })
    }
  })

  describe('no key material leaks', () => {
    const pair = pairOf(`${KEY_A},${KEY_B}`)
    const leaks = (text: string) => [KEY_A, KEY_B, KEY_A.toLowerCase(), KEY_B.toLowerCase()].some(key => text.includes(key))

    it('keeps keys out of JSON.stringify, toString and util.inspect', () => {
      for (const text of [
        JSON.stringify(pair),
        String(pair),
        inspect(pair, {depth: 10, showHidden: true}),
        JSON.stringify(pair.latest),
        String(pair.latest),
        inspect(pair.latest, {depth: 10, showHidden: true}),
      ]) {
        expect(leaks(text), text).to.equal(false)
        expect(text).to.include(FP_A.slice(0, 10))
      }
    })

    it('names the variable and the problem in errors, never the value', () => {
      const env = {SECURE_KEY: `${KEY_A},${KEY_B},${KEY_A}`}
      expect(() => readSecureKey('SECURE_KEY', env)).to.throw(MalformedSecureKeyError)
      try {
        readSecureKey('SECURE_KEY', env)
      } catch (error) {
        const {message, stack} = error as Error
        expect(message).to.equal('SECURE_KEY is malformed (more than two keys): expected "LATEST,PREVIOUS" from the securekey add-on')
        expect(leaks(`${message}${stack}${inspect(error)}`)).to.equal(false)
      }
    })

    it('says when the variable is not set', () => {
      expect(() => readSecureKey('PEER_SECURE_KEY', {})).to.throw('PEER_SECURE_KEY is not set or empty')
    })
  })

  describe('match', () => {
    const pair = pairOf(`${KEY_A},${KEY_B}`)

    it('answers latest, previous or neither', () => {
      expect(pair.match(KEY_A)).to.equal('latest')
      expect(pair.match(KEY_B)).to.equal('previous')
      expect(pair.match(KEY_A.slice(0, -1) + '8')).to.equal(undefined)
    })

    it('ignores hex case and surrounding whitespace of the presented key', () => {
      expect(pair.match(` ${KEY_B.toLowerCase()} `)).to.equal('previous')
      expect(pair.match(Buffer.from(KEY_A, 'hex'))).to.equal('latest')
    })

    it('rejects keys of another length without throwing', () => {
      expect(pair.match('')).to.equal(undefined)
      expect(pair.match(KEY_A.slice(0, 10))).to.equal(undefined)
      expect(pair.match(KEY_A + KEY_B)).to.equal(undefined)
    })
  })
})
