import { sql, type SelectQueryBuilder } from 'kysely'

/**
 * PostgreSQL locks the rows a statement changes in whatever order its plan scans them, and
 * a transaction that updates rows one at a time locks them in the order it goes. Two
 * writers that lock several of the same rows in different orders deadlock, and one of them
 * is aborted (a family revocation was lost this way to the batched usage write). So every
 * write that changes several rows of a table takes their locks in one order: byte order of
 * the key, as the `C` collation sorts it and as `byteOrder` does in JavaScript (keys are ASCII).
 * SQLite has one writer at a time: there is nothing to order there.
 */
export const byteOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/**
 * `rows`, locked in byte order of `keys` (PostgreSQL only): run it first in the writer's
 * transaction, or use it as the subquery that picks the rows a single statement changes.
 */
export function lockingInKeyOrder<DB, TB extends keyof DB, O>(rows: SelectQueryBuilder<DB, TB, O>, ...keys: readonly string[]): SelectQueryBuilder<DB, TB, O> {
  return keys.reduce((query, key) => query.orderBy(sql`${sql.ref(key)} collate "C"`), rows).forUpdate()
}
