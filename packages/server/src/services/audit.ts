import type { Kysely } from 'kysely'
import { isoAt, type Clock } from '../clock.js'
import { newId } from '../ids.js'
import { auditRepository, type AuditFilter } from '../storage/audit.js'
import type { Database } from '../storage/schema.js'
import type { AuditRecord } from './audit-record.js'
import { EventOutbox } from './events.js'
import type { RequestContext } from './request-context.js'

/** Writes and reads the append-only audit log. */
export class AuditLog {
  constructor(
    private readonly clock: Clock,
    /** Changes that are events (SPEC §10) are written to the outbox in the same transaction. */
    readonly outbox: EventOutbox = new EventOutbox(clock),
  ) {}

  /** Records an event in `db`: pass the transaction of the change so both commit together. */
  async record(db: Kysely<Database>, event: AuditRecord, context: RequestContext): Promise<void> {
    await auditRepository(db).insert({
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
    await this.outbox.fromAudit(db, event, context)
  }

  list(db: Kysely<Database>, organizationId: string, filter: AuditFilter, page: { limit: number; afterSeq: number | null }) {
    return auditRepository(db).list(organizationId, filter, page)
  }
}
