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

/**
 * A command's examples as one block of one line each (`$ heroku securekey:status -a service-2  # what it shows`), the
 * way Heroku's own commands print them: oclif sets each example object apart with its description on a line of its own
 * and blank lines around, which doubles the length of --help.
 */
export function exampleLines(examples: ReadonlyArray<{argv: string, description: string}>): string[] {
  const width = Math.max(...examples.map(({argv}) => argv.length))
  return [examples.map(({argv, description}) => `<%= config.bin %> <%= command.id %> ${argv.padEnd(width)}  # ${description}`).join('\n')]
}
