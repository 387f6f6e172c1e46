import { chmodSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import { Kysely, PostgresDialect, SqliteDialect, type SqliteDatabase as KyselySqliteDatabase } from 'kysely'
import { LRUCache } from 'lru-cache'
import pg from 'pg'
import type { Database } from './schema.js'

export type Dialect = 'sqlite' | 'postgres'

/** An open database: the query builder, which dialect it speaks, and how to close it. */
export interface DatabaseHandle {
  readonly db: Kysely<Database>
  readonly dialect: Dialect
  /**
   * A number that changes whenever another process (the CLI, a second server) commits to
   * the embedded database. Caches use it to notice writes they did not make. Null when
   * the database is shared over the network: then another mechanism must be used.
   */
  readonly externalWriteVersion: (() => number) | null
  /**
   * The embedded database's own better-sqlite3 connection (the one the query builder uses),
   * for the one path that cannot afford the builder: spending remaining uses
   * (`storage/spends.ts`). Null on PostgreSQL.
   */
  readonly embedded: SqliteDatabase.Database | null
  /** Resolves when the database answers a trivial query; used by `/readyz`. */
  ping(): Promise<void>
  close(): Promise<void>
}

export interface DatabaseOptions {
  readonly databaseUrl: string | null
  /** Directory of the embedded database (`brandwave.db` inside it). */
  readonly dataDir: string
  /** `:memory:` for throwaway databases in unit tests. */
  readonly sqliteFile?: string
  readonly poolSize?: number
}

const TIMESTAMPTZ_OID = 1184
const INT8_OID = 20

/**
 * PostgreSQL returns timestamptz as `Date` and bigint (e.g. `count(*)`) as strings by
 * default; reading them as ISO strings and numbers keeps rows identical to SQLite's.
 */
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === TIMESTAMPTZ_OID) return (value: string) => new Date(value).toISOString()
    if (oid === INT8_OID) return (value: string) => Number(value)
    return pg.types.getTypeParser(oid, format ?? 'text') as (value: string) => unknown
  },
}

/**
 * Opens PostgreSQL when `databaseUrl` is set, the embedded SQLite database otherwise.
 *
 * @example
 * const handle = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir })
 */
export function openDatabase(options: DatabaseOptions): DatabaseHandle {
  if (options.databaseUrl !== null) return openPostgres(options.databaseUrl, options.poolSize ?? 10)
  return openSqlite(options.sqliteFile ?? join(options.dataDir, 'brandwave.db'), options.sqliteFile === undefined ? options.dataDir : null)
}

function openPostgres(connectionString: string, max: number): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString,
    max,
    types: pgTypes,
    // Fail fast rather than hang when the database is unreachable: callers answer 503.
    connectionTimeoutMillis: 2000,
    query_timeout: 10_000,
    keepAlive: true,
  })
  // An idle client losing its connection emits 'error' on the pool; without a listener
  // that would crash the process. The next query reconnects.
  pool.on('error', () => undefined)
  // A checked-out client (between a transaction's statements, say) losing its connection
  // emits 'error' on itself: the statement in flight fails with it, the process must not.
  pool.on('connect', (client) => client.on('error', () => undefined))
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
  return {
    db,
    dialect: 'postgres',
    externalWriteVersion: null,
    embedded: null,
    async ping() {
      await pool.query('select 1')
    },
    async close() {
      await db.destroy()
    },
  }
}

/**
 * Kysely prepares every query afresh, and compiling a statement costs SQLite far more than
 * running it (a verification lookup: about 85 µs against 5). The query builder produces a
 * small set of distinct SQL texts, so keep their statements. Reuse is safe: queries on this
 * connection run one at a time (Kysely holds it for a query, a stream or a transaction),
 * and SQLite recompiles a kept statement by itself after a schema change.
 */
function reusingStatements(sqlite: SqliteDatabase.Database): KyselySqliteDatabase {
  const statements = new LRUCache<string, SqliteDatabase.Statement>({ max: 500 })
  return {
    close: () => sqlite.close(),
    prepare(sql) {
      let statement = statements.get(sql)
      if (statement === undefined) {
        statement = sqlite.prepare(sql)
        statements.set(sql, statement)
      }
      return statement
    },
  }
}

function openSqlite(file: string, directoryToCreate: string | null): DatabaseHandle {
  if (directoryToCreate !== null) mkdirSync(directoryToCreate, { recursive: true, mode: 0o700 })
  const sqlite = new SqliteDatabase(file)
  // Before WAL mode creates its side files, which inherit the database file's mode.
  if (file !== ':memory:') chmodSync(file, 0o600)
  sqlite.pragma('journal_mode = WAL')
  // FULL: a credential write (creation, revocation) is on disk before the response says so.
  sqlite.pragma('synchronous = FULL')
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma('busy_timeout = 5000')
  // SQLite's own lower() folds ASCII only; searches must fold "Ü" as PostgreSQL does.
  sqlite.function('lower', { deterministic: true }, (value: unknown) => (typeof value === 'string' ? value.toLowerCase() : value))
  const dataVersion = sqlite.prepare('PRAGMA data_version').pluck()
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: reusingStatements(sqlite) }) })
  return {
    db,
    dialect: 'sqlite',
    externalWriteVersion: () => dataVersion.get() as number,
    embedded: sqlite,
    ping() {
      sqlite.prepare('select 1').get()
      return Promise.resolve()
    },
    async close() {
      await db.destroy()
    },
  }
}
