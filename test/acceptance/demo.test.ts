import {expect} from 'chai'
import {execFile} from 'node:child_process'
import {fileURLToPath} from 'node:url'
import {promisify} from 'node:util'

const root = fileURLToPath(new URL('../..', import.meta.url))

describe('npm run demo', function () {
  this.timeout(180_000)

  it('tells the whole story on a sandbox, as a tutorial, without printing a key', async () => {
    const {stderr, stdout} = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/demo.ts'], {
      cwd: root,
      env: {...process.env, DEMO_LAG_MS: '1500', HEROKU_SECUREKEY_WAIT_INTERVAL_MS: '200'},
    })
    const output = stdout + stderr
    const commands = output.split('\n').filter(line => line.startsWith('$ heroku ')).map(line => line.slice(2))
    expect(commands).to.deep.equal([
      'heroku securekey:provision -a service-1',
      'heroku securekey:provision -a service-1',
      'heroku securekey:attach --from service-1 -a service-2 --as SERVICE_ONE_SECURE',
      'heroku securekey:status -a service-2',
      'heroku securekey:status -a service-2',
      'heroku securekey:status -a service-2 --check',
      'heroku securekey:status -a service-2 --wait --timeout 2m',
      'heroku securekey:status -a service-2 --dynos',
      'heroku securekey:status -a service-2 --dynos',
      'heroku securekey:teardown -a service-1 --dry-run',
      'heroku securekey:teardown -a service-1 --confirm service-1',
      'heroku securekey:status -a service-1',
    ])
    expect(output).to.include('SERVICE_ONE_SECURE_KEY on service-2 matches service-1')
    expect(output).to.match(/service-2 +SERVICE_ONE_SECURE +SERVICE_ONE_SECURE_KEY +skfp1:[\da-f]{16} +skfp1:[\da-f]{16} +behind/)
    expect(output).to.include('service-2: 2 of 3 dynos still run the previous key')
    expect(output).to.include('teardown complete')
    expect(output, 'a 64-hex-digit key in the output').to.not.match(/[\dA-Fa-f]{64}/)
  })
})
