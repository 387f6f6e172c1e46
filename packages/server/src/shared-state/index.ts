import type { FastifyBaseLogger } from 'fastify'
import type { Config } from '../config.js'
import type { DatabaseHandle } from '../storage/database.js'
import { localAccessVersion, unknowableAccessVersion, type AccessVersion } from './access-version.js'
import { AccessFence } from './access-fence.js'
import { inMemoryCounters, type CounterStoreFactory } from './counters.js'
import { RedisAccessVersion } from './redis-access-version.js'
import type { RedisHandle } from './redis-connection.js'
import { redisCounters } from './redis-counters.js'

/**
 * What the instances of one deployment share: how each learns of access changes made
 * elsewhere (strict revocation), and where rate-limit and sign-in counters live.
 */
export interface SharedState {
  readonly accessVersion: AccessVersion
  readonly counters: CounterStoreFactory
  /** How long a verified credential or session may be served from memory. */
  readonly cacheTtlMs: number
  /**
   * Whether instances can trust what they share through Redis now (the health check): throws
   * when it is unreachable, or a change made here is not yet published. Null without Redis.
   */
  readonly checkRedis: (() => Promise<void>) | null
  /** Whether this instance holds an access change the others have not heard of. */
  readonly unpublished: boolean
  /** Called when the connection that carries the version is lost: caches must start cold. */
  onLost(listener: () => void): void
  /** Whether Redis answers now (metrics); false without Redis. */
  readonly redisUp: () => boolean
  /** Stops retrying to publish a change (the server is closing). */
  stop(): void
}

export interface SharedStateDependencies {
  readonly config: Pick<Config, 'revocation' | 'redisPrefix'>
  readonly database: Pick<DatabaseHandle, 'externalWriteVersion'>
  /** Redis, when `REDIS_URL` is set: the caller connects and closes it. */
  readonly redis?: RedisHandle | null
  /** Where counters live when Redis does not hold them (a cluster's primary). */
  readonly counters?: CounterStoreFactory
}

/**
 * Picks the shared state the deployment has (docs/architecture.md):
 * - with Redis: the shared access version and shared counters;
 * - on the embedded database: this process's version plus SQLite's `data_version` (which
 *   sees other processes' commits); counters here (or in the cluster's primary);
 * - on PostgreSQL without Redis: no version can be trusted, so every check reads the database.
 * `BRANDWAVE_REVOCATION=cached` trades strictness for speed: other instances' changes are
 * seen when entries expire, after 10 seconds.
 */
export function createSharedState(deps: SharedStateDependencies, logger: FastifyBaseLogger): SharedState {
  const { config, database } = deps
  const redis = deps.redis ?? null
  const counters = redis ? redisCounters(redis, config.redisPrefix) : (deps.counters ?? inMemoryCounters)
  const redisVersion =
    redis && config.revocation !== 'cached'
      ? new RedisAccessVersion(redis, `${config.redisPrefix}access-version`, logger, new AccessFence(redis, config.redisPrefix, logger))
      : null
  const choice = (): { accessVersion: AccessVersion; cacheTtlMs: number } => {
    // This instance still sees its own changes at once; the others within the entry lifetime.
    if (config.revocation === 'cached') return { accessVersion: localAccessVersion(null), cacheTtlMs: 10_000 }
    if (redisVersion) return { accessVersion: redisVersion, cacheTtlMs: 60_000 }
    if (database.externalWriteVersion !== null) return { accessVersion: localAccessVersion(database.externalWriteVersion), cacheTtlMs: 5 * 60_000 }
    return { accessVersion: unknowableAccessVersion, cacheTtlMs: 0 }
  }
  const { accessVersion, cacheTtlMs } = choice()
  return {
    accessVersion,
    counters,
    cacheTtlMs,
    checkRedis:
      redis &&
      (async () => {
        // Connected is not enough: until a change made during the outage is published, other
        // instances may still trust caches it invalidates.
        await redis.ping()
        if (redisVersion?.unpublished === true) throw new Error('an access change is not yet published')
      }),
    get unpublished() {
      return redisVersion?.unpublished === true
    },
    onLost: (listener) => redis?.onLost(listener),
    redisUp: () => redis?.client.status === 'ready',
    stop: () => redisVersion?.stop(),
  }
}
