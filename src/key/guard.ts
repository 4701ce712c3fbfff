/**
 * The guard that protects peers: a command that would replace or remove a self-managed key that other apps hold names
 * those apps and needs each one confirmed (`--confirm APP` for the owner and every peer), on a dry run too, as teardown
 * does for an add-on. Without it, replacing the owner's key cuts every peer off: their requests are refused.
 */
import {ConfirmationRequiredError} from '../core/errors.js'
import {type SelfManagedKey} from './model.js'

/** The apps a change to `key` on its owner would cut off: every peer in its record. */
export const peersOf = (key: SelfManagedKey): string[] => [...new Set(key.record.holders.map(holder => holder.app))]

/**
 * Refuses `action` on `key` unless `confirmed` names the owner and every peer; `rerun` is the command line to repeat
 * without the --confirm flags. Returns the peers cut off (reported by the caller).
 */
export function confirmCuttingOff(key: SelfManagedKey, confirmed: readonly string[], action: string, rerun: string): string[] {
  const peers = peersOf(key)
  const missing = [key.owner, ...peers].filter(app => !confirmed.includes(app))
  if (peers.length > 0 && missing.length > 0) {
    const flags = [key.owner, ...peers].map(app => `--confirm ${app}`).join(' ')
    throw new ConfirmationRequiredError(`${key.configVar} on ${key.owner} is a self-managed key that ${peers.join(', ')} also hold${peers.length === 1 ? 's' : ''}: ${action} cuts ${peers.length === 1 ? 'it' : 'them'} off (their requests to and from ${key.owner} are refused). Nothing was changed. To do it anyway, confirm every app: ${rerun} ${flags}; to remove the key everywhere first: heroku securekey:teardown ${key.configVar} -a ${key.owner}.`, {
      suggestions: [`heroku securekey:teardown ${key.configVar} -a ${key.owner}`, `${rerun} ${flags}`],
    })
  }

  return peers
}
