import type { Kysely } from 'kysely'
import type { Dialect } from '../database.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>

/**
 * When a credential's budget was last set (created, or changed by PATCH), as opposed to
 * spent or refilled: with Redis, the live count of a budget is kept there and written back
 * behind, and this tells a count that predates a PATCH from one that follows it
 * (docs/architecture.md, "Spending"). Null on budgets set before this migration: the same
 * epoch for all of them.
 */
export async function up(db: AnyDb, dialect: Dialect): Promise<void> {
  await db.schema
    .alterTable('credentials')
    .addColumn('budget_set_at', dialect === 'postgres' ? 'timestamptz' : 'text')
    .execute()
}
