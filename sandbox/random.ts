import {randomBytes, randomInt, randomUUID} from 'node:crypto'

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

/** cyrb128: spreads any string over four 32-bit words, the seed of sfc32. */
function hashSeed(text: string): [number, number, number, number] {
  let h1 = 1_779_033_703
  let h2 = 3_144_134_277
  let h3 = 1_013_904_242
  let h4 = 2_773_480_762
  for (let i = 0; i < text.length; i++) {
    const k = text.codePointAt(i) ?? 0
    h1 = h2 ^ Math.imul(h1 ^ k, 597_399_067)
    h2 = h3 ^ Math.imul(h2 ^ k, 2_869_860_233)
    h3 = h4 ^ Math.imul(h3 ^ k, 951_274_213)
    h4 = h1 ^ Math.imul(h4 ^ k, 2_716_044_179)
  }

  h1 = Math.imul(h3 ^ (h1 >>> 18), 597_399_067)
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2_869_860_233)
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951_274_213)
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2_716_044_179)
  return [(h1 ^ h2 ^ h3 ^ h4) >>> 0, (h2 ^ h1) >>> 0, (h3 ^ h1) >>> 0, (h4 ^ h1) >>> 0]
}

/** sfc32: small, fast and good enough for test data (never for real secrets). */
class SeededRandomness implements Randomness {
  private a: number
  private b: number
  private c: number
  private d: number

  constructor(seed: string) {
    [this.a, this.b, this.c, this.d] = hashSeed(seed)
    for (let i = 0; i < 16; i++) this.next()
  }

  bytes(length: number): Buffer {
    const buffer = Buffer.alloc(length)
    for (let i = 0; i < length; i += 4) {
      const word = this.next()
      for (let j = 0; j < 4 && i + j < length; j++) buffer[i + j] = (word >>> (j * 8)) & 0xFF
    }

    return buffer
  }

  int(maxExclusive: number): number {
    return Math.floor((this.next() / 2 ** 32) * maxExclusive)
  }

  uuid(): string {
    const bytes = this.bytes(16)
    bytes[6] = (bytes[6] & 0x0F) | 0x40
    bytes[8] = (bytes[8] & 0x3F) | 0x80
    const hex = bytes.toString('hex')
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
  }

  private next(): number {
    this.a >>>= 0
    this.b >>>= 0
    this.c >>>= 0
    this.d >>>= 0
    const t = (this.a + this.b + this.d) >>> 0
    this.d = (this.d + 1) >>> 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) >>> 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.c = (this.c + t) >>> 0
    return t
  }
}

/**
 * One independent stream per purpose ('ids', 'names', 'keys'), so that with a seed an extra id
 * drawn somewhere does not shift every key that follows.
 */
export function randomness(seed: number | string | undefined, stream: string): Randomness {
  return seed === undefined ? cryptoRandomness : new SeededRandomness(`${seed}:${stream}`)
}
