/**
 * Tables and headers as Heroku's commands print them (`=== header`, then columns under an underlined heading), drawn
 * here in plain text. hux.table draws with @oclif/table, which loads ink and react: about 0.25 s of every status run,
 * more than the rest of the command (bench/RESULTS.md). Cells are padded to the widest one. When the terminal is
 * narrower than the table (OCLIF_TABLE_COLUMN_OVERRIDE, else the terminal's width, as @oclif/table reads it), a column
 * of long text can move below the table, optional columns are left out (the table says which), and the last column
 * wraps between words: a name or a fingerprint is never split.
 */
import {ux} from '@oclif/core/ux'
import {stripVTControlCharacters} from 'node:util'

import {label} from './color.js'

export type Columns<Row> = {[K in keyof Row]?: {header: string}}

const INDENT = '  '
const GAP = '   '
/** The narrowest the wrapped last column gets, however narrow the terminal. */
const MIN_LAST = 20

const widthOf = (text: string): number => stripVTControlCharacters(text).length
const padded = (text: string, width: number): string => text + ' '.repeat(Math.max(0, width - widthOf(text)))

/** `text` in lines of at most `width` characters, broken between words (a longer word stays whole). */
export function wrapWords(text: string, width: number): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && widthOf(line) + 1 + widthOf(word) > width) {
      lines.push(line)
      line = word
    } else {
      line = line ? `${line} ${word}` : word
    }
  }

  if (line || lines.length === 0) lines.push(line)
  return lines
}

export interface TableOptions<Row> {
  /** When the table is wider than the terminal: a column of long text printed below it instead, as `<label>: <text>`. */
  below?: {column: keyof Row & string, label: keyof Row & string}
  /** Columns left out, first to last, while the table is still too wide (--json has them). */
  optional?: ReadonlyArray<keyof Row & string>
}

/** `text` within `width` columns, broken between words; the lines after the first indented two more than it is. */
export function fitLine(text: string, width?: number): string[] {
  if (!width || widthOf(text) <= width) return [text]
  const indent = text.match(/^ */)![0]
  const [first, ...rest] = wrapWords(text, width - indent.length)
  const more = rest.length > 0 ? wrapWords(rest.join(' '), width - indent.length - 2) : []
  return [indent + first, ...more.map(line => `${indent}  ${line}`)]
}

/** The table's lines, without a trailing newline; `maxWidth` undefined or 0 means no limit. */
export function tableLines<Row extends Record<string, string>>(rows: readonly Row[], columns: Columns<Row>, maxWidth?: number, options: TableOptions<Row> = {}): string[] {
  const natural = (key: keyof Row & string) => Math.max(widthOf(columns[key]!.header), ...rows.map(row => widthOf(row[key] ?? '')))
  const widthWith = (keys: Array<keyof Row & string>, last: number) => INDENT.length + keys.slice(0, -1).reduce((sum, key) => sum + natural(key) + GAP.length, 0) + last
  let keys = Object.keys(columns) as Array<keyof Row & string>
  const {below} = options
  const moved = Boolean(maxWidth && below && widthWith(keys, natural(keys.at(-1)!)) > maxWidth && keys.includes(below.column))
  if (moved) keys = keys.filter(key => key !== below!.column)
  const leftOut: string[] = []
  for (const key of options.optional ?? []) {
    if (!maxWidth || widthWith(keys, Math.min(natural(keys.at(-1)!), MIN_LAST)) <= maxWidth) break
    keys = keys.filter(candidate => candidate !== key)
    leftOut.push(columns[key]!.header)
  }

  const lines = drawn(rows, keys, columns, maxWidth)
  if (leftOut.length > 0) lines.push(...fitLine(`  (${leftOut.join(', ')}: left out to fit ${maxWidth} columns; --json has every field)`, maxWidth))
  if (moved) {
    const notes = rows.filter(row => row[below!.column])
    if (notes.length > 0) lines.push('', ...notes.flatMap(row => fitLine(`  ${row[below!.label]}: ${row[below!.column]}`, maxWidth)))
  }

  return lines
}

function drawn<Row extends Record<string, string>>(rows: readonly Row[], keys: Array<keyof Row & string>, columns: Columns<Row>, maxWidth?: number): string[] {
  const headers = keys.map(key => columns[key]!.header)
  const widths = keys.map((key, index) => Math.max(widthOf(headers[index]), ...rows.map(row => widthOf(row[key] ?? ''))))
  const last = keys.length - 1
  const fixed = INDENT.length + widths.slice(0, last).reduce((sum, width) => sum + width + GAP.length, 0)
  if (maxWidth && fixed + widths[last] > maxWidth) widths[last] = Math.max(MIN_LAST, maxWidth - fixed)

  const line = (cells: string[]) => (INDENT + cells.map((cell, index) => (index === last ? cell : padded(cell, widths[index]))).join(GAP)).trimEnd()
  const lines = [
    line(headers.map(header => label(header))),
    // As hux.table draws it: one column past the last cell, within the terminal.
    ` ${'─'.repeat(Math.min(fixed + widths[last], (maxWidth || Infinity) - 1))}`,
  ]
  for (const row of rows) {
    const cells = keys.map(key => row[key] ?? '')
    const wrapped = widthOf(cells[last]) > widths[last] ? wrapWords(cells[last], widths[last]) : [cells[last]]
    lines.push(line([...cells.slice(0, last), wrapped[0]]))
    for (const more of wrapped.slice(1)) lines.push(line([...cells.slice(0, last).map(() => ''), more]))
  }

  return lines
}

/** The width tables fit in: OCLIF_TABLE_COLUMN_OVERRIDE, else the terminal's (undefined when not a terminal). */
export function terminalWidth(): number | undefined {
  return Number.parseInt(process.env.OCLIF_TABLE_COLUMN_OVERRIDE ?? '', 10) || process.stdout.columns || undefined
}

/** Prints a table on stdout, followed by a blank line, as hux.table does. */
export function table<Row extends Record<string, string>>(rows: readonly Row[], columns: Columns<Row>, options: TableOptions<Row> = {}): void {
  ux.stdout([...tableLines(rows, columns, terminalWidth(), options), ''].join('\n'))
}

/** Lines of text on stdout, each broken between words to fit the terminal. */
export function printLines(lines: readonly string[]): void {
  const width = terminalWidth()
  ux.stdout(lines.flatMap(line => fitLine(line, width)).join('\n'))
}

/** `=== header` and a blank line, as hux.styledHeader prints it (broken between words to fit the terminal). */
export function styledHeader(header: string): void {
  ux.stdout(`${fitLine(`${label('=== ')}${label(header)}`, terminalWidth()).join('\n')}\n`)
}
