import type { Kysely } from 'kysely'
import type { Dialect } from '../database.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>

export async function up(db: AnyDb, dialect: Dialect): Promise<void> {
  const time = dialect === 'postgres' ? 'timestamptz' : 'text'
  await db.schema
    .createTable('audit_events')
    .addColumn('seq', dialect === 'postgres' ? 'bigserial' : 'integer', (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('id', 'text', (c) => c.notNull().unique())
    // Null for events no organization may see (a failed login for an unknown email).
    .addColumn('organization_id', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('actor_name', 'text')
    .addColumn('target_type', 'text')
    .addColumn('target_id', 'text')
    .addColumn('target_name', 'text')
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('request_id', 'text')
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .execute()
  await db.schema.createIndex('audit_events_organization').on('audit_events').columns(['organization_id', 'seq']).execute()
  await db.schema.createIndex('audit_events_action').on('audit_events').columns(['organization_id', 'action', 'seq']).execute()
  await db.schema.createIndex('audit_events_actor').on('audit_events').columns(['organization_id', 'actor_id', 'seq']).execute()
  await db.schema.createIndex('audit_events_target').on('audit_events').columns(['organization_id', 'target_id', 'seq']).execute()
}
