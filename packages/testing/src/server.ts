import { randomBytes } from 'node:crypto'
import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { loadConfig, loggerOptions, startServer, type CounterStoreFactory, type RunningServer } from '@brandwave/server'
import { ManualClock } from './clock.js'
import { createPostgresDatabase, type TestDatabaseKind } from './databases.js'
import { request, type RequestOptions, type TestResponse } from './http.js'
import { deleteRedisPrefix, testRedisPrefix } from './redis.js'

export const ADMIN_EMAIL = 'admin@example.com'
export const ADMIN_PASSWORD = 'correct horse battery staple'
export const TEST_SECRET = 'test-secret-0123456789-0123456789-0123456789'

/** The settings that create the first administrator, for any server a test starts. */
export const ADMIN_ENV = { BRANDWAVE_ADMIN_EMAIL: ADMIN_EMAIL, BRANDWAVE_ADMIN_PASSWORD: ADMIN_PASSWORD } as const

/** A real Brandwave server on a free port, with its own database, for one suite. */
export interface TestServer {
  readonly url: string
  readonly clock: ManualClock
  readonly kind: TestDatabaseKind
  /** Its Redis and key prefix (postgres+redis only); `close` deletes every key under it. */
  readonly redis: { readonly url: string; readonly prefix: string } | null
  readonly running: RunningServer
  request<T = any>(method: string, path: string, options?: RequestOptions): Promise<TestResponse<T>>
  /** Stops the server and starts a new one on the same database (durability tests). */
  restart(): Promise<void>
  /** Like `restart`, with some settings changed; if the new one fails to start, nothing runs. */
  restartWith(env: Record<string, string>): Promise<void>
  close(): Promise<void>
}

export interface TestServerOptions {
  readonly env?: Record<string, string>
  /** The server's time, when the test needs it before the server starts (default: a new one). */
  readonly clock?: ManualClock
  /**
   * Where rate-limit and sign-in counters live (the server's `counters` dependency), e.g.
   * `clockedCounters(clock)`; a server with Redis keeps its counters in Redis regardless.
   */
  readonly counters?: CounterStoreFactory
  /** Receives the server's JSON log lines (for tests that check what is logged). */
  readonly logLines?: string[]
}

/**
 * Starts a server the way `npm start` does (config from environment variables, migrations,
 * first admin), on SQLite in a temporary directory or on a fresh PostgreSQL database.
 */
export async function startTestServer(kind: TestDatabaseKind, options: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'brandwave-test-'))
  // A first start a test does not watch (no clock or log of its own) begins where one ended.
  const template = options.clock === undefined && options.logLines === undefined ? await firstStart(kind, options.env ?? {}) : null
  if (template?.dataDir) cpSync(template.dataDir, dataDir, { recursive: true })
  const postgres = kind === 'sqlite' ? null : await createPostgresDatabase(template?.database ? { template: template.database } : {})
  // Each server gets its own key prefix in the shared Redis: suites never see each other.
  const redis = kind === 'postgres+redis' ? { url: process.env.TEST_REDIS_URL!, prefix: testRedisPrefix() } : null
  const env = {
    ...serverEnv(kind, dataDir),
    ...(postgres !== null && { DATABASE_URL: postgres.url }),
    ...(redis !== null && { REDIS_URL: redis.url, BRANDWAVE_REDIS_PREFIX: redis.prefix }),
    ...options.env,
  }
  const clock = options.clock ?? new ManualClock()
  const logLines = options.logLines
  const logger =
    logLines === undefined
      ? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' })
      : pino({ ...loggerOptions('info') }, { write: (line: string) => void logLines.push(line) })
  const start = (overrides: Record<string, string> = {}) => startServer(loadConfig({ ...env, ...overrides }), { clock, logger, ...(options.counters !== undefined && { counters: options.counters }) })
  let running = await start()
  let stopped = false

  const server: TestServer = {
    get url() {
      return running.url
    },
    clock,
    kind,
    redis,
    get running() {
      return running
    },
    request: (method, path, requestOptions) => request(running.url, method, path, requestOptions),
    async restart() {
      await server.restartWith({})
    },
    async restartWith(overrides) {
      if (!stopped) await running.close()
      stopped = true
      running = await start(overrides)
      stopped = false
    },
    async close() {
      if (!stopped) await running.close()
      await postgres?.drop()
      if (redis !== null) await deleteRedisPrefix(redis.url, redis.prefix)
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
  return server
}

/** The settings of a test server on `kind`, but for its database URL and Redis keys. */
function serverEnv(kind: TestDatabaseKind, dataDir: string): Record<string, string> {
  return {
    PORT: '0',
    HOST: '127.0.0.1',
    BRANDWAVE_DATA_DIR: dataDir,
    ...ADMIN_ENV,
    BRANDWAVE_SIGNUP: 'open',
    // Suites sign many users up from one address; the sign-up throttle is tested with its own limit.
    BRANDWAVE_SIGNUPS_PER_IP: '100000',
    BRANDWAVE_USAGE_FLUSH_MS: '100',
    // A suite warms a few dozen keys; reserving room for 100,000 took 30 ms per cache at every start.
    BRANDWAVE_CACHE_ENTRIES: '1000',
    ...(kind !== 'sqlite' && { BRANDWAVE_SECRET: TEST_SECRET }),
  }
}

/** What a first start writes down (the secret's fingerprint, the token prefix, the first administrator). */
const FIRST_START_SETTINGS = /^(BRANDWAVE_SECRET|BRANDWAVE_TOKEN_PREFIX|BRANDWAVE_ADMIN_\w+|BRANDWAVE_ORGANIZATION_NAME)$/

interface FirstStart {
  /** The SQLite data directory (database and secret) a first start left, or null on PostgreSQL. */
  readonly dataDir: string | null
  /** The PostgreSQL database it left, which copies are made from. */
  readonly database: string | null
}

const firstStarts = new Map<string, Promise<FirstStart>>()
const templateDirs: string[] = []
process.once('exit', () => templateDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })))

/**
 * What a first start leaves behind — migrations applied, the secret, the first administrator,
 * the OAuth signing key — made once per worker for each kind and set of first-start settings,
 * and copied for every server after it: about half a second of each start (sixteen
 * migrations, an RSA key, an argon2 hash) that the suites do not test; `commands/*.test.ts`
 * start real processes from nothing. The PostgreSQL copies come from a template database,
 * which the run drops when it ends (`global-setup.ts`).
 */
function firstStart(kind: TestDatabaseKind, overrides: Record<string, string>): Promise<FirstStart> {
  const settings = Object.entries(overrides).filter(([name]) => FIRST_START_SETTINGS.test(name))
  const key = JSON.stringify([kind, settings.sort()])
  let made = firstStarts.get(key)
  if (made === undefined) {
    made = makeFirstStart(kind, Object.fromEntries(settings))
    firstStarts.set(key, made)
  }
  return made
}

async function makeFirstStart(kind: TestDatabaseKind, settings: Record<string, string>): Promise<FirstStart> {
  const dataDir = mkdtempSync(join(tmpdir(), 'brandwave-template-'))
  templateDirs.push(dataDir)
  const run = process.env.BRANDWAVE_TEST_RUN ?? 'local'
  const database = kind === 'sqlite' ? null : await createPostgresDatabase({ name: `bw_tmpl_${run}_${randomBytes(4).toString('hex')}` })
  const redis = kind === 'postgres+redis' ? { url: process.env.TEST_REDIS_URL!, prefix: testRedisPrefix('tmpl') } : null
  const env = {
    ...serverEnv(kind, dataDir),
    ...(database !== null && { DATABASE_URL: database.url }),
    ...(redis !== null && { REDIS_URL: redis.url, BRANDWAVE_REDIS_PREFIX: redis.prefix }),
    ...settings,
  }
  const server = await startServer(loadConfig(env), { clock: new ManualClock(), logger: pino({ level: 'silent' }), listen: false })
  await server.close()
  if (redis !== null) await deleteRedisPrefix(redis.url, redis.prefix)
  return { dataDir: database === null ? dataDir : null, database: database?.name ?? null }
}
