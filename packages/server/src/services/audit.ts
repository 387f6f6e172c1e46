import type { AuditAction } from '@brandwave/contract'
import type { Kysely } from 'kysely'
import { actorOf, type Principal } from '../auth/principal.js'
import { isoAt, type Clock } from '../clock.js'
import { newId } from '../ids.js'
import { auditRepository, type AuditFilter } from '../storage/audit.js'
import { EventOutbox } from './events.js'
import type { AuditActorType, AuditTargetType, Database } from '../storage/schema.js'

/** Where a change came from: kept with every audit event (SPEC §5, audit logs). */
export interface RequestContext {
  readonly requestId: string | null
  readonly ip: string | null
  readonly userAgent: string | null
}

/** Changes made outside any request: bootstrap, the CLI. */
export const NO_REQUEST: RequestContext = { requestId: null, ip: null, userAgent: null }

export interface AuditActor {
  readonly type: AuditActorType
  readonly id: string | null
  readonly name: string | null
}

export interface AuditTarget {
  readonly type: AuditTargetType
  readonly id: string
  readonly name: string | null
}

export const ANONYMOUS: AuditActor = { type: 'anonymous', id: null, name: null }

/** A principal as an audit actor; a PAT acts as its owner, and the event says through which token. */
export function auditActorOf(principal: Principal): { actor: AuditActor; via: Record<string, unknown> } {
  const actor = actorOf(principal)
  const via = principal.kind === 'credential' && principal.userId !== null ? { via: { type: 'personal_access_token', id: principal.credential.id } } : {}
  return { actor, via }
}

export interface AuditRecord {
  readonly organizationId: string | null
  readonly action: AuditAction
  readonly actor: AuditActor
  readonly target: AuditTarget | null
  /** What changed; never a secret (the tests search every response of the audit log for them). */
  readonly details?: Readonly<Record<string, unknown>>
}

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
