import {expect} from 'chai'

import {
  checkConfirmations, confirmAction, type Confirmer, sendConfirmed,
} from '../../../src/core/confirm.js'
import {ConfirmationRequiredError} from '../../../src/core/errors.js'
import {PlatformError} from '../../../src/core/platform-api.js'

function confirmer(options: Partial<Confirmer> & {answers?: string[]} = {}): Confirmer & {asked: string[]} {
  const answers = [...(options.answers ?? [])]
  const asked: string[] = []
  return {
    asked,
    confirmed: options.confirmed ?? [],
    interactive: options.interactive ?? false,
    async prompt(question: string) {
      asked.push(question)
      return answers.shift() ?? ''
    },
  }
}

function taken(status = 423, app?: string): PlatformError {
  const error = new PlatformError(status, 'confirmation_required', 'This app already has an attachment named SECURE.')
  error.confirmationApp = app
  return error
}

const request = {app: 'service-2', rerun: 'heroku securekey:attach x -a service-2 --confirm service-2', warning: 'SECURE is taken on service-2.'}

describe('confirmation', () => {
  describe('confirmAction', () => {
    it('agrees at once when --confirm names the app, asking nothing', async () => {
      const user = confirmer({confirmed: ['service-2'], interactive: true})
      expect(await confirmAction(request, user)).to.equal('flag')
      expect(user.asked).to.deep.equal([])
    })

    it('stops with ConfirmationRequiredError and the --confirm to add when there is no terminal', async () => {
      const user = confirmer({confirmed: ['service-3']})
      const error = await confirmAction(request, user).catch((error_: unknown) => error_)
      expect(error).to.be.instanceOf(ConfirmationRequiredError)
      expect((error as ConfirmationRequiredError).message).to.include('SECURE is taken on service-2.').and.include('--confirm service-2')
      expect((error as ConfirmationRequiredError).suggestions).to.deep.equal([request.rerun])
      expect(user.asked).to.deep.equal([])
    })

    it('on a terminal, asks for the app name and agrees when it is typed', async () => {
      const user = confirmer({answers: ['service-2'], interactive: true})
      expect(await confirmAction(request, user)).to.equal('prompt')
      expect(user.asked).to.have.length(1)
      expect(user.asked[0]).to.include('service-2').and.include('--confirm service-2')
    })

    it('on a terminal, refuses when another name is typed', async () => {
      const user = confirmer({answers: ['service-3'], interactive: true})
      const error = await confirmAction(request, user).catch((error_: unknown) => error_)
      expect(error).to.be.instanceOf(ConfirmationRequiredError)
      expect((error as Error).message).to.include('Nothing was changed on service-2')
    })

    it('asks one question at a time when several peers need confirming at once', async () => {
      let open = 0
      let most = 0
      const user: Confirmer = {
        confirmed: [],
        interactive: true,
        async prompt(question: string) {
          open++
          most = Math.max(most, open)
          await new Promise(resolve => {
            setTimeout(resolve, 5)
          })
          open--
          return question.includes('service-2') ? 'service-2' : 'service-3'
        },
      }
      const results = await Promise.all([
        confirmAction(request, user),
        confirmAction({...request, app: 'service-3'}, user),
      ])
      expect(results).to.deep.equal(['prompt', 'prompt'])
      expect(most).to.equal(1)
    })
  })

  describe('sendConfirmed', () => {
    it('sends once without confirm when nothing is taken', async () => {
      const sent: Array<string | undefined> = []
      const result = await sendConfirmed(async confirm => {
        sent.push(confirm)
        return 'ok'
      }, {...request, warning: () => 'w'}, confirmer())
      expect(result).to.deep.equal({result: 'ok'})
      expect(sent).to.deep.equal([undefined])
    })

    for (const status of [423, 400]) {
      it(`repeats with confirm set to the app on confirmation_required (HTTP ${status}) when --confirm agreed`, async () => {
        const sent: Array<string | undefined> = []
        const result = await sendConfirmed(async confirm => {
          sent.push(confirm)
          if (!confirm) throw taken(status)
          return 'replaced'
        }, {...request, warning: message => `taken: ${message}`}, confirmer({confirmed: ['service-2']}))
        expect(result).to.deep.equal({confirmedBy: 'flag', result: 'replaced'})
        expect(sent).to.deep.equal([undefined, 'service-2'])
      })
    }

    it('confirms the app named by X-Confirmation-Required', async () => {
      const sent: Array<string | undefined> = []
      await sendConfirmed(async confirm => {
        sent.push(confirm)
        if (!confirm) throw taken(423, 'service-2')
        return 'ok'
      }, {...request, app: 'service-2', warning: () => 'w'}, confirmer({confirmed: ['service-2']}))
      expect(sent).to.deep.equal([undefined, 'service-2'])
    })

    it('sends nothing more when the replacement is not agreed, and puts the API message in the warning', async () => {
      const sent: Array<string | undefined> = []
      const error = await sendConfirmed(async confirm => {
        sent.push(confirm)
        throw taken()
      }, {...request, warning: message => `taken: ${message}`}, confirmer()).catch((error_: unknown) => error_)
      expect(error).to.be.instanceOf(ConfirmationRequiredError)
      expect((error as Error).message).to.include('taken: This app already has an attachment named SECURE.')
      expect(sent).to.deep.equal([undefined])
    })

    it('keys on the error id, not the status: a 423 with another id is thrown as it came', async () => {
      const other = new PlatformError(423, 'locked', 'The app is locked.')
      const error = await sendConfirmed(async () => {
        throw other
      }, {...request, warning: () => 'w'}, confirmer({confirmed: ['service-2']})).catch((error_: unknown) => error_)
      expect(error).to.equal(other)
    })
  })

  describe('checkConfirmations', () => {
    it('accepts --confirm values that name apps the command changes', () => {
      expect(() => checkConfirmations(['service-2'], ['service-2', 'service-3'])).to.not.throw()
      expect(() => checkConfirmations([], ['service-2'])).to.not.throw()
    })

    it('refuses a --confirm that names another app', () => {
      expect(() => checkConfirmations(['service-9'], ['service-2'])).to.throw(ConfirmationRequiredError, '--confirm service-9 does not match the app this command changes (service-2)')
    })
  })
})
