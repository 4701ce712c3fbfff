import {expect} from 'chai'
import {spawn} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))

/** Runs the demo with stdout and stderr on one pipe, so the lines keep the order a terminal shows. */
function runDemo(): Promise<{code: null | number, output: string}> {
  return new Promise((resolve, reject) => {
    // Two pipes would interleave at random; the shell's 2>&1 gives both streams the one pipe.
    const child = spawn('sh', ['-c', `"${process.execPath}" --import tsx scripts/demo.ts 2>&1`], {cwd: root, stdio: ['ignore', 'pipe', 'inherit']})
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8')
    })
    child.on('error', reject)
    child.on('close', code => resolve({code, output}))
  })
}

/**
 * The story's lines, from step 1 to the last command, less the polls of --wait, rotate and status --all: how many it takes depends on
 * timing. Without a terminal, a step that polled ends on a line of its own (`Waiting...`, polls, `  done`) and one that
 * did not on the same line (`Waiting... done`): both read as the latter.
 */
function story(text: string): string[] {
  const start = text.indexOf('# 1. service-1')
  const end = text.indexOf('\n# Done.', start)
  const lines = text.slice(start, end === -1 ? undefined : end).trimEnd().split('\n').filter(line => !/^ {2}(\d+\/\d+ in sync|\d+ dynos? to go|apps read: \d+\/\d+$)/.test(line))
  // A self-managed key comes from node:crypto, not from the seeded sandbox: fingerprints are compared by where they
  // first appear (the same key must show the same fingerprint), not by value.
  const seen = new Map<string, string>()
  const numbered = (line: string) => line.replaceAll(/skfp1:[\da-f]{16}/g, print => {
    if (!seen.has(print)) seen.set(print, `skfp1:#${seen.size + 1}`)
    return seen.get(print)!
  })
  return lines.flatMap((line, index) => {
    if (line.endsWith('...') && /^ {2}\S/.test(lines[index + 1] ?? '')) return [`${line} ${lines[index + 1].trim()}`]
    if (index > 0 && lines[index - 1].endsWith('...') && /^ {2}\S/.test(line)) return []
    return [line]
  }).map(line => numbered(line).replaceAll(/(?<= )\d+s(?= |$)/g, '<seconds>s'))
}

describe('npm run demo', function () {
  this.timeout(180_000)
  let demo: {code: null | number, output: string}

  before(async () => {
    demo = await runDemo()
  })

  it('tells the whole story on a sandbox, as a tutorial, without printing a key', () => {
    expect(demo.code, demo.output).to.equal(0)
    const commands = demo.output.split('\n').filter(line => line.startsWith('$ heroku ')).map(line => line.slice(2))
    expect(commands).to.deep.equal([
      'heroku securekey:provision -a service-1',
      'heroku securekey:attach --from service-1 -a service-2 --as SERVICE_ONE_SECURE',
      'heroku securekey:status -a service-2',
      'heroku securekey:status -a service-2 --check',
      'heroku securekey:status -a service-2 --wait --timeout 2m',
      'heroku securekey:status -a service-2 --dynos',
      'heroku securekey:teardown -a service-1 --confirm service-1',
      'heroku securekey:provision -a service-1 --self-managed',
      'heroku securekey:attach --from service-1 -a service-2 -a service-3',
      'heroku securekey:rotate -a service-1 --confirm service-1',
      'heroku securekey:status -a service-2',
      'heroku securekey:status --all',
    ])
    expect(demo.output).to.include('Rotated: every holder and every dyno signs with')
    expect(demo.output).to.include('SERVICE_ONE_SECURE_KEY on service-2 matches service-1')
    expect(demo.output).to.match(/service-2 +SERVICE_ONE_SECURE +SERVICE_ONE_SECURE_KEY +skfp1:[\da-f]{16} +skfp1:[\da-f]{16} +behind/)
    expect(demo.output).to.include('service-2: 2 of 3 dynos still run the previous key')
    expect(demo.output).to.include('teardown complete')
    expect(demo.output).to.match(/=== \d+ shared keys on \d+ apps .*not in sync, 1 overdue/)
    expect(demo.output).to.match(/service-1 +SECURE_KEY +self-managed +3 +\d+s +in sync/)
    expect(demo.output, 'a 64-hex-digit key in the output').to.not.match(/[\dA-Fa-f]{64}/)
  })

  it('prints exactly what the README shows (the README\'s example is real output)', () => {
    const readme = readFileSync(`${root}/README.md`, 'utf8')
    const section = readme.slice(readme.indexOf('## The workflow, with real output'))
    const block = section.slice(section.indexOf('```console\n') + '```console\n'.length, section.indexOf('\n```\n'))
    expect(story(demo.output)).to.deep.equal(story(block))
  })
})
