import { sql, type RawBuilder, type SqlBool } from 'kysely'

/**
 * A case-insensitive substring match where `%` and `_` in the search are literal
 * characters, not wildcards. Same SQL on SQLite and PostgreSQL.
 */
export function containsIgnoringCase(column: RawBuilder<unknown>, search: string): RawBuilder<SqlBool> {
  const pattern = `%${search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`
  return sql<SqlBool>`lower(${column}) like ${pattern} escape '\\'`
}
