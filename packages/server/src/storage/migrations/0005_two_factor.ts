import type { Kysely } from 'kysely'
import type { Dialect } from '../database.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>

export async function up(db: AnyDb, dialect: Dialect): Promise<void> {
  const time = dialect === 'postgres' ? 'timestamptz' : 'text'
  // The last TOTP time step accepted: a code is never accepted twice (RFC 6238 §5.2).
  await db.schema.alterTable('users').addColumn('totp_last_step', dialect === 'postgres' ? 'bigint' : 'integer').execute()
  await db.schema
    .createTable('recovery_codes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('code_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('used_at', time)
    .execute()
  await db.schema.createIndex('recovery_codes_user').on('recovery_codes').columns(['user_id']).execute()
}
