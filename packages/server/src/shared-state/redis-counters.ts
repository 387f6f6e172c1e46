import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible'
import type { CounterStoreFactory } from './counters.js'
import type { RedisHandle } from './redis-connection.js'

const keyPrefixOf = (prefix: string, name: string): string => `${prefix}rl:${name}`

/**
 * Counters shared by every instance through Redis (rate-limiter-flexible's Redis store).
 * While Redis is away, each instance counts on its own (the insurance limiter): limits
 * then apply per instance — the documented fallback — and shared counting resumes by itself.
 */
export function redisCounters(redis: RedisHandle, prefix: string): CounterStoreFactory {
  return ({ name, windowSeconds }) =>
    new RateLimiterRedis({
      storeClient: redis.client,
      keyPrefix: keyPrefixOf(prefix, name),
      points: Number.MAX_SAFE_INTEGER,
      duration: windowSeconds,
      rejectIfRedisNotReady: true,
      insuranceLimiter: new RateLimiterMemory({ keyPrefix: keyPrefixOf(prefix, name), points: Number.MAX_SAFE_INTEGER, duration: windowSeconds }),
    })
}

/** The Redis key under which `redisCounters` counts `key` for the counter `name` (rate-limiter-flexible's `getKey`). */
export const redisCounterKey = (prefix: string, name: string, key: string): string => `${keyPrefixOf(prefix, name)}:${key}`
