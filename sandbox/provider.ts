import type {Randomness} from './random.js'

/**
 * What an add-on provider contributes: its config vars (suffixes the attachment name prefixes), their
 * values, the default attachment name and the add-on name prefix. securekey is the real subject; the
 * postgres provider exists so tests can see other add-ons left alone.
 */
export interface Provider {
  defaultAttachmentName: string
  namePrefix: string
  provision(random: Randomness): Record<string, string>
}

/** Days between rotations, by plan. Only `fortnightly` is a public plan; the provider's code knows the others. */
const ROTATION_INTERVAL_DAYS: Record<string, number> = {
  daily: 1,
  fortnightly: 14,
  monthly: 28,
  weekly: 7,
}

export const DAY_MS = 24 * 60 * 60 * 1000

export const SECUREKEY_SERVICE = 'securekey'
export const SECUREKEY_VAR = 'KEY'

/** 32 random bytes as 64 upper-case hex characters. */
function newKey(random: Randomness): string {
  return random.bytes(32).toString('hex').toUpperCase()
}

/** The securekey value after a rotation: a fresh LATEST, and the old LATEST as PREVIOUS. */
export function rotatedValue(current: string, random: Randomness): string {
  const [latest] = current.split(',')
  return `${newKey(random)},${latest}`
}

export function rotationIntervalMs(planName: string): number {
  const [, plan] = planName.split(':')
  return (ROTATION_INTERVAL_DAYS[plan] ?? 14) * DAY_MS
}

export const PROVIDERS: Record<string, Provider> = {
  'heroku-postgresql': {
    defaultAttachmentName: 'DATABASE',
    namePrefix: 'postgresql',
    provision(random) {
      const hex = (n: number) => random.bytes(n).toString('hex')
      return {URL: `postgres://u${hex(6)}:p${hex(16)}@ec2-10-0-0-1.compute-1.amazonaws.com:5432/d${hex(6)}`}
    },
  },
  securekey: {
    defaultAttachmentName: 'SECURE',
    namePrefix: 'securekey',
    provision: random => ({[SECUREKEY_VAR]: `${newKey(random)},${newKey(random)}`}),
  },
}

/** The config vars an attachment sets from its add-on's provider vars: `SECURE` + `{KEY: v}` → `{SECURE_KEY: v}`. */
export function attachmentVars(attachmentName: string, providerConfig: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(providerConfig).map(([providerVar, value]) => [`${attachmentName}_${providerVar}`, value]))
}

const ATTACHMENT_NAME_PATTERN = /^[A-Z][A-Z0-9_]*$/

/** Attachment names are upper-cased before checking, as the API has done for lower-case input. */
export function normalizeAttachmentName(name: string): string | undefined {
  const upper = name.toUpperCase()
  return ATTACHMENT_NAME_PATTERN.test(upper) ? upper : undefined
}

const ADJECTIVES = [
  'amber',
  'brave',
  'calm',
  'clear',
  'crisp',
  'curved',
  'deep',
  'eager',
  'fair',
  'fluffy',
  'gentle',
  'golden',
  'happy',
  'humble',
  'jolly',
  'keen',
  'lively',
  'lucid',
  'mellow',
  'misty',
  'noble',
  'plain',
  'quiet',
  'rapid',
  'shiny',
  'silent',
  'smooth',
  'solid',
  'sturdy',
  'sunny',
  'tidy',
  'vivid',
  'warm',
  'witty',
]

/** `securekey-solid-14332`: prefix, an adjective and a five-digit number. */
export function addonName(prefix: string, random: Randomness): string {
  return `${prefix}-${ADJECTIVES[random.int(ADJECTIVES.length)]}-${10_000 + random.int(90_000)}`
}
