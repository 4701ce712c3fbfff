import type {PlanRecord} from './catalog.js'
import type {
  AddonRecord, AppRecord, AttachmentRecord, SandboxState,
} from './state.js'
import type {Timers} from './timers.js'

import {findService} from './catalog.js'
import {ApiError, invalidParams} from './errors.js'
import {
  addonName, attachmentVars, normalizeAttachmentName, PROVIDERS,
} from './provider.js'
import {attachmentConfigVars} from './representations.js'

export interface AsyncProvisioning {
  deprovisionMs: number
  provisionMs: number
}

interface NameRequest {
  confirm?: string
  name?: string
  namespace?: null | string
}

/**
 * Provision, attach, detach and destroy, with the API's rules: attachment names, confirmation when a
 * name or config var is already taken, `force` for destroying a shared add-on, and one release per app
 * for every config change. With `asyncProvisioning` the provider answers later, on a real-time timer.
 */
export class AddonLifecycle {
  constructor(
    private readonly state: SandboxState,
    private readonly timers: Timers,
    private readonly asyncProvisioning?: AsyncProvisioning,
  ) {}

  attach(addon: AddonRecord, app: AppRecord, request: NameRequest): AttachmentRecord {
    if (addon.state === 'deprovisioning') {
      throw invalidParams(`Add-on ${addon.name} is being destroyed and cannot be attached.`)
    }

    const service = findService(addon.serviceName)!
    if (!service.supportsSharing && app.id !== addon.appId) {
      throw invalidParams(`${service.humanName} add-ons cannot be attached to other apps.`)
    }

    const name = this.attachmentName(request.name, PROVIDERS[addon.serviceName].defaultAttachmentName)
    const replaced = this.claimName(app, name, Object.keys(attachmentVars(name, addon.config)), request.confirm)
    const attachment = this.createAttachment(addon, app, name, request.namespace ?? null)
    this.applyConfig(app, replaced, addon.state === 'provisioned' ? [attachment] : [], `Attach ${name} (@ref:${addon.name})`)
    return attachment
  }

  /**
   * Without `force`, refuses while apps other than the owner are attached. Removes every attachment
   * and its config vars (one release per app), at once or after `deprovisionMs`.
   */
  destroy(addon: AddonRecord, force: boolean): void {
    const peers = [...new Set(this.state.attachmentsOf(addon).filter(a => a.appId !== addon.appId).map(a => this.state.apps.get(a.appId)!.name))]
    if (peers.length > 0 && !force) {
      throw invalidParams(`Cannot destroy add-on ${addon.name}: it is attached to other apps (${peers.sort().join(', ')}).`)
    }

    if (addon.state === 'deprovisioning') return
    const finish = () => {
      for (const attachment of this.state.attachmentsOf(addon)) this.detach(attachment)
      addon.state = 'deprovisioned'
      addon.updatedAt = this.state.iso()
      this.state.addons.delete(addon.id)
    }

    if (this.asyncProvisioning) {
      addon.state = 'deprovisioning'
      addon.updatedAt = this.state.iso()
      this.timers.after(this.asyncProvisioning.deprovisionMs, finish)
      return
    }

    finish()
  }

  detach(attachment: AttachmentRecord): void {
    const addon = this.state.addons.get(attachment.addonId)!
    const app = this.state.apps.get(attachment.appId)!
    this.applyConfig(app, [attachment], [], `Detach ${attachment.name} (@ref:${addon.name})`)
  }

  provision(app: AppRecord, plan: PlanRecord, request: NameRequest & {attachmentName?: string}): AddonRecord {
    const provider = PROVIDERS[plan.serviceName]
    const attachmentName = this.attachmentName(request.attachmentName, provider.defaultAttachmentName)
    const config = provider.provision(this.state.keys)
    const replaced = this.claimName(app, attachmentName, Object.keys(attachmentVars(attachmentName, config)), request.confirm)
    const now = this.state.iso()
    const addon: AddonRecord = {
      appId: app.id,
      config,
      createdAt: now,
      id: this.state.ids.uuid(),
      name: this.addonName(request.name, provider.namePrefix),
      planName: plan.name,
      providerId: `resource${this.state.names.int(1_000_000_000)}@${plan.serviceName}.example.com`,
      rotatedAt: this.state.now(),
      serviceName: plan.serviceName,
      state: this.asyncProvisioning ? 'provisioning' : 'provisioned',
      updatedAt: now,
    }
    this.state.addons.set(addon.id, addon)
    const attachment = this.createAttachment(addon, app, attachmentName, null)
    const description = `Attach ${attachmentName} (@ref:${addon.name})`
    if (this.asyncProvisioning) {
      this.applyConfig(app, replaced, [], description)
      this.timers.after(this.asyncProvisioning.provisionMs, () => this.finishProvisioning(addon))
    } else {
      this.applyConfig(app, replaced, [attachment], description)
    }

    return addon
  }

  /**
   * Writes the add-on's current values to its `attachments` on `app` (a group of `attachmentsOfByApp`):
   * one release, if anything changed.
   */
  writeAddonConfig(addon: AddonRecord, app: AppRecord, attachments: AttachmentRecord[], description: (varNames: string[]) => string): void {
    if (attachments.length === 0) return
    const changes: Record<string, string> = Object.assign({}, ...attachments.map(attachment => attachmentVars(attachment.name, addon.config)))
    this.state.changeConfig(app, changes, description(Object.keys(changes)))
  }

  private addonName(requested: string | undefined, prefix: string): string {
    if (requested !== undefined) {
      if (!/^[a-zA-Z][A-Za-z0-9_-]+$/.test(requested)) {
        throw invalidParams(`Name ${requested} is invalid: use letters, digits, dashes and underscores, starting with a letter.`)
      }

      if (this.state.findAddon(requested)) throw invalidParams(`Name ${requested} is already taken by another add-on.`)
      return requested
    }

    for (;;) {
      const name = addonName(prefix, this.state.names)
      if (!this.state.findAddon(name)) return name
    }
  }

  /** One release on `app`: removes the vars of the `removed` attachments (and those records), sets those of `added`. */
  private applyConfig(app: AppRecord, removed: AttachmentRecord[], added: AttachmentRecord[], description: string): void {
    const changes: Record<string, null | string> = {}
    for (const attachment of removed) {
      const addon = this.state.addons.get(attachment.addonId)!
      for (const name of attachmentConfigVars(addon, attachment)) changes[name] = null
      this.state.attachments.delete(attachment.id)
    }

    for (const attachment of added) {
      Object.assign(changes, attachmentVars(attachment.name, this.state.addons.get(attachment.addonId)!.config))
    }

    if (removed.length > 0 || added.length > 0) this.state.changeConfig(app, changes, description, {always: true})
  }

  private attachmentName(requested: string | undefined, fallback: string): string {
    if (requested === undefined || requested === '') return fallback
    const name = normalizeAttachmentName(requested)
    if (!name) {
      throw invalidParams(`Name ${requested} is invalid: it must start with a letter and contain only letters, digits and underscores.`)
    }

    return name
  }

  /**
   * The name (and the config vars it would set) must be free on the app, unless the request confirms
   * with the app's name: then the attachment holding it is replaced and the vars overwritten.
   * Returns the attachments to replace.
   */
  private claimName(app: AppRecord, name: string, varNames: string[], confirm?: string): AttachmentRecord[] {
    const holders = this.state.attachmentsOn(app).filter(attachment => attachment.name === name)
    const takenVars = varNames.filter(varName => varName in app.config)
    if (holders.length === 0 && takenVars.length === 0) return []
    if (confirm === app.name || confirm === app.id) return holders
    const holder = holders[0]
    const message = holder
      ? `The attachment name ${name} is already used on ${app.name} by ${this.state.addons.get(holder.addonId)?.name}; confirm to replace it.`
      : `The config var ${takenVars.join(', ')} is already set on ${app.name} and would be overwritten; confirm to replace it.`
    throw new ApiError(423, 'confirmation_required', message, {headers: {'X-Confirmation-Required': app.name}})
  }

  private createAttachment(addon: AddonRecord, app: AppRecord, name: string, namespace: null | string): AttachmentRecord {
    const now = this.state.iso()
    const attachment: AttachmentRecord = {
      addonId: addon.id, appId: app.id, createdAt: now, id: this.state.ids.uuid(), name, namespace, updatedAt: now,
    }
    this.state.attachments.set(attachment.id, attachment)
    return attachment
  }

  private finishProvisioning(addon: AddonRecord): void {
    if (addon.state !== 'provisioning') return
    addon.state = 'provisioned'
    addon.rotatedAt = this.state.now()
    addon.updatedAt = this.state.iso()
    for (const [appId, attachments] of this.state.attachmentsOfByApp(addon)) {
      const names = attachments.map(attachment => attachment.name)
      this.writeAddonConfig(addon, this.state.apps.get(appId)!, attachments, () => `Attach ${names.join(', ')} (@ref:${addon.name})`)
    }
  }
}
