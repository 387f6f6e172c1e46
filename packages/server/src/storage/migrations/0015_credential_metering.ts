import type { Kysely } from 'kysely'
import type { Dialect } from '../database.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>

/**
 * Credentials that describe and meter themselves (issue 24): who a key is for in the
 * customer's own system and their metadata, a budget of uses with its refill schedule, a
 * switch that is not final like revocation, and a rotation grace period that waits for the
 * successor's first use.
 */
export async function up(db: AnyDb, dialect: Dialect): Promise<void> {
  const time = dialect === 'postgres' ? 'timestamptz' : 'text'
  const columns: Array<[string, string]> = [
    ['external_id', 'text'],
    // The JSON object as the client sent it, serialized once: read back as a string.
    ['metadata', 'text'],
    // Null: unlimited. Spent by a conditional UPDATE, so it never goes below 0.
    ['remaining', 'integer'],
    ['refill_interval', 'text'],
    ['refill_amount', 'integer'],
    ['refill_day', 'integer'],
    ['refilled_at', time],
    ['disabled_at', time],
    // On a rotated credential: its grace period, still waiting for the successor's first use.
    ['first_use_grace_seconds', 'integer'],
  ]
  for (const [name, type] of columns) {
    await db.schema.alterTable('credentials').addColumn(name, type as 'text').execute()
  }
  await db.schema.createIndex('credentials_external_id').on('credentials').columns(['organization_id', 'external_id']).execute()
}
