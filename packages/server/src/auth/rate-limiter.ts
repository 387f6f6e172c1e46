import type { RateLimitCount } from '@brandwave/core'
import { countTogether, inMemoryCounters, REQUEST_COUNTER, type CounterStoreFactory } from '../shared-state/counters.js'
import { MemoryRequestCounter } from './memory-request-counter.js'

/**
 * Counts requests per key in one-minute windows; the caller decides against the key's own
 * limit (`decideRateLimit`), so counting can start before the limit is known for sure.
 */
export interface RateLimiter {
  count(key: string): Promise<RateLimitCount>
  /** Gives back a request that was counted before it was refused (a refused request is not use). */
  refund(key: string): Promise<void>
  /** Counts without I/O, when the counter lives in this process: a warm request then never awaits. */
  readonly countNow?: (key: string) => RateLimitCount
}

export function requestRateLimiter(counters: CounterStoreFactory): RateLimiter {
  if (counters === inMemoryCounters) {
    const memory = new MemoryRequestCounter(REQUEST_COUNTER.windowSeconds * 1000)
    return {
      count: (key) => Promise.resolve(memory.count(key)),
      refund: (key) => {
        memory.refund(key)
        return Promise.resolve()
      },
      countNow: (key) => memory.count(key),
    }
  }
  const store = counters(REQUEST_COUNTER)
  return {
    // Requests of one key checked in the same batch are counted with one command.
    count: countTogether(store),
    refund: async (key) => {
      await store.reward(key, 1)
    },
  }
}
