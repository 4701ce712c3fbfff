/**
 * Durations as users type them (`90s`, `5m`, `1h30m`, `2d`, `500ms`) and as the CLI prints them back. Pure.
 *
 * Every amount carries its unit: a bare `14` is refused, not read as seconds, since for `--if-older-than 14` the user
 * almost certainly meant days and for `--timeout 10` minutes. The one place that takes a bare number is the hidden
 * HEROKU_SECUREKEY_WAIT_INTERVAL_MS (milliseconds, by its name; wait.ts).
 */
const UNIT_MS: Record<string, number> = {
  d: 86_400_000,
  h: 3_600_000,
  m: 60_000,
  ms: 1,
  s: 1000,
}

const PART = /(\d+(?:\.\d+)?)(ms|[dhms])/g
const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|[dhms]))+$/

/** Milliseconds for `text`, or undefined when it is not a duration (a number without a unit included). */
export function parseDuration(text: string): number | undefined {
  const input = text.trim().toLowerCase().replaceAll(/\s+/g, '')
  if (!WHOLE.test(input)) return undefined
  let total = 0
  for (const [, amount, unit] of input.matchAll(PART)) total += Number(amount) * UNIT_MS[unit]
  return Math.round(total)
}

/** Whether `text` is a plain number, which a duration flag refuses asking for a unit. */
export const isBareNumber = (text: string): boolean => /^\d+(?:\.\d+)?$/.test(text.trim())

/** `5m`, `1h30m`, `13d 4h`, `90s`, `250ms`: the two largest units, rounded down. */
export function formatDuration(ms: number): string {
  const rest = Math.max(0, Math.floor(ms))
  if (rest < 1000) return `${rest}ms`
  const units: Array<[string, number]> = [['d', UNIT_MS.d], ['h', UNIT_MS.h], ['m', UNIT_MS.m], ['s', UNIT_MS.s]]
  const parts: string[] = []
  let remaining = rest
  for (const [unit, size] of units) {
    const count = Math.floor(remaining / size)
    remaining -= count * size
    if (count > 0 || parts.length > 0) parts.push(`${count}${unit}`)
  }

  const shown = parts.slice(0, 2).filter((part, index) => index === 0 || !part.startsWith('0'))
  return shown.join(shown[0]?.endsWith('d') ? ' ' : '')
}
