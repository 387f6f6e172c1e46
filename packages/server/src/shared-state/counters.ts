import { clientThrottleKey, decideThrottle, type ThrottleDecision } from '@brandwave/core'
import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible'

/*
 * One mechanism, several policies: rate-limiter-flexible counts (atomically, in memory or
 * in a shared store), and pure functions in core decide. Stores never block by themselves
 * (`points` is effectively infinite), because the allowance differs per key and per policy.
 */

/** Makes a counter store with its own window, of whatever kind the deployment uses. */
export type CounterStoreFactory = (options: { readonly name: string; readonly windowSeconds: number }) => RateLimiterAbstract

/** The counter every authenticated request is counted in, per principal (`auth/rate-limiter.ts`); limits are per minute. */
export const REQUEST_COUNTER = { name: 'requests', windowSeconds: 60 } as const

export const inMemoryCounters: CounterStoreFactory = ({ name, windowSeconds }) =>
  new RateLimiterMemory({ keyPrefix: name, points: Number.MAX_SAFE_INTEGER, duration: windowSeconds })

/** Counts one (or `points`); a store refusing (only when `points` would overflow) still reports its count. */
export function count(store: RateLimiterAbstract, key: string, points = 1): Promise<RateLimiterRes> {
  return store.consume(key, points).catch((rejection: unknown) => {
    if (rejection instanceof RateLimiterRes) return rejection
    throw rejection
  })
}

/** What counting one request said: the count in the window, this request included. */
export interface Counted {
  readonly consumed: number
  readonly msBeforeReset: number
}

interface KeyBatch {
  points: number
  readonly counted: Promise<RateLimiterRes>
  settle(counting: Promise<RateLimiterRes>): void
}

/**
 * Counts one per call, with one command per key for every call made in the same synchronous
 * step: a shared store (Redis) then adds N at once for the N requests of a key checked in
 * one batch (the authentication hook checks a turn's requests together), and each learns
 * the count it would have got alone (the total, less the requests counted after it). The
 * store adds atomically, so the shared count is exactly what N single counts would make.
 */
export function countTogether(store: RateLimiterAbstract, onCommand: () => void = () => undefined): (key: string) => Promise<Counted> {
  let batch: Map<string, KeyBatch> | undefined
  const flush = (): void => {
    const due = batch
    batch = undefined
    if (due === undefined) return
    for (const [key, keyBatch] of due) {
      onCommand()
      keyBatch.settle(count(store, key, keyBatch.points))
    }
  }
  return (key) => {
    if (batch === undefined) {
      batch = new Map()
      queueMicrotask(flush)
    }
    let keyBatch = batch.get(key)
    if (keyBatch === undefined) {
      let settle!: (counting: Promise<RateLimiterRes>) => void
      const counted = new Promise<RateLimiterRes>((resolve) => (settle = resolve))
      keyBatch = { points: 0, counted, settle }
      batch.set(key, keyBatch)
    }
    keyBatch.points += 1
    const position = keyBatch.points
    const together = keyBatch
    // Settled after the flush: `together.points` is then every request of the batch.
    return together.counted.then((result) => ({ consumed: result.consumedPoints - together.points + position, msBeforeReset: result.msBeforeNext }))
  }
}

/**
 * Anonymous requests per client address (IPv6 by /64) under one counter: sign-ups (each costs
 * a password hash and creates an organization, so a script must not mint thousands) and
 * revoke-by-value requests.
 */
export class AddressThrottle {
  private readonly addresses: RateLimiterAbstract

  constructor(
    counters: CounterStoreFactory,
    private readonly limits: { readonly perIp: number; readonly windowSeconds: number },
    /** The same policy guards other anonymous endpoints under their own counter. */
    name = 'signup-ip',
  ) {
    this.addresses = counters({ name, windowSeconds: limits.windowSeconds })
  }

  async attempt(ip: string | null): Promise<ThrottleDecision> {
    if (ip === null) return { allowed: true }
    const result = await count(this.addresses, clientThrottleKey(ip))
    return decideThrottle([{ count: { failures: result.consumedPoints, msBeforeReset: result.msBeforeNext }, allowance: this.limits.perIp }])
  }
}
