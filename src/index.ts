/**
 * heroku-securekey as a library, for app code: parse the securekey config var, fingerprint its keys and match a
 * presented key against LATEST and PREVIOUS in constant time. Nothing on this path imports oclif or the Heroku CLI.
 */
export {
  fingerprint,
  type KeySlot,
  type MalformedReason,
  MalformedSecureKeyError,
  type ParsedSecureKey,
  parseSecureKey,
  readSecureKey,
  SecureKey,
  SecureKeyPair,
} from './runtime/key.js'
export {
  isStaged, presentWithFallback, type Verification, verifyPresentedKey,
} from './runtime/rotation.js'
