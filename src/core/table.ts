/**
 * Tables and headers as Heroku's commands print them (`=== header`, then columns under an underlined heading), drawn
 * here in plain text. hux.table draws with @oclif/table, which loads ink and react: about 0.25 s of every status run,
 * more than the rest of the command (bench/RESULTS.md). Cells are padded to the widest one; when the terminal is
 * narrower than the table (OCLIF_TABLE_COLUMN_OVERRIDE, else the terminal's width, as @oclif/table reads it), only
 * the last column wraps, between words, so a name or a fingerprint in the other columns is never split.
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

/** The table's lines, without a trailing newline; `maxWidth` undefined or 0 means no limit. */
export function tableLines<Row extends Record<string, string>>(rows: readonly Row[], columns: Columns<Row>, maxWidth?: number): string[] {
  const keys = Object.keys(columns) as Array<keyof Row & string>
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
export function table<Row extends Record<string, string>>(rows: readonly Row[], columns: Columns<Row>): void {
  ux.stdout([...tableLines(rows, columns, terminalWidth()), ''].join('\n'))
}

/** `=== header` and a blank line, as hux.styledHeader prints it. */
export function styledHeader(header: string): void {
  ux.stdout(`${label('=== ')}${label(header)}\n`)
}
