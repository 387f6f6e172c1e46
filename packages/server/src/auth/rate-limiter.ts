import type { RateLimitCount } from '@brandwave/core'
import { count, type CounterStoreFactory } from '../shared-state/counters.js'

/**
 * Counts requests per key in one-minute windows; the caller decides against the key's own
 * limit (`decideRateLimit`), so counting can start before the limit is known for sure.
 */
export interface RateLimiter {
  count(key: string): Promise<RateLimitCount>
  /** Gives back a request that was counted before it was refused (a refused request is not use). */
  refund(key: string): Promise<void>
}

export function requestRateLimiter(counters: CounterStoreFactory): RateLimiter {
  const store = counters({ name: 'requests', windowSeconds: 60 })
  return {
    count: (key) => count(store, key).then((result) => ({ consumed: result.consumedPoints, msBeforeReset: result.msBeforeNext })),
    refund: async (key) => {
      await store.reward(key, 1)
    },
  }
}
