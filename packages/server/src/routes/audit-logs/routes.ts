import { listAuditEvents, type AuditEvent } from '@brandwave/contract'
import type { Kysely } from 'kysely'
import { decodeCursor, encodeCursor } from '../../http/cursor.js'
import type { AuditLog } from '../../services/audit.js'
import type { AuditEventRow } from '../../storage/audit.js'
import type { Database } from '../../storage/schema.js'
import type { RouteRegistrar } from '../route-registrar.js'

function eventResponse(row: AuditEventRow): AuditEvent {
  return {
    id: row.id,
    action: row.action as AuditEvent['action'],
    actor: { type: row.actor_type, id: row.actor_id, name: row.actor_name },
    target: row.target_type === null || row.target_id === null ? null : { type: row.target_type, id: row.target_id, name: row.target_name },
    ip: row.ip,
    userAgent: row.user_agent,
    requestId: row.request_id,
    details: JSON.parse(row.details) as Record<string, unknown>,
    createdAt: row.created_at,
  }
}

/** The organization's audit log, newest first. */
export function auditLogRoutes(route: RouteRegistrar, { audit, db }: { audit: AuditLog; db: Kysely<Database> }): void {
  route(listAuditEvents, async ({ principal, query }) => {
    const { limit, cursor, since, until, ...rest } = query
    const filter = {
      ...rest,
      ...(since !== undefined && { since: new Date(since).toISOString() }),
      ...(until !== undefined && { until: new Date(until).toISOString() }),
    }
    const page = await audit.list(db, principal.organizationId, filter, { limit: limit ?? 20, afterSeq: decodeCursor(cursor, 'seq') })
    return { status: 200, body: { items: page.items.map(eventResponse), totalCount: page.totalCount, facets: page.facets, nextCursor: encodeCursor(page.nextAfterSeq) } }
  })
}
