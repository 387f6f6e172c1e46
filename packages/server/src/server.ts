import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import pino from 'pino'
import { createApp } from './app.js'
import type { CounterStoreFactory } from './shared-state/counters.js'
import { loggerOptions } from './logger.js'
import { connectRedis } from './shared-state/redis-connection.js'
import { systemClock, type Clock } from './clock.js'
import type { Config } from './config.js'
import { deriveKeys, loadMasterSecret, type DerivedKeys } from './secret.js'
import { bootstrapFirstAdmin, type BootstrapResult } from './sign-in/bootstrap.js'
import { openDatabase, type DatabaseHandle } from './storage/database.js'
import { createStorage } from './storage/index.js'
import { migrateToLatest } from './storage/migrations/index.js'
import { checkSecretFingerprint } from './storage/secret-fingerprint.js'
import { recordTokenPrefix, type TokenPrefixes } from './storage/token-prefixes.js'

export interface RunningServer {
  readonly app: FastifyInstance
  readonly database: DatabaseHandle
  /** Where it listens, e.g. `http://127.0.0.1:3000`. */
  readonly url: string
  readonly bootstrap: BootstrapResult
  readonly secretGenerated: boolean
  readonly tokenPrefixes: TokenPrefixes
  /** Stops accepting, finishes in-flight requests, flushes pending writes, closes the database. */
  close(): Promise<void>
}

/** How `startServer` runs: what a test, the cluster or `npm start` changes. */
export interface StartOptions {
  readonly clock?: Clock
  readonly logger?: FastifyBaseLogger
  readonly listen?: boolean
  /** Counters shared through the cluster's primary (workers without Redis). */
  readonly counters?: CounterStoreFactory
  /** Skip the first-admin bootstrap (a cluster's primary has done it). */
  readonly bootstrap?: boolean
  /** Told what start is doing, one line per step, before it does it (`npm start` prints them). */
  readonly progress?: (line: string) => void
}

/** What the start steps print about the database: where it is, never its credentials. */
export function describeDatabase(config: Config): string {
  if (config.databaseUrl === null) return `the embedded database in ${config.dataDir}`
  const url = new URL(config.databaseUrl)
  return `PostgreSQL at ${url.host}${url.pathname}`
}

/** The start line about prefixes: a changed BRANDWAVE_TOKEN_PREFIX is said out loud. */
export function describeTokenPrefixes(prefixes: TokenPrefixes): string {
  const issued = `New tokens start with ${prefixes.current}_`
  if (prefixes.earlier.length === 0) return `${issued}.`
  return `${issued}; tokens issued earlier with ${prefixes.earlier.map((prefix) => `${prefix}_`).join(', ')} are still accepted.`
}

/**
 * What every start does before it serves, once per deployment start (a cluster's primary
 * does it for its workers): migrate, check the secret is the one the data was written
 * with, record the token prefix, and create the first admin.
 */
export async function boot(
  config: Config,
  database: DatabaseHandle,
  keys: DerivedKeys,
  options: { readonly clock: Clock; readonly bootstrap: boolean; readonly progress?: ((line: string) => void) | undefined },
): Promise<{ tokenPrefixes: TokenPrefixes; bootstrap: BootstrapResult }> {
  options.progress?.(`Migrating ${describeDatabase(config)}…`)
  await migrateToLatest(database)
  await checkSecretFingerprint(database.db, keys.tokenHash)
  const tokenPrefixes = await recordTokenPrefix(database.db, config.tokenPrefix, new Date(options.clock.now()))
  const bootstrap = options.bootstrap ? await bootstrapFirstAdmin(createStorage(database), config.bootstrap, options.clock) : ({ created: false } as const)
  return { tokenPrefixes, bootstrap }
}

/**
 * Everything `npm start` does after reading the config: secret, database, boot, app, listen.
 *
 * @example
 * const server = await startServer(loadConfig(process.env))
 */
export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const clock = options.clock ?? systemClock
  const { secret, generated } = loadMasterSecret(config)
  const database = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir })
  const redisLogger = options.logger ?? pino(loggerOptions(config.logLevel))
  const redis = config.redisUrl === null ? null : connectRedis(config.redisUrl, redisLogger)
  try {
    const keys = deriveKeys(secret)
    const { tokenPrefixes, bootstrap } = await boot(config, database, keys, { clock, bootstrap: options.bootstrap !== false, progress: options.progress })
    const app = await createApp({
      config,
      database,
      keys,
      clock,
      redis,
      tokenPrefixes: tokenPrefixes.accepted,
      ...(options.logger !== undefined && { logger: options.logger }),
      ...(options.counters !== undefined && { counters: options.counters }),
    })
    const url = options.listen === false ? '' : await app.listen({ port: config.port, host: config.host })
    return {
      app,
      database,
      url,
      bootstrap,
      secretGenerated: generated,
      tokenPrefixes,
      async close() {
        await app.close()
        await redis?.close()
        await database.close()
      },
    }
  } catch (error) {
    await redis?.close()
    await database.close()
    throw error
  }
}
