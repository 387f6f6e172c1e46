import type { Kysely } from 'kysely'
import type { Dialect } from '../database.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>

/**
 * Request counts per credential and hour, the addresses a credential was used from, and each
 * organization's credential policy.
 *
 * Counts are one row per (credential, hour, outcome) rather than a column per refusal reason:
 * a new reason the authenticator learns needs no migration, and a batch adds to a row with
 * one upsert. No foreign keys: a flush must never fail on a row the pruner already took away,
 * and retention (90 days) removes what is no longer read.
 */
export async function up(db: AnyDb, dialect: Dialect): Promise<void> {
  const time = dialect === 'postgres' ? 'timestamptz' : 'text'
  const count = dialect === 'postgres' ? 'bigint' : 'integer'
  await db.schema
    .createTable('credential_usage')
    .addColumn('credential_id', 'text', (c) => c.notNull())
    .addColumn('hour', time, (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('count', count, (c) => c.notNull())
    .addPrimaryKeyConstraint('credential_usage_pk', ['credential_id', 'hour', 'outcome'])
    .execute()
  await db.schema.createIndex('credential_usage_hour').on('credential_usage').columns(['hour']).execute()

  await db.schema
    .createTable('credential_addresses')
    .addColumn('credential_id', 'text', (c) => c.notNull())
    .addColumn('ip', 'text', (c) => c.notNull())
    .addColumn('first_seen_at', time, (c) => c.notNull())
    .addColumn('last_seen_at', time, (c) => c.notNull())
    .addPrimaryKeyConstraint('credential_addresses_pk', ['credential_id', 'ip'])
    .execute()
  await db.schema.createIndex('credential_addresses_last_seen').on('credential_addresses').columns(['last_seen_at']).execute()

  await db.schema
    .createTable('credential_policies')
    .addColumn('organization_id', 'text', (c) => c.primaryKey().references('organizations.id').onDelete('cascade'))
    .addColumn('max_lifetime_seconds', 'integer')
    .addColumn('expiry_required', 'integer', (c) => c.notNull())
    /** JSON array of the environments credentials may be created in. */
    .addColumn('allowed_environments', 'text', (c) => c.notNull())
    .addColumn('live_requires_allowed_ips', 'integer', (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .addColumn('updated_by_type', 'text', (c) => c.notNull())
    .addColumn('updated_by_id', 'text')
    .addColumn('updated_by_name', 'text', (c) => c.notNull())
    .execute()
}
