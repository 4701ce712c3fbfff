import {
  createHash, randomBytes, randomInt, randomUUID,
} from 'node:crypto'

/** Where the sandbox gets ids, add-on names and keys from: seeded (deterministic) or crypto-random. */
export interface Randomness {
  bytes(length: number): Buffer
  /** An integer in [0, maxExclusive). */
  int(maxExclusive: number): number
  uuid(): string
}

const cryptoRandomness: Randomness = {
  bytes: length => randomBytes(length),
  int: maxExclusive => randomInt(maxExclusive),
  uuid: () => randomUUID(),
}

/** Formats 16 bytes as a version-4 UUID (version nibble 4, variant 8-b). */
function uuidFromBytes(bytes: Buffer): string {
  const hex = bytes.toString('hex')
  const variant = '89ab'[Number.parseInt(hex[16], 16) % 4]
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}

/**
 * A deterministic byte stream: SHA-256 of `seed:counter`, block after block. Test data only, never
 * real secrets.
 */
class SeededRandomness implements Randomness {
  private buffered = Buffer.alloc(0)
  private counter = 0

  constructor(private readonly seed: string) {}

  bytes(length: number): Buffer {
    while (this.buffered.length < length) {
      const block = createHash('sha256').update(`${this.seed}:${this.counter++}`).digest()
      this.buffered = Buffer.concat([this.buffered, block])
    }

    const out = this.buffered.subarray(0, length)
    this.buffered = this.buffered.subarray(length)
    return Buffer.from(out)
  }

  int(maxExclusive: number): number {
    return Math.floor((this.bytes(6).readUIntBE(0, 6) / (2 ** 48)) * maxExclusive)
  }

  uuid(): string {
    return uuidFromBytes(this.bytes(16))
  }
}

/**
 * One independent stream per purpose ('ids', 'names', 'keys'), so that with a seed an extra id
 * drawn somewhere does not shift every key that follows.
 */
export function randomness(seed: number | string | undefined, stream: string): Randomness {
  return seed === undefined ? cryptoRandomness : new SeededRandomness(`${seed}:${stream}`)
}
