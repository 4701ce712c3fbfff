import {expect} from 'chai'
import {execFile} from 'node:child_process'
import {createHash} from 'node:crypto'
import {accessSync, constants, readFileSync} from 'node:fs'
import {delimiter, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {isDeepStrictEqual, promisify} from 'node:util'

import {
  fingerprint, type KeySlot, parseSecureKey, type SecureKey, type SecureKeyPair,
} from '../../../src/runtime/key.js'
import {
  isStaged, presentWithFallback, type Verification, verifyPresentedKey,
} from '../../../src/runtime/rotation.js'

// docs/key-format-vectors.json is the contract that docs/key-format.md describes for every language. Each
// implementation (key.ts and rotation.ts here, the snippets in examples/key-format) answers every vector in one shape,
// Answers, and one comparison decides: the vectors, never the implementation under test, hold the expected results.

const root = fileURLToPath(new URL('../../..', import.meta.url))
const VECTORS = join(root, 'docs', 'key-format-vectors.json')

interface Verified {ok: boolean, refresh: boolean, slot: KeySlot | null}
type KeyAnswer = {fingerprint: string, standard: boolean}
type Parsed = {latest: KeyAnswer, ok: true, previous: KeyAnswer} | {ok: false, reason: string}

interface Vectors {
  fallback: Array<{attempts: KeySlot[], client: string, name: string, result: Verified, server: {record: null | string, value: string}}>
  fingerprint: Array<{fingerprint: string, key: string, name: string}>
  keys: Record<string, string>
  parse: Array<{name: string, result: Parsed, value: null | string}>
  phases: Array<{pair: string, phase: string, presented: Array<{name: string, presented: string, result: Verified}>, record: null | string, staged: boolean, value: string}>
  staged: Array<{name: string, record: null | string, staged: boolean}>
  verify: Array<{name: string, presented: null | string, result: Verified, value: string}>
}

/** What an implementation answers, vector by vector, in the order of the file. */
interface Answers {
  fallback: Array<{attempts: KeySlot[], result: Verified}>
  fingerprint: string[]
  parse: Parsed[]
  phases: Array<{presented: Verified[], staged: boolean}>
  staged: boolean[]
  verify: Verified[]
}

const readVectors = (): Vectors => JSON.parse(readFileSync(VECTORS, 'utf8')) as Vectors

/** Every vector whose answer differs from the expected one, named; also a missing or extra answer. */
function mismatches(vectors: Vectors, answers: Answers): string[] {
  const found: string[] = []
  const compare = <V>(section: keyof Answers, list: V[], name: (vector: V) => string, expected: (vector: V) => unknown) => {
    const actual: undefined | unknown[] = answers[section]
    if (actual?.length !== list.length) found.push(`${section}: ${list.length} answers expected, got ${actual?.length}`)
    for (const [i, vector] of list.entries()) {
      if (!isDeepStrictEqual(actual?.[i], expected(vector))) {
        found.push(`${section} "${name(vector)}": expected ${JSON.stringify(expected(vector))}, got ${JSON.stringify(actual?.[i])}`)
      }
    }
  }

  compare('fingerprint', vectors.fingerprint, vector => vector.name, vector => vector.fingerprint)
  compare('parse', vectors.parse, vector => vector.name, vector => vector.result)
  compare('verify', vectors.verify, vector => vector.name, vector => vector.result)
  compare('staged', vectors.staged, vector => vector.name, vector => vector.staged)
  compare('phases', vectors.phases, phase => phase.phase, phase => ({presented: phase.presented.map(key => key.result), staged: phase.staged}))
  compare('fallback', vectors.fallback, vector => vector.name, vector => ({attempts: vector.attempts, result: vector.result}))
  return found
}

const verified = ({ok, refresh, slot}: Verification): Verified => ({ok, refresh, slot: slot ?? null})
const keyAnswer = (key: SecureKey): KeyAnswer => ({fingerprint: key.fingerprint, standard: key.standard})
const recordEnv = (record: null | string): Record<string, string> => (record === null ? {} : {SECURE_KEY_RECORD: record})

function pairOf(value: string): SecureKeyPair {
  const parsed = parseSecureKey(value)
  if (!parsed.ok) throw new Error(`a vector's value is malformed (${parsed.reason})`)
  return parsed.pair
}

/** key.ts and rotation.ts, through their public functions only. */
async function typescriptAnswers(vectors: Vectors): Promise<Answers> {
  return {
    fallback: await Promise.all(vectors.fallback.map(async ({client, server}) => {
      const serverPair = pairOf(server.value)
      const staged = isStaged('SECURE_KEY', recordEnv(server.record))
      const attempts: KeySlot[] = []
      const result = await presentWithFallback(pairOf(client), async (key, slot) => {
        attempts.push(slot)
        return verified(verifyPresentedKey(serverPair, key, {staged}))
      }, answer => !answer.ok)
      return {attempts, result}
    })),
    fingerprint: vectors.fingerprint.map(({key}) => fingerprint(key)),
    parse: vectors.parse.map(({value}) => {
      const parsed = parseSecureKey(value)
      return parsed.ok ? {latest: keyAnswer(parsed.pair.latest), ok: true, previous: keyAnswer(parsed.pair.previous)} : {ok: false, reason: parsed.reason}
    }),
    phases: vectors.phases.map(({presented, record, value}) => {
      const staged = isStaged('SECURE_KEY', recordEnv(record))
      return {presented: presented.map(key => verified(verifyPresentedKey(pairOf(value), key.presented, {staged}))), staged}
    }),
    staged: vectors.staged.map(({record}) => isStaged('SECURE_KEY', recordEnv(record))),
    verify: vectors.verify.map(({presented, value}) => verified(verifyPresentedKey(pairOf(value), presented))),
  }
}

function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    try {
      accessSync(join(dir, command), constants.X_OK)
      return join(dir, command)
    } catch {}
  }

  return undefined
}

describe('the key format vectors (docs/key-format-vectors.json)', () => {
  const vectors = readVectors()

  it('use the labelled test keys, and each phase holds the pair it names', () => {
    for (const [name, key] of Object.entries(vectors.keys)) {
      expect(key, name).to.equal(createHash('sha256').update(`heroku-securekey key-format test vector ${name}`).digest('hex').toUpperCase())
    }

    expect(vectors.phases.map(phase => phase.pair)).to.include.members(['CUR,OLD', 'CUR,NEW', 'NEW,CUR'])
    for (const phase of vectors.phases) {
      expect(phase.value, phase.phase).to.equal(phase.pair.split(',').map(name => vectors.keys[name]).join(','))
      for (const presented of phase.presented) expect(presented.presented, presented.name).to.equal(vectors.keys[presented.name])
    }
  })

  it('are all answered as expected by key.ts and rotation.ts', async () => {
    const answers = await typescriptAnswers(vectors)
    expect(mismatches(vectors, answers)).to.deep.equal([])
    expect(answers.fingerprint).to.have.length.above(10)
    expect(answers.phases.flatMap(phase => phase.presented)).to.have.length.above(20)
  })

  it('report a changed vector, by name, in every section', async () => {
    const changed = readVectors()
    changed.fingerprint[0].fingerprint = 'skfp1:0000000000000000'
    changed.parse.at(-1)!.result = {ok: false, reason: 'one key'}
    changed.verify[1].result.refresh = false
    changed.staged[0].staged = false
    const stagedPhase = changed.phases.find(phase => phase.phase === 'staged')!
    stagedPhase.presented.find(key => key.name === 'NEW')!.result.refresh = true
    changed.fallback.at(-2)!.attempts = ['latest']
    const found = mismatches(changed, await typescriptAnswers(readVectors()))
    expect(found).to.have.length(6)
    expect(found.join('\n')).to.include(`fingerprint "${changed.fingerprint[0].name}"`)
    .and.include(`parse "${changed.parse.at(-1)!.name}"`)
    .and.include(`verify "${changed.verify[1].name}"`)
    .and.include(`staged "${changed.staged[0].name}"`)
    .and.include('phases "staged"')
    .and.include(`fallback "${changed.fallback.at(-2)!.name}"`)
  })

  it('report a missing answer', async () => {
    const answers = await typescriptAnswers(vectors)
    answers.verify.pop()
    expect(mismatches(vectors, answers)).to.have.length(2)
  })

  describe('the snippets for other languages (examples/key-format)', () => {
    for (const {interpreter, snippet} of [
      {interpreter: 'python3', snippet: 'securekey.py'},
      {interpreter: 'ruby', snippet: 'securekey.rb'},
    ]) {
      const found = onPath(interpreter)
      const title = found
        ? `${snippet} answers every vector as expected (${interpreter})`
        : `${snippet} answers every vector as expected: skipped, ${interpreter} is not installed`
      it(title, async function () {
        if (!found) this.skip()
        // run_vectors prints the snippet's answers as JSON; the comparison stays here.
        const runner = join(root, 'examples', 'key-format', snippet.replace('securekey', 'run_vectors'))
        const {stdout} = await promisify(execFile)(found!, [runner, VECTORS], {cwd: root})
        expect(mismatches(vectors, JSON.parse(stdout) as Answers)).to.deep.equal([])
      })
    }
  })
})
