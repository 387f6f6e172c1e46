import { clientThrottleKey, decideThrottle, type ThrottleDecision } from '@brandwave/core'
import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible'

/*
 * One mechanism, several policies: rate-limiter-flexible counts (atomically, in memory or
 * in a shared store), and pure functions in core decide. Stores never block by themselves
 * (`points` is effectively infinite), because the allowance differs per key and per policy.
 */

/** Makes a counter store with its own window, of whatever kind the deployment uses. */
export type CounterStoreFactory = (options: { readonly name: string; readonly windowSeconds: number }) => RateLimiterAbstract

export const inMemoryCounters: CounterStoreFactory = ({ name, windowSeconds }) =>
  new RateLimiterMemory({ keyPrefix: name, points: Number.MAX_SAFE_INTEGER, duration: windowSeconds })

/** Counts one; a store refusing (only when `points` would overflow) still reports its count. */
export function count(store: RateLimiterAbstract, key: string): Promise<RateLimiterRes> {
  return store.consume(key, 1).catch((rejection: unknown) => {
    if (rejection instanceof RateLimiterRes) return rejection
    throw rejection
  })
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
