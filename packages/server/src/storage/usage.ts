import { sql, type Kysely } from 'kysely'
import type { Database } from './schema.js'
import { byteOrder } from './lock-order.js'

/** Requests of one credential in one hour with one outcome, to be added to what is stored. */
export interface UsageCount {
  readonly credentialId: string
  /** The hour's start, ISO 8601 UTC. */
  readonly hour: string
  /** `VALID`, or the code the request was refused with (`REVOKED`, `RATE_LIMITED`, …). */
  readonly outcome: string
  readonly count: number
}

/** An address a credential was accepted from during one flush interval. */
export interface AddressSighting {
  readonly credentialId: string
  readonly ip: string
  readonly firstSeenAt: string
  readonly lastSeenAt: string
}

export interface StoredAddress {
  readonly ip: string
  readonly firstSeenAt: string
  readonly lastSeenAt: string
}

/** How many addresses each credential keeps: the most recently seen. */
export const ADDRESSES_KEPT = 10

// Well under SQLite's and PostgreSQL's bound-parameter limits, at four values a row.
const ROWS_PER_STATEMENT = 500

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/** Request counts per credential and hour, and the addresses credentials are used from. */
export function usageRepository(db: Kysely<Database>) {
  return {
    /**
     * Adds a batch of counts and address sightings in one transaction: one commit however many
     * keys. Rows go in key order, so two instances flushing the same keys lock them in the same
     * order and cannot deadlock.
     */
    async add(counts: readonly UsageCount[], sightings: readonly AddressSighting[]): Promise<void> {
      const ordered = [...counts].sort((a, b) => byteOrder(a.credentialId, b.credentialId) || byteOrder(a.hour, b.hour) || byteOrder(a.outcome, b.outcome))
      const seen = [...sightings].sort((a, b) => byteOrder(a.credentialId, b.credentialId) || byteOrder(a.ip, b.ip))
      await db.transaction().execute(async (trx) => {
        for (const rows of chunks(ordered, ROWS_PER_STATEMENT)) {
          await trx
            .insertInto('credential_usage')
            .values(rows.map((row) => ({ credential_id: row.credentialId, hour: row.hour, outcome: row.outcome, count: row.count })))
            .onConflict((conflict) =>
              conflict.columns(['credential_id', 'hour', 'outcome']).doUpdateSet((eb) => ({ count: eb('credential_usage.count', '+', eb.ref('excluded.count')) })),
            )
            .execute()
        }
        for (const rows of chunks(seen, ROWS_PER_STATEMENT)) {
          await trx
            .insertInto('credential_addresses')
            .values(rows.map((row) => ({ credential_id: row.credentialId, ip: row.ip, first_seen_at: row.firstSeenAt, last_seen_at: row.lastSeenAt })))
            .onConflict((conflict) =>
              conflict.columns(['credential_id', 'ip']).doUpdateSet({
                // Two instances may flush sightings of one address out of order: keep the widest span.
                first_seen_at: sql`case when excluded.first_seen_at < credential_addresses.first_seen_at then excluded.first_seen_at else credential_addresses.first_seen_at end`,
                last_seen_at: sql`case when excluded.last_seen_at > credential_addresses.last_seen_at then excluded.last_seen_at else credential_addresses.last_seen_at end`,
              }),
            )
            .execute()
        }
        for (const credentialId of new Set(seen.map((row) => row.credentialId))) {
          await trx
            .deleteFrom('credential_addresses')
            .where('credential_id', '=', credentialId)
            .where('ip', 'not in', (eb) =>
              eb.selectFrom('credential_addresses').select('ip').where('credential_id', '=', credentialId).orderBy('last_seen_at', 'desc').orderBy('ip').limit(ADDRESSES_KEPT),
            )
            .execute()
        }
      })
    },

    /** Stored counts of one credential for the hours in [from, to), oldest first. */
    async hours(credentialId: string, from: string, to: string): Promise<UsageCount[]> {
      const rows = await db
        .selectFrom('credential_usage')
        .select(['hour', 'outcome', 'count'])
        .where('credential_id', '=', credentialId)
        .where('hour', '>=', from)
        .where('hour', '<', to)
        .orderBy('hour')
        .execute()
      return rows.map((row) => ({ credentialId, hour: row.hour, outcome: row.outcome, count: Number(row.count) }))
    },

    /** The addresses a credential was last accepted from, most recent first. */
    async addresses(credentialId: string): Promise<StoredAddress[]> {
      const rows = await db
        .selectFrom('credential_addresses')
        .select(['ip', 'first_seen_at', 'last_seen_at'])
        .where('credential_id', '=', credentialId)
        .orderBy('last_seen_at', 'desc')
        .orderBy('ip')
        .limit(ADDRESSES_KEPT)
        .execute()
      return rows.map((row) => ({ ip: row.ip, firstSeenAt: row.first_seen_at, lastSeenAt: row.last_seen_at }))
    },

    /** Removes counts of hours before `before` and addresses not seen since; returns how many rows went. */
    async prune(before: string): Promise<number> {
      const counts = await db.deleteFrom('credential_usage').where('hour', '<', before).executeTakeFirst()
      const addresses = await db.deleteFrom('credential_addresses').where('last_seen_at', '<', before).executeTakeFirst()
      return Number(counts.numDeletedRows) + Number(addresses.numDeletedRows)
    },
  }
}

export type UsageRepository = ReturnType<typeof usageRepository>
