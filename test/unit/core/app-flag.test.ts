import {expect} from 'chai'

import {herokuAppOfUrl, herokuRemotes} from '../../../src/core/app-flag.js'

describe('-a/--app from the git remotes', () => {
  it('reads the app from each form of Heroku git URL, and nothing from others', () => {
    expect(herokuAppOfUrl('https://git.heroku.com/service-1.git')).to.equal('service-1')
    expect(herokuAppOfUrl('git@heroku.com:service-2.git')).to.equal('service-2')
    expect(herokuAppOfUrl('ssh://git@heroku.com/service-3.git')).to.equal('service-3')
    expect(herokuAppOfUrl('https://github.com/acme/service-1.git')).to.equal(undefined)
    expect(herokuAppOfUrl('https://git.heroku.com.evil.example/x.git')).to.equal(undefined)
  })

  it('lists the Heroku apps among `git remote -v`, fetch lines only, optionally one remote', () => {
    const output = [
      'heroku\thttps://git.heroku.com/service-1.git (fetch)',
      'heroku\thttps://git.heroku.com/service-1.git (push)',
      'staging\tgit@heroku.com:service-1-staging.git (fetch)',
      'origin\tgit@github.com:acme/service-1.git (fetch)',
    ].join('\n')
    expect(herokuRemotes(output)).to.deep.equal([{app: 'service-1', remote: 'heroku'}, {app: 'service-1-staging', remote: 'staging'}])
    expect(herokuRemotes(output, 'staging')).to.deep.equal([{app: 'service-1-staging', remote: 'staging'}])
  })
})
