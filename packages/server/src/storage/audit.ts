import type { AuditAction } from '@brandwave/contract'
import { sql, type ExpressionBuilder, type Kysely, type Selectable } from 'kysely'
import type { AuditActorType, AuditEventsTable, AuditTargetType, Database } from './schema.js'

/** An audit event as read back: what happened, who did it, to what, from where. */
export interface AuditEntry {
  readonly id: string
  /** Orders events by when they were written; the keyset of pages. */
  readonly seq: number
  readonly action: AuditAction
  readonly actor: { readonly type: AuditActorType; readonly id: string | null; readonly name: string | null }
  readonly target: { readonly type: AuditTargetType; readonly id: string; readonly name: string | null } | null
  readonly ip: string | null
  readonly userAgent: string | null
  readonly requestId: string | null
  readonly details: Record<string, unknown>
  readonly createdAt: string
}

function toAuditEntry(row: Selectable<AuditEventsTable>): AuditEntry {
  return {
    id: row.id,
    seq: row.seq,
    // Written only from the AuditAction union (NewAuditEvent), so read back as one.
    action: row.action as AuditAction,
    actor: { type: row.actor_type, id: row.actor_id, name: row.actor_name },
    target: row.target_type === null || row.target_id === null ? null : { type: row.target_type, id: row.target_id, name: row.target_name },
    ip: row.ip,
    userAgent: row.user_agent,
    requestId: row.request_id,
    details: JSON.parse(row.details) as Record<string, unknown>,
    createdAt: row.created_at,
  }
}

export interface NewAuditEvent {
  readonly id: string
  readonly organizationId: string | null
  readonly action: AuditAction
  readonly actor: { readonly type: AuditActorType; readonly id: string | null; readonly name: string | null }
  readonly target: { readonly type: AuditTargetType; readonly id: string; readonly name: string | null } | null
  readonly ip: string | null
  readonly userAgent: string | null
  readonly requestId: string | null
  readonly details: Readonly<Record<string, unknown>>
  readonly createdAt: string
}

export interface AuditFilter {
  readonly action?: string
  readonly actorId?: string
  readonly targetId?: string
  /** Inclusive lower bound, ISO 8601. */
  readonly since?: string
  /** Exclusive upper bound, ISO 8601. */
  readonly until?: string
}

type AuditExpression = ExpressionBuilder<Database, 'audit_events'>

/** The append-only audit log. */
export function auditRepository(db: Kysely<Database>) {
  function filtered(organizationId: string, filter: AuditFilter) {
    return (eb: AuditExpression) => {
      const conditions = [eb('organization_id', '=', organizationId)]
      if (filter.action !== undefined) conditions.push(eb('action', '=', filter.action))
      if (filter.actorId !== undefined) conditions.push(eb('actor_id', '=', filter.actorId))
      if (filter.targetId !== undefined) conditions.push(eb('target_id', '=', filter.targetId))
      if (filter.since !== undefined) conditions.push(eb('created_at', '>=', filter.since))
      if (filter.until !== undefined) conditions.push(eb('created_at', '<', filter.until))
      return eb.and(conditions)
    }
  }

  return {
    async insert(event: NewAuditEvent): Promise<void> {
      await db
        .insertInto('audit_events')
        .values({
          id: event.id,
          organization_id: event.organizationId,
          action: event.action,
          actor_type: event.actor.type,
          actor_id: event.actor.id,
          actor_name: event.actor.name,
          target_type: event.target?.type ?? null,
          target_id: event.target?.id ?? null,
          target_name: event.target?.name ?? null,
          ip: event.ip,
          user_agent: event.userAgent,
          request_id: event.requestId,
          details: JSON.stringify(event.details),
          created_at: event.createdAt,
        })
        .execute()
    },

    async list(organizationId: string, filter: AuditFilter, page: { limit: number; afterSeq: number | null }) {
      let query = db.selectFrom('audit_events').selectAll().where(filtered(organizationId, filter))
      if (page.afterSeq !== null) query = query.where('seq', '<', page.afterSeq)
      const rows = await query.orderBy('seq', 'desc').limit(page.limit + 1).execute()
      const groups = await db
        .selectFrom('audit_events')
        .where(filtered(organizationId, filter))
        .select(['action', (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy(sql`1`)
        .execute()
      const facets: Record<string, number> = {}
      let totalCount = 0
      for (const group of groups) {
        facets[group.action] = Number(group.n)
        totalCount += Number(group.n)
      }
      const items = rows.slice(0, page.limit).map(toAuditEntry)
      return { items, totalCount, facets: { action: facets }, nextAfterSeq: rows.length > page.limit ? (items.at(-1)?.seq ?? null) : null }
    },
  }
}

export type AuditRepository = ReturnType<typeof auditRepository>
