import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible'
import type { CounterStoreFactory } from './counters.js'
import type { RedisHandle } from './redis-connection.js'

/**
 * Counters shared by every instance through Redis (rate-limiter-flexible's Redis store).
 * While Redis is away, each instance counts on its own (the insurance limiter): limits
 * then apply per instance — the documented fallback — and shared counting resumes by itself.
 */
export function redisCounters(redis: RedisHandle, prefix: string): CounterStoreFactory {
  return ({ name, windowSeconds }) =>
    new RateLimiterRedis({
      storeClient: redis.client,
      keyPrefix: `${prefix}rl:${name}`,
      points: Number.MAX_SAFE_INTEGER,
      duration: windowSeconds,
      rejectIfRedisNotReady: true,
      insuranceLimiter: new RateLimiterMemory({ keyPrefix: `${prefix}rl:${name}`, points: Number.MAX_SAFE_INTEGER, duration: windowSeconds }),
    })
}
