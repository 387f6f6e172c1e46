import { listAuditEvents, type AuditEvent } from '@brandwave/contract'
import { decodeCursor, encodeCursor } from '../../http/cursor.js'
import type { AuditEntry, AuditTrail } from '../../services/audit.js'
import type { RouteRegistrar } from '../route-registrar.js'

function eventResponse({ seq: _seq, ...entry }: AuditEntry): AuditEvent {
  return entry
}

/** The organization's audit log, newest first. */
export function auditLogRoutes(route: RouteRegistrar, { auditTrail }: { auditTrail: AuditTrail }): void {
  route(listAuditEvents, async ({ principal, query }) => {
    const { limit, cursor, since, until, ...rest } = query
    const filter = {
      ...rest,
      ...(since !== undefined && { since: new Date(since).toISOString() }),
      ...(until !== undefined && { until: new Date(until).toISOString() }),
    }
    const page = await auditTrail.list(principal.organizationId, filter, { limit: limit ?? 20, afterSeq: decodeCursor(cursor, 'seq') })
    return { status: 200, body: { items: page.items.map(eventResponse), totalCount: page.totalCount, facets: page.facets, nextCursor: encodeCursor(page.nextAfterSeq) } }
  })
}
