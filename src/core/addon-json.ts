
/**
 * The add-on as every command's --json document shows it: `app` is the owner; a value the API did not give is null,
 * never an empty string.
 */
export interface AddonJson {
  app: null | string
  id: null | string
  name: null | string
  plan: null | string
  state: null | string
}

/** What addonJson reads of an add-on: the API's object, or a plan's record of one. */
export interface AddonLike {
  app?: {name?: string}
  id?: string
  name?: string
  plan?: {name?: string}
  state?: string
}

export function addonJson(addon: AddonLike): AddonJson {
  return {
    app: addon.app?.name ?? null,
    id: addon.id ?? null,
    name: addon.name ?? null,
    plan: addon.plan?.name ?? null,
    state: addon.state ?? null,
  }
}
