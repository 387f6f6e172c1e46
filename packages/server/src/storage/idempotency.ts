import { sql, type Kysely, type Selectable, type SqlBool } from 'kysely'
import type { Dialect } from './database.js'
import { lockingInKeyOrder } from './lock-order.js'
import type { Database, IdempotencyKeysTable } from './schema.js'

/** A ledger entry: the request it answers (by fingerprint) and, once completed, its sealed response. */
export interface IdempotencyEntry {
  readonly requestHash: string
  readonly state: 'in_progress' | 'completed'
  readonly status: number | null
  /** Sealed: it may hold a secret issued by the request. */
  readonly sealedResponse: string | null
  /** The session a replay is bound to (sign-in and refresh responses); null otherwise. */
  readonly sessionId: string | null
}

function toEntry(row: Selectable<IdempotencyKeysTable>): IdempotencyEntry {
  return { requestHash: row.request_hash, state: row.state, status: row.status, sealedResponse: row.response, sessionId: row.session_id }
}

/** The idempotency ledger: atomic claims, completions, and the sweep of expired entries. */
export function idempotencyRepository(db: Kysely<Database>, dialect: Dialect) {
  return {
    /**
     * Claims (principal, key) for a request; true when this call got it. The primary key
     * makes the claim atomic on both databases: of concurrent claims exactly one inserts.
     */
    async claim(row: { principalKey: string; key: string; requestHash: string; owner: string; now: string; expiresAt: string }): Promise<boolean> {
      const inserted = await db
        .insertInto('idempotency_keys')
        .values({
          principal_key: row.principalKey,
          key: row.key,
          request_hash: row.requestHash,
          state: 'in_progress',
          owner: row.owner,
          status: null,
          response: null,
          created_at: row.now,
          locked_at: row.now,
          expires_at: row.expiresAt,
          session_id: null,
        })
        .onConflict((oc) => oc.columns(['principal_key', 'key']).doNothing())
        .returning('key')
        .executeTakeFirst()
      return inserted !== undefined
    },

    async find(principalKey: string, key: string): Promise<IdempotencyEntry | undefined> {
      const row = await db.selectFrom('idempotency_keys').selectAll().where('principal_key', '=', principalKey).where('key', '=', key).executeTakeFirst()
      return row && toEntry(row)
    },

    /**
     * Takes over an entry whose window ended, or whose request was abandoned (its process
     * died mid-request), for a new request; conditional, so only one taker wins.
     */
    async takeOver(row: { principalKey: string; key: string; requestHash: string; owner: string; now: string; expiresAt: string; abandonedBefore: string }): Promise<boolean> {
      const result = await db
        .updateTable('idempotency_keys')
        .set({ request_hash: row.requestHash, state: 'in_progress', owner: row.owner, status: null, response: null, created_at: row.now, locked_at: row.now, expires_at: row.expiresAt, session_id: null })
        .where('principal_key', '=', row.principalKey)
        .where('key', '=', row.key)
        .where((eb) => eb.or([eb('expires_at', '<=', row.now), eb.and([eb('state', '=', 'in_progress'), eb('locked_at', '<', row.abandonedBefore)])]))
        .executeTakeFirst()
      return result.numUpdatedRows > 0n
    },

    /** Completes the claim, if this request still holds it (a slow request may have been taken over). */
    async complete(principalKey: string, key: string, owner: string, status: number, response: string, sessionId: string | null): Promise<void> {
      await db
        .updateTable('idempotency_keys')
        .set({ state: 'completed', status, response, session_id: sessionId })
        .where('principal_key', '=', principalKey)
        .where('key', '=', key)
        .where('owner', '=', owner)
        .execute()
    },

    /**
     * Takes a completed entry out of the ledger as it is replayed: of concurrent replays
     * exactly one gets it (for responses that may be replayed only once).
     */
    async consume(principalKey: string, key: string, requestHash: string, now: string): Promise<IdempotencyEntry | undefined> {
      const row = await db
        .deleteFrom('idempotency_keys')
        .where('principal_key', '=', principalKey)
        .where('key', '=', key)
        .where('request_hash', '=', requestHash)
        .where('state', '=', 'completed')
        .where('expires_at', '>', now)
        .returningAll()
        .executeTakeFirst()
      return row && toEntry(row)
    },

    /** Forgets a claim whose request failed on our side, so the client can retry it. */
    async release(principalKey: string, key: string, owner: string): Promise<void> {
      await db
        .deleteFrom('idempotency_keys')
        .where('principal_key', '=', principalKey)
        .where('key', '=', key)
        .where('owner', '=', owner)
        .where('state', '=', 'in_progress')
        .execute()
    },

    /** Every instance sweeps: the sweeps lock what they delete in key order (lock-order.ts). */
    async deleteExpired(now: string): Promise<number> {
      const expired = db.selectFrom('idempotency_keys').select(['principal_key', 'key']).where('expires_at', '<=', now)
      const result = await db
        .deleteFrom('idempotency_keys')
        .where((eb) => (dialect === 'postgres' ? sql<SqlBool>`("principal_key", "key") in (${lockingInKeyOrder(expired, 'principal_key', 'key')})` : eb('expires_at', '<=', now)))
        .executeTakeFirst()
      return Number(result.numDeletedRows)
    },
  }
}

export type IdempotencyRepository = ReturnType<typeof idempotencyRepository>
