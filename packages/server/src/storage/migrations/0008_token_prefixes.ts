import { sql, type Kysely } from 'kysely'
import type { Dialect } from '../database.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>

/**
 * A deployment that already issued credentials before it recorded its prefixes: their
 * `start` (`bwp_live_n1Dq`) says which prefixes are in circulation, so changing
 * BRANDWAVE_TOKEN_PREFIX later leaves them working.
 */
export async function up(db: AnyDb, dialect: Dialect): Promise<void> {
  const prefixOfStart = dialect === 'postgres' ? sql<string>`split_part(start, '_', 1)` : sql<string>`substr(start, 1, instr(start, '_') - 1)`
  const rows = await db.selectFrom('credentials').select(prefixOfStart.as('prefix')).distinct().execute()
  const recordedAt = new Date().toISOString()
  for (const { prefix } of rows as { prefix: string }[]) {
    if (prefix === '') continue
    await db.insertInto('settings').values({ key: `token_prefix:${prefix}`, value: recordedAt }).onConflict((oc) => oc.column('key').doNothing()).execute()
  }
}
