import type { FastifyBaseLogger } from 'fastify'
import { Redis } from 'ioredis'

export interface RedisHandle {
  readonly client: Redis
  /** Called whenever the connection is lost: caches validated against Redis must be dropped. */
  onLost(listener: () => void): void
  ping(): Promise<void>
  close(): Promise<void>
}

/**
 * Connects to Redis for what instances share: the access version (strict revocation) and
 * rate-limit counters. Commands fail fast while disconnected instead of queueing, so a
 * Redis outage degrades to the documented fallbacks at once rather than stalling requests;
 * reconnection is automatic and needs no restart. State changes are logged loudly.
 */
export function connectRedis(url: string, logger: FastifyBaseLogger): RedisHandle {
  const client = new Redis(url, {
    // Commands issued in the same tick share one round trip (the version read and the
    // rate-limit count of a request).
    enableAutoPipelining: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    // A link that stays open but carries nothing (a partition TCP has not noticed) fails a
    // command within a second, like a closed one: the database decides meanwhile.
    commandTimeout: 1000,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(100 * 2 ** attempt, 2000),
  })
  const lostListeners: Array<() => void> = []
  let up = false
  client.on('ready', () => {
    if (!up) logger.info('Redis is available: rate limits and revocation are shared across instances')
    up = true
  })
  const lost = (reason: string) => {
    if (up) {
      logger.error(
        { reason },
        'Redis is unavailable: rate limits fall back to per-instance counters, and every credential check reads the database until it returns',
      )
    }
    up = false
    for (const listener of lostListeners) listener()
  }
  client.on('close', () => lost('connection closed'))
  client.on('error', (error: Error) => lost(error.message))
  return {
    client,
    onLost: (listener) => void lostListeners.push(listener),
    async ping() {
      await client.ping()
    },
    async close() {
      client.disconnect()
      await Promise.resolve()
    },
  }
}
