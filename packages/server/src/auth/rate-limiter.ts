import type { RateLimitCount } from '@brandwave/core'
import { CounterShares, type ShareCommand } from '../shared-state/counter-shares.js'
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
  /**
   * Counts without I/O where it can: always when the counter lives in this process, and for
   * a busy key of a shared counter from the share of its count this process holds
   * (`CounterShares`). Undefined when it cannot now: then `count`. A warm request then never awaits.
   */
  readonly countNow?: (key: string, limit: number) => RateLimitCount | undefined
  /** Hands back what this process holds of shared counts (the server is closing). */
  stop(): void
}

/**
 * What a command to a shared counter store was for: a request's own count (or a batch of one
 * key's), a share or its give-back (`CounterShares`), a refused request's refund.
 */
export type CounterCommand = 'count' | ShareCommand | 'refund'

export function requestRateLimiter(counters: CounterStoreFactory, onCommand: (command: CounterCommand) => void = () => undefined): RateLimiter {
  if (counters === inMemoryCounters) {
    const memory = new MemoryRequestCounter(REQUEST_COUNTER.windowSeconds * 1000)
    return {
      count: (key) => Promise.resolve(memory.count(key)),
      refund: (key) => {
        memory.refund(key)
        return Promise.resolve()
      },
      countNow: (key) => memory.count(key),
      stop: () => undefined,
    }
  }
  const store = counters(REQUEST_COUNTER)
  const shares = new CounterShares(store, Date.now, onCommand)
  return {
    countNow: (key, limit) => shares.countNow(key, limit),
    stop: () => shares.stop(),
    // Requests of one key checked in the same batch are counted with one command.
    count: countTogether(store, () => onCommand('count')),
    refund: async (key) => {
      onCommand('refund')
      await store.reward(key, 1)
    },
  }
}
