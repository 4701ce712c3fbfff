import {expect} from 'chai'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {dirname, join, relative} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))
const pages = ['README.md', ...readdirSync(join(root, 'docs')).filter(name => name.endsWith('.md')).map(name => `docs/${name}`)]

/** The text outside fenced code blocks, where a `[x](y)` is a link and a `#` line a heading. */
const prose = (markdown: string): string => markdown.replaceAll(/^```[\s\S]*?^```/gm, '')

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens, repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>()
  for (const [, heading] of prose(markdown).matchAll(/^#{1,6} +(.+?) *$/gm)) {
    const base = heading.toLowerCase().replaceAll(/[^\p{L}\p{N}\s_-]/gu, '').replaceAll(' ', '-')
    let anchor = base
    for (let n = 1; anchors.has(anchor); n++) anchor = `${base}-${n}`
    anchors.add(anchor)
  }

  return anchors
}

/** Every relative link of a page, as written. */
function linksOf(markdown: string): string[] {
  const targets = [...prose(markdown).matchAll(/\[[^\]]*]\(([^)\s]+)\)/g)].map(([, target]) => target)
  return targets.filter(target => !/^[a-z][\d+.a-z-]*:/i.test(target))
}

describe('the README and docs/*.md', () => {
  it('link only to files and headings that exist', () => {
    const broken: string[] = []
    let checked = 0
    for (const page of pages) {
      const markdown = readFileSync(join(root, page), 'utf8')
      for (const link of linksOf(markdown)) {
        checked++
        const [path, anchor] = link.split('#')
        const target = path ? join(root, dirname(page), path) : join(root, page)
        if (!existsSync(target)) broken.push(`${page}: ${link} (no ${relative(root, target)})`)
        else if (anchor && target.endsWith('.md') && !anchorsOf(readFileSync(target, 'utf8')).has(anchor)) {
          broken.push(`${page}: ${link} (no heading #${anchor} in ${relative(root, target)})`)
        }
      }
    }

    expect(checked, 'links found').to.be.greaterThan(20)
    expect(broken).to.deep.equal([])
  })

  it('find a broken link (the check itself)', () => {
    expect(anchorsOf('# The workflow, with real output\n## Every key: `status --all`\n')).to.have.keys('the-workflow-with-real-output', 'every-key-status---all')
    expect(linksOf('[a](docs/x.md#y) [b](https://example.com) `[c](z)`\n```\n[d](w.md)\n```\n')).to.deep.equal(['docs/x.md#y', 'z'])
  })
})
