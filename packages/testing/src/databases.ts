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
 * dropped when the suite ends, so suites never see each other's rows.
 */
export async function createPostgresDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const base = process.env.TEST_DATABASE_URL
  if (!base) throw new Error('TEST_DATABASE_URL is not set')
  const name = `bw_test_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: base })
  await admin.connect()
  try {
    await admin.query(`create database ${name}`)
  } finally {
    await admin.end()
  }
  const url = new URL(base)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: base })
      await client.connect()
      try {
        await client.query(`drop database if exists ${name} with (force)`)
      } finally {
        await client.end()
      }
    },
  }
}
