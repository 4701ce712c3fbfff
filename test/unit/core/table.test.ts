import {expect} from 'chai'

import {fitLine, tableLines, wrapWords} from '../../../src/core/table.js'

const rows = [
  {app: 'service-1', latest: 'skfp1:ed0246fb216a3292', note: 'owner (reference)'},
  {app: 'service-22', latest: 'skfp1:31ab69de9a8aca58', note: 'still has the owner\'s PREVIOUS as LATEST: rotation not applied yet'},
]
const columns = {app: {header: 'App'}, latest: {header: 'LATEST'}, note: {header: 'Note'}}

describe('core/table', () => {
  it('pads every column to its widest cell under an underlined heading', () => {
    const lines = tableLines(rows, columns)
    expect(lines[0]).to.equal('  App          LATEST                   Note')
    expect(lines[1]).to.match(/^ ─+$/)
    expect(lines[2]).to.equal('  service-1    skfp1:ed0246fb216a3292   owner (reference)')
    expect(lines[3]).to.equal(`  service-22   skfp1:31ab69de9a8aca58   ${rows[1].note}`)
    expect(lines).to.have.length(4)
  })

  it('wraps only the last column, between words, when the table is wider than the terminal', () => {
    const lines = tableLines(rows, columns, 80)
    for (const line of lines) expect(line.length).to.be.at.most(80)
    expect(lines[3]).to.contain('skfp1:31ab69de9a8aca58')
    const noteColumn = lines[0].indexOf('Note')
    const note = lines.slice(3).map(line => line.slice(noteColumn)).join(' ')
    expect(note).to.equal(rows[1].note)
    expect(lines.slice(4).every(line => line.slice(0, noteColumn).trim() === '')).to.equal(true)
  })

  it('keeps every other column whole however narrow the terminal', () => {
    const lines = tableLines(rows, columns, 30)
    expect(lines[2]).to.contain('skfp1:ed0246fb216a3292')
    expect(lines[3]).to.contain('service-22   skfp1:31ab69de9a8aca58')
  })

  it('never breaks a word longer than the line', () => {
    expect(wrapWords('a skfp1:ed0246fb216a3292 b', 10)).to.deep.equal(['a', 'skfp1:ed0246fb216a3292', 'b'])
  })

  it('moves a long column below the table when the table is wider than the terminal, and only then', () => {
    const options = {below: {column: 'note' as const, label: 'app' as const}}
    expect(tableLines(rows, columns, 200, options)).to.deep.equal(tableLines(rows, columns))
    const lines = tableLines(rows, columns, 60, options)
    expect(lines[0]).to.equal('  App          LATEST')
    expect(lines.slice(-4)).to.deep.equal(['', '  service-1: owner (reference)', '  service-22: still has the owner\'s PREVIOUS as LATEST:', '    rotation not applied yet'])
    for (const line of lines) expect(line.length).to.be.at.most(60)
  })

  it('leaves out optional columns, first to last, until the table fits, and says which', () => {
    const wide = {...columns, previous: {header: 'PREVIOUS'}}
    const withPrevious = rows.map(row => ({...row, previous: 'skfp1:0123456789abcdef'}))
    const lines = tableLines(withPrevious, wide, 50, {below: {column: 'note', label: 'app'}, optional: ['previous']})
    expect(lines[0]).to.equal('  App          LATEST')
    expect(lines[4]).to.equal('  (PREVIOUS: left out to fit 50 columns; --json')
    for (const line of lines) expect(line.length).to.be.at.most(50)
  })

  it('breaks a long line between words, the rest indented under it', () => {
    expect(fitLine('  a: one two three four', 14)).to.deep.equal(['  a: one two', '    three four'])
    expect(fitLine('short', 14)).to.deep.equal(['short'])
    expect(fitLine('no limit at all')).to.deep.equal(['no limit at all'])
  })
})
