import { isoAt, type Clock } from '../clock.js'
import { newId } from '../ids.js'
import type { AuditEntry, AuditFilter } from '../storage/audit.js'
import type { Repositories, Storage } from '../storage/index.js'
import type { AuditRecord } from './audit-record.js'
import { EventOutbox } from './events.js'
import type { RequestContext } from '../request-context.js'

/** Writes and reads the append-only audit log. */
export class AuditLog {
  constructor(
    private readonly clock: Clock,
    /** Changes that are events (SPEC §10) are written to the outbox in the same transaction. */
    readonly outbox: EventOutbox = new EventOutbox(clock),
  ) {}

  /** Records an event: pass the repositories of the change's transaction so both commit together. */
  async record(repositories: Pick<Repositories, 'audit' | 'events'>, event: AuditRecord, context: RequestContext): Promise<void> {
    await repositories.audit.insert({
      id: newId(),
      organizationId: event.organizationId,
      action: event.action,
      actor: event.actor,
      target: event.target,
      ip: context.ip,
      userAgent: context.userAgent?.slice(0, 512) ?? null,
      requestId: context.requestId,
      details: event.details ?? {},
      createdAt: isoAt(this.clock.now()),
    })
    await this.outbox.fromAudit(repositories.events, event, context)
  }

}

export type { AuditEntry }

/** Reads an organization's audit log, newest first. */
export class AuditTrail {
  constructor(private readonly storage: Pick<Storage, 'audit'>) {}

  list(organizationId: string, filter: AuditFilter, page: { limit: number; afterSeq: number | null }) {
    return this.storage.audit.list(organizationId, filter, page)
  }
}
