import type { AuditAction, WebhookEventType } from '@brandwave/contract'
import { isoAt, type Clock } from '../clock.js'
import { newId } from '../ids.js'
import type { CredentialRecord } from '../storage/credentials.js'
import type { EventRepository } from '../storage/events.js'
import type { AuditActor, AuditRecord } from './audit-record.js'
import type { RequestContext } from '../request-context.js'

/**
 * Which audited changes are events, and which. `*` stands for the credential's type
 * (`api_key` or `personal_access_token`), taken from the audit target. Invitation and
 * authorized-app changes join by adding their audit actions here.
 */
const EVENT_OF_ACTION: Partial<Record<AuditAction, `*.${string}` | WebhookEventType>> = {
  'credential.created': '*.created',
  'credential.rotated': '*.rotated',
  'credential.revoked': '*.revoked',
  'credential.family_revoked': '*.reuse_detected',
  'credential.exposed': '*.exposed',
  'credential.disabled': '*.disabled',
  'credential.enabled': '*.enabled',
  'member.added': 'member.added',
  'member.removed': 'member.removed',
  'member.role_changed': 'member.role_changed',
  'oauth_app.authorized': 'oauth_app.authorized',
  'oauth_app.revoked': 'oauth_app.revoked',
}

/** Audit details worth passing on, by name; anything else in them stays in the audit log. */
const DETAIL_FIELDS = ['successorId', 'gracePeriodSeconds', 'familyId', 'revokedCount', 'role', 'from', 'to', 'revokedTokens', 'endedSessions', 'url', 'source', 'reportedVia', 'leakAction', 'scopes', 'userId', 'revokedGrants'] as const

const SYSTEM: AuditActor = { type: 'system', id: null, name: null }

/** What an event shows of a credential: display fields and times, never a secret or a hash. */
function credentialData(credential: CredentialRecord) {
  const { id, name, environment, start, last4, scopes, ownerUserId, createdAt, expiresAt, revokedAt } = credential
  const type = credential.ownerKind === 'user' ? 'personal_access_token' : 'api_key'
  return { id, type, name, environment, start, last4, scopes, ownerUserId, createdAt, expiresAt, revokedAt, revocationReason: credential.revokedReason }
}

/**
 * Writes events to the outbox (SPEC §10) in the caller's transaction, so an event exists
 * exactly when its change committed. Delivery happens later, from the outbox.
 */
export class EventOutbox {
  /** Requests whose transaction wrote an event: once they answer, it has committed. */
  private readonly pendingRequests = new Set<string>()
  private listener: (() => void) | null = null

  constructor(private readonly clock: Clock) {}

  /** Called after a request that wrote an event has answered (its transaction is then committed). */
  onCommitted(listener: () => void): void {
    this.listener = listener
  }

  /** Tells the outbox a request has answered; wakes delivery when that request wrote events. */
  requestFinished(requestId: string): void {
    if (this.pendingRequests.delete(requestId)) this.listener?.()
  }

  /** The event for an audited change, if that change is one (see EVENT_OF_ACTION). */
  async fromAudit(events: EventRepository, record: AuditRecord, context: RequestContext): Promise<void> {
    const template = EVENT_OF_ACTION[record.action]
    if (template === undefined || record.organizationId === null || record.target === null) return
    const details = record.details ?? {}
    const passed = Object.fromEntries(DETAIL_FIELDS.filter((field) => details[field] !== undefined).map((field) => [field, details[field]]))
    const actor = { type: record.actor.type, id: record.actor.id, name: record.actor.name }
    let type: string
    let data: Record<string, unknown>
    if (template.startsWith('*.')) {
      const credential = await events.findCredential(record.target.id)
      if (credential === undefined) return
      const view = credentialData(credential)
      type = `${view.type}${template.slice(1)}`
      data = { ...view, ...passed, actor }
    } else if (record.target.type === 'oauth_app') {
      type = template
      data = { clientId: record.target.id, clientName: record.target.name, ...passed, actor }
    } else {
      type = template
      data = { userId: record.target.id, email: record.target.name, ...passed, actor }
    }
    await this.write(events, record.organizationId, type, data)
    if (context.requestId !== null) this.pendingRequests.add(context.requestId)
  }

  /** `*.expiring` (daysBefore > 0) or `*.expired` for a credential; the reminder scheduler calls it. */
  async expiry(events: EventRepository, credential: CredentialRecord, daysBefore: number): Promise<void> {
    const view = credentialData(credential)
    const type = daysBefore === 0 ? `${view.type}.expired` : `${view.type}.expiring`
    await this.write(events, credential.organizationId, type, { ...view, ...(daysBefore > 0 && { daysBefore }), actor: SYSTEM })
  }

  private async write(events: EventRepository, organizationId: string, type: string, data: Record<string, unknown>): Promise<void> {
    const id = newId()
    const timestamp = isoAt(this.clock.now())
    await events.insert({ id, organizationId, type, payload: JSON.stringify({ type, timestamp, data: { ...data, organizationId } }), createdAt: timestamp })
  }
}
