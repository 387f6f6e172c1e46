import type { WebhookEventType } from '@brandwave/contract'
import type { Kysely, Selectable } from 'kysely'
import type { Dialect } from './database.js'
import { lockingInKeyOrder } from './lock-order.js'
import type { Database, WebhookDeliveriesTable, WebhookEndpointsTable } from './schema.js'

/** Where an organization's events go, with its signing secret sealed (it must be read back to sign). */
export interface WebhookEndpointRecord {
  readonly id: string
  readonly organizationId: string
  readonly url: string
  readonly description: string | null
  /** Null: every event. */
  readonly eventTypes: readonly WebhookEventType[] | null
  /** AES-256-GCM sealed `whsec_…` signing secret, bound to the endpoint's id. */
  readonly sealedSecret: string
  /** The secret before the last rotation, still signing alongside until `previousSecretExpiresAt`. */
  readonly previousSealedSecret: string | null
  readonly previousSecretExpiresAt: string | null
  readonly status: 'enabled' | 'disabled'
  readonly disabledReason: string | null
  readonly createdAt: string
  readonly updatedAt: string
}

/** One event for one endpoint, and how its delivery went. */
export interface WebhookDeliveryRecord {
  readonly seq: number
  readonly id: string
  readonly eventId: string
  readonly eventType: string
  readonly status: 'pending' | 'succeeded' | 'failed'
  readonly attempts: number
  readonly lastStatus: number | null
  readonly lastError: string | null
  readonly lastAttemptAt: string | null
  readonly nextAttemptAt: string | null
  readonly createdAt: string
}

function toEndpoint(row: Selectable<WebhookEndpointsTable>): WebhookEndpointRecord {
  return {
    id: row.id,
    organizationId: row.organization_id,
    url: row.url,
    description: row.description,
    // Written only from validated event-type lists.
    eventTypes: row.event_types === null ? null : (JSON.parse(row.event_types) as WebhookEventType[]),
    sealedSecret: row.secret,
    previousSealedSecret: row.previous_secret,
    previousSecretExpiresAt: row.previous_secret_expires_at,
    status: row.status,
    disabledReason: row.disabled_reason,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

function toDelivery(row: Selectable<WebhookDeliveriesTable> & { event_type: string }): WebhookDeliveryRecord {
  return {
    seq: row.seq,
    id: row.id,
    eventId: row.event_id,
    eventType: row.event_type,
    status: row.status,
    attempts: row.attempts,
    lastStatus: row.last_status,
    lastError: row.last_error,
    lastAttemptAt: row.last_attempt_at,
    nextAttemptAt: row.next_attempt_at,
    createdAt: row.created_at,
  }
}

/** The columns an endpoint change may set, named as the record names them. */
function endpointColumns(changes: EndpointChanges) {
  return {
    ...(changes.url !== undefined && { url: changes.url }),
    ...(changes.description !== undefined && { description: changes.description }),
    ...(changes.eventTypes !== undefined && { event_types: changes.eventTypes === null ? null : JSON.stringify(changes.eventTypes) }),
    ...(changes.status !== undefined && { status: changes.status }),
    ...(changes.disabledReason !== undefined && { disabled_reason: changes.disabledReason }),
    ...(changes.sealedSecret !== undefined && { secret: changes.sealedSecret }),
    ...(changes.previousSealedSecret !== undefined && { previous_secret: changes.previousSealedSecret }),
    ...(changes.previousSecretExpiresAt !== undefined && { previous_secret_expires_at: changes.previousSecretExpiresAt }),
  }
}

/** A delivery claimed for sending, with what sending needs. */
export interface ClaimedDelivery {
  readonly id: string
  readonly eventId: string
  readonly attempts: number
  readonly payload: string
  readonly endpoint: Pick<WebhookEndpointRecord, 'id' | 'organizationId' | 'url' | 'sealedSecret' | 'previousSealedSecret' | 'previousSecretExpiresAt'>
}

export interface AttemptOutcome {
  readonly status: 'pending' | 'succeeded' | 'failed'
  readonly lastStatus: number | null
  readonly lastError: string | null
  readonly at: string
  readonly nextAttemptAt: string | null
}

export type EndpointChanges = Partial<
  Pick<WebhookEndpointRecord, 'url' | 'description' | 'eventTypes' | 'status' | 'disabledReason' | 'sealedSecret' | 'previousSealedSecret' | 'previousSecretExpiresAt'>
>

/** Webhook endpoints and their deliveries (one aggregate: deliveries die with their endpoint). */
export function webhookRepository(db: Kysely<Database>, dialect: Dialect) {
  return {
    async insertEndpoint(endpoint: WebhookEndpointRecord): Promise<void> {
      await db
        .insertInto('webhook_endpoints')
        .values({
          id: endpoint.id,
          organization_id: endpoint.organizationId,
          url: endpoint.url,
          description: endpoint.description,
          event_types: endpoint.eventTypes === null ? null : JSON.stringify(endpoint.eventTypes),
          secret: endpoint.sealedSecret,
          previous_secret: endpoint.previousSealedSecret,
          previous_secret_expires_at: endpoint.previousSecretExpiresAt,
          status: endpoint.status,
          disabled_reason: endpoint.disabledReason,
          created_at: endpoint.createdAt,
          updated_at: endpoint.updatedAt,
        })
        .execute()
    },

    async findEndpoint(organizationId: string, id: string): Promise<WebhookEndpointRecord | undefined> {
      const row = await db.selectFrom('webhook_endpoints').selectAll().where('organization_id', '=', organizationId).where('id', '=', id).executeTakeFirst()
      return row && toEndpoint(row)
    },

    async listEndpoints(organizationId: string, page: { limit: number; afterId: string | null }) {
      let query = db.selectFrom('webhook_endpoints').selectAll().where('organization_id', '=', organizationId)
      if (page.afterId !== null) query = query.where('id', '>', page.afterId)
      const rows = await query.orderBy('id').limit(page.limit + 1).execute()
      const groups = await db
        .selectFrom('webhook_endpoints')
        .where('organization_id', '=', organizationId)
        .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy('status')
        .execute()
      const status = { enabled: 0, disabled: 0 }
      for (const group of groups) status[group.status] = Number(group.n)
      const items = rows.slice(0, page.limit).map(toEndpoint)
      return { items, totalCount: status.enabled + status.disabled, facets: { status }, nextAfterId: rows.length > page.limit ? (items.at(-1)?.id ?? null) : null }
    },

    async updateEndpoint(id: string, changes: EndpointChanges, now: string): Promise<void> {
      await db.updateTable('webhook_endpoints').set({ ...endpointColumns(changes), updated_at: now }).where('id', '=', id).execute()
    },

    async deleteEndpoint(id: string): Promise<void> {
      // The dispatcher may be recording attempts on these deliveries: both lock them in id order (lock-order.ts).
      if (dialect === 'postgres') await lockingInKeyOrder(db.selectFrom('webhook_deliveries').select('id').where('endpoint_id', '=', id), 'id').execute()
      await db.deleteFrom('webhook_deliveries').where('endpoint_id', '=', id).execute()
      await db.deleteFrom('webhook_endpoints').where('id', '=', id).execute()
    },

    async listDeliveries(endpointId: string, page: { limit: number; afterSeq: number | null }) {
      let query = db
        .selectFrom('webhook_deliveries')
        .innerJoin('events', 'events.id', 'webhook_deliveries.event_id')
        .selectAll('webhook_deliveries')
        .select('events.type as event_type')
        .where('endpoint_id', '=', endpointId)
      if (page.afterSeq !== null) query = query.where('webhook_deliveries.seq', '<', page.afterSeq)
      const rows = await query.orderBy('webhook_deliveries.seq', 'desc').limit(page.limit + 1).execute()
      const groups = await db
        .selectFrom('webhook_deliveries')
        .where('endpoint_id', '=', endpointId)
        .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy('status')
        .execute()
      const status = { pending: 0, succeeded: 0, failed: 0 }
      for (const group of groups) status[group.status] = Number(group.n)
      const items = rows.slice(0, page.limit).map(toDelivery)
      return { items, totalCount: status.pending + status.succeeded + status.failed, facets: { status }, nextAfterSeq: rows.length > page.limit ? (items.at(-1)?.seq ?? null) : null }
    },

    async findDelivery(endpointId: string, id: string): Promise<WebhookDeliveryRecord | undefined> {
      const row = await db
        .selectFrom('webhook_deliveries')
        .innerJoin('events', 'events.id', 'webhook_deliveries.event_id')
        .selectAll('webhook_deliveries')
        .select('events.type as event_type')
        .where('endpoint_id', '=', endpointId)
        .where('webhook_deliveries.id', '=', id)
        .executeTakeFirst()
      return row && toDelivery(row)
    },

    /** Schedules a delivery again now, unless an instance is sending it at this moment. */
    async requeueDelivery(id: string, now: string): Promise<boolean> {
      const result = await db
        .updateTable('webhook_deliveries')
        .set({ status: 'pending', next_attempt_at: now, locked_until: null })
        .where('id', '=', id)
        .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
        .executeTakeFirst()
      return Number(result.numUpdatedRows) > 0
    },

    /**
     * Takes up to `limit` due deliveries of enabled endpoints for this instance until
     * `lockedUntil`. On PostgreSQL, `FOR UPDATE SKIP LOCKED` lets instances claim side by
     * side without waiting on or double-taking each other's rows; SQLite has one writer, so
     * the single UPDATE is atomic by itself.
     */
    async claimDue(now: string, lockedUntil: string, limit: number): Promise<ClaimedDelivery[]> {
      let due = db
        .selectFrom('webhook_deliveries as d')
        .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
        .select('d.id')
        .where('d.status', '=', 'pending')
        .where('d.next_attempt_at', '<=', now)
        .where((eb) => eb.or([eb('d.locked_until', 'is', null), eb('d.locked_until', '<=', now)]))
        .where('e.status', '=', 'enabled')
        .orderBy('d.next_attempt_at')
        .limit(limit)
      if (dialect === 'postgres') due = due.forUpdate('d').skipLocked()
      const claimed = await db.updateTable('webhook_deliveries').set({ locked_until: lockedUntil }).where('id', 'in', due).returning('id').execute()
      if (claimed.length === 0) return []
      const rows = await db
        .selectFrom('webhook_deliveries as d')
        .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
        .innerJoin('events as v', 'v.id', 'd.event_id')
        .select(['d.id', 'd.event_id', 'd.attempts', 'v.payload', 'e.id as endpoint_id', 'e.organization_id', 'e.url', 'e.secret', 'e.previous_secret', 'e.previous_secret_expires_at'])
        .where(
          'd.id',
          'in',
          claimed.map((row) => row.id),
        )
        .execute()
      return rows.map((row) => ({
        id: row.id,
        eventId: row.event_id,
        attempts: row.attempts,
        payload: row.payload,
        endpoint: {
          id: row.endpoint_id,
          organizationId: row.organization_id,
          url: row.url,
          sealedSecret: row.secret,
          previousSealedSecret: row.previous_secret,
          previousSecretExpiresAt: row.previous_secret_expires_at,
        },
      }))
    },

    async recordAttempt(id: string, outcome: AttemptOutcome): Promise<void> {
      await db
        .updateTable('webhook_deliveries')
        .set((eb) => ({
          attempts: eb('attempts', '+', 1),
          status: outcome.status,
          last_status: outcome.lastStatus,
          last_error: outcome.lastError,
          last_attempt_at: outcome.at,
          next_attempt_at: outcome.nextAttemptAt,
          locked_until: null,
        }))
        .where('id', '=', id)
        .execute()
    },

    /** False when it was already disabled. */
    async disableEndpoint(id: string, reason: string, now: string): Promise<boolean> {
      const result = await db.updateTable('webhook_endpoints').set({ status: 'disabled', disabled_reason: reason, updated_at: now }).where('id', '=', id).where('status', '=', 'enabled').executeTakeFirst()
      return Number(result.numUpdatedRows) > 0
    },

    /** When the next delivery falls due (or a claim lapses): the scheduler sleeps until then. */
    async nextDueAt(now: string): Promise<string | null> {
      const row = await db
        .selectFrom('webhook_deliveries as d')
        .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
        .select((eb) => [eb.fn.min('d.next_attempt_at').as('next'), eb.fn.max('d.locked_until').as('lease')])
        .where('d.status', '=', 'pending')
        .where('e.status', '=', 'enabled')
        .executeTakeFirst()
      const next = row?.next ?? null
      const lease = row?.lease ?? null
      if (next === null) return null
      // A due delivery held by another instance's claim is worth a look when the claim lapses.
      return lease !== null && lease > now && next <= now ? lease : next
    },
  }
}

export type WebhookRepository = ReturnType<typeof webhookRepository>
