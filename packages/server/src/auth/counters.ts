import { clientThrottleKey, decideThrottle, type FailureCount, type RateLimitCount, type ThrottleDecision } from '@brandwave/core'
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
function count(store: RateLimiterAbstract, key: string): Promise<RateLimiterRes> {
  return store.consume(key, 1).catch((rejection: unknown) => {
    if (rejection instanceof RateLimiterRes) return rejection
    throw rejection
  })
}

/**
 * Counts requests per key in one-minute windows; the caller decides against the key's own
 * limit (`decideRateLimit`), so counting can start before the limit is known for sure.
 */
export interface RateLimiter {
  count(key: string): Promise<RateLimitCount>
}

export function requestRateLimiter(counters: CounterStoreFactory): RateLimiter {
  const store = counters({ name: 'requests', windowSeconds: 60 })
  return {
    count: (key) => count(store, key).then((result) => ({ consumed: result.consumedPoints, msBeforeReset: result.msBeforeNext })),
  }
}

export interface LoginThrottleLimits {
  /** Failed sign-ins (wrong password, wrong 2FA code) per account before it is throttled. */
  readonly perAccount: number
  /** Failed sign-ins per client address, across accounts (credential stuffing). */
  readonly perIp: number
  readonly windowSeconds: number
}

/**
 * Slows password and 2FA guessing, per account and per client address (IPv6 by /64).
 * Every attempt is counted *before* it is checked, so concurrent guesses cannot all slip
 * past the allowance; past it, attempts are refused before any password is looked at (a
 * throttled attempt reveals nothing). Success clears the account's count and forgives the
 * attempt on the address; so does an attempt that only lacked its second factor.
 */
export class LoginThrottle {
  private readonly accounts: RateLimiterAbstract
  private readonly addresses: RateLimiterAbstract

  constructor(counters: CounterStoreFactory, private readonly limits: LoginThrottleLimits) {
    this.accounts = counters({ name: 'login-account', windowSeconds: limits.windowSeconds })
    this.addresses = counters({ name: 'login-ip', windowSeconds: limits.windowSeconds })
  }

  /** Counts an attempt and decides it. */
  async attempt(account: string, ip: string | null): Promise<ThrottleDecision> {
    const [byAccount, byIp] = await Promise.all([count(this.accounts, account), ip === null ? null : count(this.addresses, clientThrottleKey(ip))])
    const failures = (result: RateLimiterRes | null): FailureCount | null => (result === null ? null : { failures: result.consumedPoints, msBeforeReset: result.msBeforeNext })
    return decideThrottle([
      { count: failures(byAccount), allowance: this.limits.perAccount },
      { count: failures(byIp), allowance: this.limits.perIp },
    ])
  }

  /** The attempt succeeded: the account starts afresh; the address gets this attempt back. */
  async succeeded(account: string, ip: string | null): Promise<void> {
    await Promise.all([this.accounts.delete(account), ip === null ? undefined : this.addresses.reward(clientThrottleKey(ip), 1)])
  }

  /** The attempt was not a failure (the password was right; only the second factor was missing). */
  async forgive(account: string, ip: string | null): Promise<void> {
    await Promise.all([this.accounts.reward(account, 1), ip === null ? undefined : this.addresses.reward(clientThrottleKey(ip), 1)])
  }
}
