import type { Kysely } from 'kysely'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>

/**
 * Where and when a credential was reported as leaked (SPEC §10). Kept on the credential
 * itself: set once, by the first report, which also makes repeated reports harmless.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema.alterTable('credentials').addColumn('exposed_at', 'text').execute()
  await db.schema.alterTable('credentials').addColumn('exposed_url', 'text').execute()
}
