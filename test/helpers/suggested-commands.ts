// The `heroku …` commands the plugin's messages can suggest, read from its source: every string or template literal
// outside comments, with each `${…}` replaced by a stand-in value (or, for `a ? `x` : ''` and `a ?? 'x'`, by each of
// its literal branches too), then every `heroku <command> …` in the text, up to the end of its sentence.
import {readdirSync, readFileSync} from 'node:fs'
import {join, relative} from 'node:path'

/** Stands in for whatever a `${…}` holds: an app, an add-on, a dyno, a config var. */
export const STAND_IN = 'x-1'

export interface Suggested {
  /** The words after `heroku`. */
  argv: string[]
  /** Where it was found (file:line), for a failure message. */
  from: string
  text: string
}

interface Literal {
  line: number
  /** Text pieces and interpolated expressions, in order. */
  parts: Array<{expr: string} | {text: string}>
}

/** Skips a `/* … *\/` or `// …` comment starting at `i`, returning the index after it (or `i` when there is none). */
function afterComment(source: string, i: number): number {
  if (source.startsWith('//', i)) {
    const end = source.indexOf('\n', i)
    return end === -1 ? source.length : end
  }

  if (source.startsWith('/*', i)) return source.indexOf('*/', i + 2) + 2
  return i
}

/** The literal starting at `start` (a quote or a backtick) and the index after it. */
function readLiteral(source: string, start: number): {end: number, literal: Literal} {
  const quote = source[start]
  const line = source.slice(0, start).split('\n').length
  const parts: Literal['parts'] = []
  let text = ''
  let i = start + 1
  while (i < source.length && source[i] !== quote) {
    if (source[i] === '\\') {
      text += source[i + 1]
      i += 2
    } else if (quote === '`' && source.startsWith('${', i)) {
      if (text) parts.push({text})
      text = ''
      const end = expressionEnd(source, i + 2)
      parts.push({expr: source.slice(i + 2, end)})
      i = end + 1
    } else {
      text += source[i]
      i++
    }
  }

  if (text) parts.push({text})
  return {end: i + 1, literal: {line, parts}}
}

/** The index of the `}` closing an interpolation whose expression starts at `i`. */
function expressionEnd(source: string, i: number): number {
  let depth = 0
  while (i < source.length) {
    const char = source[i]
    if (char === '\'' || char === '"' || char === '`') {
      i = readLiteral(source, i).end
      continue
    }

    if (char === '{') depth++
    if (char === '}') {
      if (depth === 0) return i
      depth--
    }

    i++
  }

  return i
}

/** Every literal in `source` (with `nested`, those inside interpolations too), comments skipped. */
export function literalsOf(source: string, nested = true): Literal[] {
  const found: Literal[] = []
  let i = 0
  while (i < source.length) {
    const skipped = afterComment(source, i)
    if (skipped !== i) {
      i = skipped
      continue
    }

    const char = source[i]
    if (char === '\'' || char === '"' || char === '`') {
      const {end, literal} = readLiteral(source, i)
      found.push(literal)
      if (nested) for (const part of literal.parts) if ('expr' in part) found.push(...literalsOf(part.expr).map(inner => ({...inner, line: literal.line})))
      i = end
      continue
    }

    i++
  }

  return found
}

const MAX_VARIANTS = 32

/** What an interpolation may print: the stand-in, and for a choice (`?:`, `??`, `||`) each of its literal branches. */
function variantsOfExpression(expr: string): string[] {
  const inner = literalsOf(expr, false)
  if (inner.length === 0 || !/\?|\|\|/.test(expr)) return [STAND_IN]
  const branches = inner.flatMap(literal => variantsOf(literal))
  return /\?\?|\|\|/.test(expr) ? [STAND_IN, ...branches] : branches
}

/** Every text a literal may become. */
export function variantsOf(literal: Literal): string[] {
  let texts = ['']
  for (const part of literal.parts) {
    const options = 'text' in part ? [part.text] : variantsOfExpression(part.expr)
    texts = texts.flatMap(text => options.map(option => text + option)).slice(0, MAX_VARIANTS)
  }

  return texts
}

/** The literal text of a literal, interpolations left out: where a sample name would be written into a message. */
export const literalText = (literal: Literal): string => literal.parts.map(part => ('text' in part ? part.text : ' ')).join('')

/** Words that end a command inside a sentence (`… -a APP compares them`). */
const PROSE = new Set(['and', 'compares', 'first', 'fixes', 'for', 'instead', 'lists', 'or', 'then', 'to', 'waits', 'when', 'with'])
const WORD = /^(?:--?[a-z][a-z-]*|[\w<>][\w.:<>-]*)$/

/** The `heroku …` commands in one text. */
export function commandsIn(text: string): string[][] {
  const found: string[][] = []
  for (const match of text.matchAll(/(?:^|[\s(`'"])heroku (?=[a-z])/g)) {
    const argv: string[] = []
    for (const raw of text.slice(match.index + match[0].length).split(/\s+/)) {
      // A word followed by punctuation ends the sentence, and so the command.
      const word = raw.replace(/[.,;:)`'"]+$/, '')
      if (!WORD.test(word) || (argv.length > 0 && PROSE.has(word))) break
      argv.push(word)
      if (raw !== word) break
    }

    if (argv.length > 0 && argv[0] !== STAND_IN) found.push(argv)
  }

  return found
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, {recursive: true, withFileTypes: true})
  .filter(entry => entry.isFile() && entry.name.endsWith('.ts'))
  .map(entry => join(entry.parentPath, entry.name))
}

/**
 * Every command suggested under `srcDir`, unique by text. Help (src/commands: descriptions and examples, which show
 * sample names on purpose) is left out.
 */
export function suggestedCommands(srcDir: string, root: string): {literals: Array<{from: string, text: string}>, suggested: Suggested[]} {
  const suggested = new Map<string, Suggested>()
  const literals: Array<{from: string, text: string}> = []
  for (const file of sourceFiles(srcDir).filter(path => !relative(srcDir, path).startsWith('commands'))) {
    for (const literal of literalsOf(readFileSync(file, 'utf8'))) {
      const from = `${relative(root, file)}:${literal.line}`
      const variants = variantsOf(literal)
      if (variants.some(text => /heroku [a-z]/.test(text))) literals.push({from, text: literalText(literal)})
      for (const text of variants) {
        for (const argv of commandsIn(text)) {
          const key = argv.join(' ')
          if (!suggested.has(key)) suggested.set(key, {argv, from, text: key})
        }
      }
    }
  }

  return {literals, suggested: [...suggested.values()]}
}
