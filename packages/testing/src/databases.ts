import { randomBytes } from 'node:crypto'
import pg from 'pg'

/**
 * The deployments the integration suites run on: the embedded database always; PostgreSQL
 * alone (every check reads it) when `TEST_DATABASE_URL` is set; PostgreSQL with Redis (the
 * scale-out configuration: shared caches and counters) when `TEST_REDIS_URL` is set too.
 */
export type TestDatabaseKind = 'sqlite' | 'postgres' | 'postgres+redis'

export const testDatabaseKinds: TestDatabaseKind[] = [
  'sqlite',
  ...(process.env.TEST_DATABASE_URL ? (['postgres'] as const) : []),
  ...(process.env.TEST_DATABASE_URL && process.env.TEST_REDIS_URL ? (['postgres+redis'] as const) : []),
]

/**
 * One deployment per storage engine: the embedded database, and PostgreSQL in the
 * configuration large deployments run (with Redis when `TEST_REDIS_URL` is set). For suites
 * whose behaviour depends on what is stored but not on how instances share what can deny
 * access (caches, the access version, counters, throttles): those suites run on every kind
 * in `testDatabaseKinds`, and running the rest on PostgreSQL twice only doubled their time.
 */
export const storageKinds: TestDatabaseKind[] = [
  'sqlite',
  ...(process.env.TEST_DATABASE_URL ? [process.env.TEST_REDIS_URL ? ('postgres+redis' as const) : ('postgres' as const)] : []),
]

/**
 * A fresh PostgreSQL database for one suite, on the server `TEST_DATABASE_URL` points at;
 * dropped when the suite ends, so suites never see each other's rows. With `template`, a copy
 * of that database (which nothing may be connected to) instead of an empty one.
 */
export async function createPostgresDatabase(options: { readonly template?: string; readonly name?: string } = {}): Promise<{ name: string; url: string; drop: () => Promise<void> }> {
  const base = process.env.TEST_DATABASE_URL
  if (!base) throw new Error('TEST_DATABASE_URL is not set')
  const name = options.name ?? `bw_test_${randomBytes(6).toString('hex')}`
  await onServer(base, (client) => client.query(`create database ${name}${options.template === undefined ? '' : ` template ${options.template}`}`))
  const url = new URL(base)
  url.pathname = `/${name}`
  return {
    name,
    url: url.toString(),
    drop: () => onServer(base, (client) => client.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
  }
}

/** Drops every database whose name starts with `prefix` (what a test run left behind). */
export async function dropPostgresDatabases(prefix: string): Promise<void> {
  const base = process.env.TEST_DATABASE_URL
  if (!base || !/^bw_[a-z0-9_]+$/.test(prefix)) return
  await onServer(base, async (client) => {
    const { rows } = await client.query<{ datname: string }>('select datname from pg_database where starts_with(datname, $1)', [prefix])
    for (const { datname } of rows) await client.query(`drop database if exists ${datname} with (force)`)
  })
}

async function onServer<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await use(client)
  } finally {
    await client.end()
  }
}
