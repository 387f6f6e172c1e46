import { chmodSync, mkdirSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { join } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import { Kysely, PostgresDialect, SqliteDialect, type SqliteDatabase as KyselySqliteDatabase } from 'kysely'
import { LRUCache } from 'lru-cache'
import pg from 'pg'
import { afterTurn } from '../end-of-turn.js'
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
  readonly embedded: EmbeddedConnection | null
  /** Resolves when the database answers a trivial query; used by `/readyz`. */
  ping(): Promise<void>
  close(): Promise<void>
}

export interface EmbeddedConnection {
  readonly connection: SqliteDatabase.Database
  /**
   * Runs `write` in this turn's group transaction, opening it (`BEGIN IMMEDIATE`) if none is
   * open, and returns what `write` returned with `committed`, which settles when the group
   * commits: once this turn's requests have been checked and handled (`afterTurn`), or before
   * the query builder's next statement, whichever comes first. Answer a request only then: a
   * group whose commit or any write fails (a full disk) is rolled back whole, and `committed`
   * rejects.
   *
   * One commit per turn instead of one per write: SQLite's commit (about 6 file locks and a
   * WAL frame) costs several times the statement. The group's commit does not wait for an
   * fsync: the WAL it went to is fsynced off the main thread within a second. A crash of the
   * process loses nothing that was answered (the WAL is in the page cache, and other
   * processes read it at once); a power loss or a crash of the operating system may forget
   * that last second's commits. Every write of the query builder still waits for its fsync
   * (`synchronous = FULL`, set back before its next statement).
   *
   * Only when `canGroup()`: no transaction of the query builder is open on the connection
   * (between its awaits), which the group would otherwise join and share the fate of.
   */
  inGroupCommit<T>(write: () => T): { readonly value: T; readonly committed: Promise<void> }
  canGroup(): boolean
  /**
   * Told as each group ends: `beforeCommit` inside it, for writes it held back (a throw rolls
   * the group back), `ended` after it, committed or not, to forget what the group held.
   */
  joinGroups(participant: GroupParticipant): void
}

export interface GroupParticipant {
  beforeCommit(): void
  ended(): void
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
function reusingStatements(sqlite: SqliteDatabase.Database, beforeEach: () => void): KyselySqliteDatabase {
  const statements = new LRUCache<string, SqliteDatabase.Statement>({ max: 500 })
  return {
    close: () => sqlite.close(),
    prepare(sql) {
      beforeEach()
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
  // Switched only when the other kind of write comes, not around each: two pragmas per
  // spend cost as much as a third of the spend.
  const unsynced = sqlite.prepare('PRAGMA synchronous = NORMAL')
  const synced = sqlite.prepare('PRAGMA synchronous = FULL')
  let fsyncing = true
  const walSync = new WalSync(file === ':memory:' ? null : `${file}-wal`, 1000)
  const group = new GroupCommit(sqlite, () => {
    if (!fsyncing) return
    unsynced.run()
    fsyncing = false
  }, () => walSync.due())
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({
      database: reusingStatements(sqlite, () => {
        // The group's writes come first, in their own commit: the builder's transaction must not join it.
        group.commit()
        if (fsyncing) return
        synced.run()
        fsyncing = true
      }),
    }),
  })
  const embedded: EmbeddedConnection = {
    connection: sqlite,
    inGroupCommit: (write) => group.run(write),
    canGroup: () => group.isOpen() || !sqlite.inTransaction,
    joinGroups(participant) {
      group.participants.push(participant)
    },
  }
  return {
    db,
    dialect: 'sqlite',
    externalWriteVersion: () => dataVersion.get() as number,
    embedded,
    ping() {
      sqlite.prepare('select 1').get()
      return Promise.resolve()
    },
    async close() {
      group.commit()
      await db.destroy()
    },
  }
}

/** The group transaction behind `EmbeddedConnection.inGroupCommit`. */
class GroupCommit {
  private readonly begin: SqliteDatabase.Statement
  private readonly end: SqliteDatabase.Statement
  private open: { readonly committed: Promise<void>; readonly resolve: () => void; readonly reject: (error: unknown) => void } | null = null
  private readonly commitLater = (): void => this.commit()
  readonly participants: GroupParticipant[] = []

  constructor(
    private readonly sqlite: SqliteDatabase.Database,
    private readonly beforeBegin: () => void,
    private readonly afterCommit: () => void,
  ) {
    // IMMEDIATE: the write lock is taken first (waiting up to busy_timeout for another process),
    // so nothing read inside the group can turn stale under its writes.
    this.begin = sqlite.prepare('BEGIN IMMEDIATE')
    this.end = sqlite.prepare('COMMIT')
  }

  isOpen(): boolean {
    return this.open !== null
  }

  run<T>(write: () => T): { readonly value: T; readonly committed: Promise<void> } {
    const open = this.open ?? this.start()
    try {
      return { value: write(), committed: open.committed }
    } catch (error) {
      // A write that failed may have taken the transaction with it (a full disk), or left held-back
      // uses unwritten: the group stands or falls as one, and its spenders hear of the failure.
      this.abandon(error)
      throw error
    }
  }

  commit(): void {
    const open = this.open
    if (open === null) return
    try {
      for (const participant of this.participants) participant.beforeCommit()
      this.end.run()
    } catch (error) {
      this.abandon(error)
      return
    }
    this.open = null
    this.ended()
    this.afterCommit()
    open.resolve()
  }

  /** Rolls the open group back and fails its spenders, whatever the rollback itself does. */
  private abandon(error: unknown): void {
    const open = this.open
    this.open = null
    try {
      if (this.sqlite.inTransaction) this.sqlite.exec('ROLLBACK')
    } catch {
      // The transaction is gone either way: SQLite ends it when a rollback fails.
    } finally {
      this.ended()
      open?.reject(error)
    }
  }

  private ended(): void {
    for (const participant of this.participants) participant.ended()
  }

  private start(): NonNullable<GroupCommit['open']> {
    this.beforeBegin()
    this.begin.run()
    let resolve!: () => void
    let reject!: (error: unknown) => void
    const committed = new Promise<void>((yes, no) => ((resolve = yes), (reject = no)))
    // Each writer awaits it; a group nobody awaits (a write that threw) must not be an unhandled rejection.
    committed.catch(() => undefined)
    afterTurn(this.commitLater)
    return (this.open = { committed, resolve, reject })
  }

}

/** Makes the embedded database's WAL durable within an interval of a commit that skipped its fsync, off the main thread. */
class WalSync {
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly path: string | null,
    private readonly intervalMs: number,
  ) {}

  due(): void {
    if (this.path === null || this.timer !== undefined) return
    this.timer = setTimeout(() => void this.sync(this.path!), this.intervalMs)
    this.timer.unref()
  }

  private async sync(path: string): Promise<void> {
    this.timer = undefined
    try {
      // fsync flushes the file whichever descriptor asks: the WAL SQLite wrote through its own.
      const handle = await open(path, 'r')
      try {
        await handle.datasync()
      } finally {
        await handle.close()
      }
    } catch {
      // No WAL left: the database was closed, which checkpoints it into the synced main file.
    }
  }
}
