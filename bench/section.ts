import {existsSync, readFileSync, writeFileSync} from 'node:fs'

const RESULTS = new URL('RESULTS.md', import.meta.url)

/**
 * Replaces one script's part of bench/RESULTS.md (between `<!-- name:start -->` and `<!-- name:end -->`), keeping
 * everything else: the other script's section and the notes written by hand around them.
 */
export function writeSection(name: string, body: string): void {
  const start = `<!-- ${name}:start -->`
  const end = `<!-- ${name}:end -->`
  const current = existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : '# Benchmark results\n'
  const section = `${start}\n${body.trim()}\n${end}`
  const from = current.indexOf(start)
  const to = current.indexOf(end)
  const next = from !== -1 && to > from
    ? current.slice(0, from) + section + current.slice(to + end.length)
    : `${current.trimEnd()}\n\n${section}\n`
  writeFileSync(RESULTS, next)
}
