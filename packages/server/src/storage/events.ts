import type { Kysely } from 'kysely'
import { newId } from '../ids.js'
import { toCredentialRecord, type CredentialRecord } from './credentials.js'
import type { Database } from './schema.js'

export interface NewEvent {
  readonly id: string
  readonly organizationId: string
  readonly type: string
  /** The Standard Webhooks body, serialized once: every attempt sends these exact bytes. */
  readonly payload: string
  readonly createdAt: string
}

/**
 * The event outbox and its fan-out: each event becomes one pending delivery per endpoint
 * that wants it, in the transaction of the change, so a committed change always has them.
 */
export function eventRepository(db: Kysely<Database>) {
  return {
    async insert(event: NewEvent): Promise<void> {
      await db
        .insertInto('events')
        .values({ id: event.id, organization_id: event.organizationId, type: event.type, payload: event.payload, created_at: event.createdAt })
        .execute()
      const endpoints = await db
        .selectFrom('webhook_endpoints')
        .select(['id', 'event_types'])
        .where('organization_id', '=', event.organizationId)
        .where('status', '=', 'enabled')
        .execute()
      const wanted = endpoints.filter((endpoint) => endpoint.event_types === null || (JSON.parse(endpoint.event_types) as string[]).includes(event.type))
      if (wanted.length === 0) return
      await db
        .insertInto('webhook_deliveries')
        .values(
          wanted.map((endpoint) => ({
            id: newId(),
            endpoint_id: endpoint.id,
            event_id: event.id,
            status: 'pending' as const,
            attempts: 0,
            next_attempt_at: event.createdAt,
            created_at: event.createdAt,
          })),
        )
        .execute()
    },

    async findCredential(id: string): Promise<CredentialRecord | undefined> {
      const row = await db.selectFrom('credentials').selectAll().where('id', '=', id).executeTakeFirst()
      return row && toCredentialRecord(row)
    },

    /**
     * Live credentials that expire between `since` and `horizon`, not yet told about their
     * expiry, with the reminders already sent for them.
     */
    async expiringCredentials(since: string, horizon: string, limit: number): Promise<{ credential: CredentialRecord; sent: number[] }[]> {
      const rows = await db
        .selectFrom('credentials')
        .selectAll()
        .where('revoked_at', 'is', null)
        // A rotated credential was replaced on purpose: its successor is the one to watch.
        .where('rotated_to_id', 'is', null)
        .where('expires_at', 'is not', null)
        .where('expires_at', '<=', horizon)
        .where('expires_at', '>', since)
        .where((eb) =>
          eb.not(eb.exists(eb.selectFrom('expiry_reminders').select('credential_id').whereRef('expiry_reminders.credential_id', '=', 'credentials.id').where('days_before', '=', 0))),
        )
        .orderBy('expires_at')
        .limit(limit)
        .execute()
      if (rows.length === 0) return []
      const sent = await db
        .selectFrom('expiry_reminders')
        .select(['credential_id', 'days_before'])
        .where(
          'credential_id',
          'in',
          rows.map((row) => row.id),
        )
        .execute()
      return rows.map((row) => ({ credential: toCredentialRecord(row), sent: sent.filter((s) => s.credential_id === row.id).map((s) => s.days_before) }))
    },

    /**
     * Claims one reminder; false when it was already sent (by this instance or another).
     * `alsoCovers`: earlier reminders this one makes pointless (a key created 5 days before
     * its expiry gets no "30 days left"), recorded so they are never sent.
     */
    async claimReminder(credentialId: string, daysBefore: number, alsoCovers: readonly number[], now: string): Promise<boolean> {
      const inserted = await db
        .insertInto('expiry_reminders')
        .values({ credential_id: credentialId, days_before: daysBefore, sent_at: now })
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst()
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return false
      if (alsoCovers.length > 0) {
        // Ascending, like every claim's keys (each covers only reminders before its own): two
        // instances a moment apart claiming one credential's reminders cannot deadlock.
        await db
          .insertInto('expiry_reminders')
          .values([...alsoCovers].sort((a, b) => a - b).map((days) => ({ credential_id: credentialId, days_before: days, sent_at: now })))
          .onConflict((oc) => oc.doNothing())
          .execute()
      }
      return true
    },
  }
}

export type EventRepository = ReturnType<typeof eventRepository>
