/* eslint-disable camelcase -- the --json documents use the Platform API's snake_case */
/**
 * The one model of a shared key, whichever kind it is:
 *  - `addon`: the securekey add-on's key, kept and rotated by its provider; its holders are the add-on's attachments
 *    (the owner's own and one per peer), each setting `<ATTACHMENT>_KEY` on its app;
 *  - `self-managed`: a key the plugin keeps in plain config vars (record.ts); its holders are listed in the owner's
 *    record.
 * Every command resolves a key once (resolve.ts), asks for its holders through `holdersOf`, and switches on `kind`
 * where the two differ (who can rotate it, how a holder is removed). Only names live here, never a key value.
 */
import type * as Heroku from '@heroku-cli/schema'

import type {OwnerRecord} from './record.js'

import {attachmentKeyVar, attachmentNameOf} from '../core/names.js'
import {type ConfigVars, type PlatformApi} from '../core/platform-api.js'
import {allRecordHolders} from './record.js'

export type KeyKind = 'addon' | 'self-managed'

interface KeyBase {
  /** The config var the key lives in on its owner (SECURE_KEY). */
  configVar: string
  /** How a user names it on the command line: the add-on's name, or the owner's config var. */
  name: string
  /** The app that owns the key: the add-on's billing app, or the app whose record lists the holders. */
  owner: string
}

export interface AddonKey extends KeyBase {
  addon: Heroku.AddOn
  kind: 'addon'
}

export interface SelfManagedKey extends KeyBase {
  kind: 'self-managed'
  record: OwnerRecord
}

export type SharedKey = AddonKey | SelfManagedKey

/**
 * One app holding a key under one config var. `attachment` is the add-on attachment's name, or for a self-managed key
 * the name its config var implies (SERVICE_ONE_SECURE_KEY → SERVICE_ONE_SECURE).
 */
export interface Holder {
  app: string
  attachment: string
  configVar: string
}

/** Config vars already read, by app: a resolution's reads are reused by the comparison, never read twice. */
export type ConfigCache = Map<string, ConfigVars>

/** The add-on's config var on its owner: the one the API names, else the default attachment's. */
export function addonKey(addon: Heroku.AddOn): AddonKey {
  const configVar = addon.config_vars?.find(name => name.endsWith('_KEY')) ?? 'SECURE_KEY'
  return {
    addon, configVar, kind: 'addon', name: addon.name ?? addon.id ?? 'unnamed add-on', owner: addon.app?.name ?? 'unknown app',
  }
}

export function selfManagedKey(record: OwnerRecord): SelfManagedKey {
  return {
    configVar: record.var, kind: 'self-managed', name: record.var, owner: record.owner, record,
  }
}

/** Where the plugin's messages name a key: `securekey-solid-14332` or `service-1's self-managed SECURE_KEY`. */
export const describeKey = (key: SharedKey): string => (key.kind === 'addon' ? key.name : `${key.owner}'s self-managed ${key.configVar}`)

const holderOfVar = (app: string, configVar: string): Holder => ({app, attachment: attachmentNameOf(configVar) ?? configVar, configVar})

/**
 * Every holder of a key, the owner's own first, then by app and attachment: the add-on's attachments (one request a
 * page), or the owner's record (no request).
 */
export async function holdersOf(platform: PlatformApi, key: SharedKey): Promise<Holder[]> {
  const holders = key.kind === 'addon'
    ? (await platform.attachmentsOf(key.addon.id ?? key.name))
    .filter(attachment => !attachment.addon?.id || !key.addon.id || attachment.addon.id === key.addon.id)
    .map(attachment => ({app: attachment.app!.name!, attachment: attachment.name!, configVar: attachmentKeyVar(attachment)}))
    : allRecordHolders(key.record).map(entry => holderOfVar(entry.app, entry.var))
  return orderHolders(holders, key.owner)
}

/** The owner first, then by app and attachment name: the same order on every run, whatever the API's. */
export function orderHolders(holders: readonly Holder[], owner: string): Holder[] {
  return [...holders].sort((a, b) => Number(b.app === owner) - Number(a.app === owner) || a.app.localeCompare(b.app) || a.attachment.localeCompare(b.attachment))
}

/** "the key" in every command's --json document: one shape for both kinds (docs/json.md). */
export interface KeyJson {
  /** The add-on's own fields; null for a self-managed key. */
  addon: null | {id: null | string, plan: null | string, state: null | string}
  config_var: string
  kind: KeyKind
  /** The add-on's name, or the self-managed key's config var; null for an add-on not created yet (a dry run). */
  name: null | string
  owner: string
}

export function keyJson(key: SharedKey): KeyJson {
  return {
    addon: key.kind === 'addon' ? {id: key.addon.id ?? null, plan: key.addon.plan?.name ?? null, state: key.addon.state ?? null} : null,
    config_var: key.configVar,
    kind: key.kind,
    name: key.name,
    owner: key.owner,
  }
}
