import {expect} from 'chai'

import {prose} from '../../../src/core/prose.js'

describe('prose', () => {
  it('joins the wrapped lines of a paragraph and keeps blank lines between paragraphs', () => {
    expect(prose`
first line
goes on

second ${'paragraph'}
`).to.equal('first line goes on\n\nsecond paragraph')
  })

  it('keeps indented lines as they are', () => {
    expect(prose`
--json prints:
  {"a": 1,
   "b": 2}`).to.equal('--json prints:\n  {"a": 1,\n   "b": 2}')
  })
})
