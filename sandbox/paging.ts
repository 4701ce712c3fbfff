import type {Reply} from './router.js'

import {badRequest} from './errors.js'

/**
 * Heroku list paging. A client sends `Range: <field> [<start>]..[<end>][; max=<n>][, order=asc|desc]`; a
 * list longer than one page answers 206 with `Next-Range`, which the client sends back verbatim
 * (`@heroku/http-call` does that by itself for GETs returning arrays). `]` before a start value makes it
 * exclusive. When the cut falls between two items with the same value of a non-unique field (two
 * attachments named SECURE on different apps), the cursor carries the last id as `]<value>/<id>` so no
 * item is skipped or repeated.
 */
export interface RangeRequest {
  end?: string
  field: string
  max?: number
  order?: 'asc' | 'desc'
  start?: string
  startExclusive: boolean
}

const MAX_PAGE_SIZE = 1000

function parseRange(header: string | undefined): RangeRequest | undefined {
  if (!header || !header.trim()) return undefined
  const [head, ...paramParts] = header.split(';')
  const match = head.trim().match(/^([a-z_]+)\s*(.*)$/i)
  if (!match) throw badRequest(`Invalid Range header: ${header}`)
  const [, field, span] = match
  const range: RangeRequest = {field, startExclusive: false}
  if (span) {
    const [rawStart, rawEnd] = span.split('..')
    let start = rawStart.trim()
    if (start.startsWith(']')) {
      range.startExclusive = true
      start = start.slice(1)
    } else if (start.startsWith('[')) {
      start = start.slice(1)
    }

    if (start) range.start = start
    const end = rawEnd?.trim().replace(/[\])]$/, '')
    if (end) range.end = end
  }

  for (const param of paramParts.join(';').split(',')) {
    const [key, value] = param.split('=').map(part => part?.trim())
    if (key === 'max') {
      const max = Number.parseInt(value ?? '', 10)
      if (Number.isFinite(max) && max > 0) range.max = max
    } else if (key === 'order' && (value === 'asc' || value === 'desc')) {
      range.order = value
    }
  }

  return range
}

export interface ListSpec<T> {
  defaultField: string
  defaultOrder?: 'asc' | 'desc'
  fields: Record<string, (item: T) => number | string>
  id: (item: T) => string
}

function compareValues(a: number | string, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b
  const left = String(a)
  const right = String(b)
  return left < right ? -1 : (left > right ? 1 : 0)
}

/** The items the range asks for, in its order: after its start (exclusive with `]`) and up to its end. */
function select<T>(items: T[], spec: ListSpec<T>, {field, order, range}: {field: string, order: 'asc' | 'desc', range?: RangeRequest}): T[] {
  const keyOf = spec.fields[field]
  const sign = order === 'asc' ? 1 : -1
  const numeric = items.length > 0 && typeof keyOf(items[0]) === 'number'
  const parse = (text: string): number | string => (numeric ? Number(text) : text)
  let selected = [...items].sort((a, b) => sign * (compareValues(keyOf(a), keyOf(b)) || compareValues(spec.id(a), spec.id(b))))

  if (range?.start !== undefined) {
    const exclusive = range.startExclusive
    const [value, tieId] = exclusive && field !== 'id' ? splitCursor(range.start) : [range.start, undefined]
    const cursor = parse(value)
    selected = selected.filter(item => {
      const byValue = sign * compareValues(keyOf(item), cursor)
      if (byValue !== 0) return byValue > 0
      if (!exclusive) return true
      return tieId !== undefined && sign * compareValues(spec.id(item), tieId) > 0
    })
  }

  if (range?.end !== undefined) {
    const end = parse(range.end)
    selected = selected.filter(item => sign * compareValues(keyOf(item), end) <= 0)
  }

  return selected
}

/** Answers one page of `items` for the request's Range header: 200 when it is the last page, else 206 + Next-Range. */
export function pageOf<T>(items: T[], rangeHeader: string | string[] | undefined, spec: ListSpec<T>, pageSize: number): Reply {
  const range = parseRange(Array.isArray(rangeHeader) ? rangeHeader[0] : rangeHeader)
  const field = range?.field ?? spec.defaultField
  const keyOf = spec.fields[field]
  if (!keyOf) {
    throw badRequest(`Range on "${field}" is not supported here; use one of: ${Object.keys(spec.fields).join(', ')}.`)
  }

  const order = range?.order ?? spec.defaultOrder ?? 'asc'
  const selected = select(items, spec, {field, order, range})
  const max = Math.max(1, Math.min(range?.max ?? pageSize, pageSize, MAX_PAGE_SIZE))
  const page = selected.slice(0, max)
  const headers: Record<string, string> = {'Accept-Ranges': Object.keys(spec.fields).join(', ')}
  if (page.length > 0) {
    headers['Content-Range'] = `${field} ${keyOf(page[0])}..${keyOf(page.at(-1)!)}; max=${max}, order=${order}`
  }

  if (selected.length <= max) return {body: page, headers, status: 200}

  const last = page.at(-1)!
  const tie = field !== 'id' && compareValues(keyOf(last), keyOf(selected[max])) === 0
  const cursor = tie ? `${keyOf(last)}/${spec.id(last)}` : String(keyOf(last))
  headers['Next-Range'] = `${field} ]${cursor}..; max=${range?.max ?? max}, order=${order}`
  return {body: page, headers, status: 206}
}

function splitCursor(start: string): [string, string | undefined] {
  const slash = start.indexOf('/')
  return slash === -1 ? [start, undefined] : [start.slice(0, slash), start.slice(slash + 1)]
}
