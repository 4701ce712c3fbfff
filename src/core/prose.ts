/**
 * A template tag for help text written as wrapped source lines. Lines of a paragraph are joined with spaces so oclif can
 * wrap them to the terminal; blank lines separate paragraphs; indented lines are kept as they are (JSON shapes).
 */
export function prose(strings: TemplateStringsArray, ...values: unknown[]): string {
  const text = String.raw({raw: strings}, ...values)
  return text.trim().split(/\n\s*\n/).map(paragraph => joinLines(paragraph.split('\n'))).join('\n\n')
}

function joinLines(lines: string[]): string {
  let joined = lines[0].trimEnd()
  for (const line of lines.slice(1)) {
    joined += /^\s/.test(line) ? `\n${line.trimEnd()}` : ` ${line.trim()}`
  }

  return joined
}
