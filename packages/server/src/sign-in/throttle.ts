import { clientThrottleKey, decideThrottle, type FailureCount, type ThrottleDecision } from '@brandwave/core'
import type { RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible'
import { count, type CounterStoreFactory } from '../shared-state/counters.js'

export interface LoginThrottleLimits {
  /** Failed sign-ins (wrong password, wrong 2FA code) for one account from one client address. */
  readonly perAccount: number
  /** Failed sign-ins per client address, across accounts (credential stuffing). */
  readonly perIp: number
  /** Failed sign-ins for one account from all addresses together, before the account is guarded. */
  readonly perAccountTotal: number
  readonly windowSeconds: number
}

/** An attempt's verdict: throttled (429), or allowed — then possibly under the account guard. */
export type SignInDecision = ThrottleDecision & {
  /** Past `perAccountTotal`: only familiar addresses or attempts with a second factor get through. */
  readonly accountGuard: { readonly retryAfterSeconds: number; readonly justStarted: boolean } | null
}

/**
 * Slows password and 2FA guessing without letting anyone lock the owner out:
 * - one account from one client address (IPv6 by /64): `perAccount` failures, then that
 *   address is refused for that account — an attacker elsewhere cannot lock the owner out;
 * - one address across accounts: `perIp` failures (credential stuffing);
 * - one account from everywhere: past `perAccountTotal` failures the account is *guarded*:
 *   only addresses it signed in from before, or attempts carrying a second factor, get
 *   through (the caller decides, as only it knows the account; see `SessionService.login`).
 * Every attempt is counted *before* it is checked, so concurrent guesses cannot all slip
 * past an allowance; past one, attempts are refused before any password is looked at.
 * Counter keys hold a keyed hash of the account, never the email itself (they live in Redis).
 */
export class LoginThrottle {
  private readonly accountAddresses: RateLimiterAbstract
  private readonly addresses: RateLimiterAbstract
  private readonly accounts: RateLimiterAbstract

  constructor(
    counters: CounterStoreFactory,
    private readonly limits: LoginThrottleLimits,
    private readonly keyOfAccount: (account: string) => string,
  ) {
    this.accountAddresses = counters({ name: 'login-account-ip', windowSeconds: limits.windowSeconds })
    this.addresses = counters({ name: 'login-ip', windowSeconds: limits.windowSeconds })
    this.accounts = counters({ name: 'login-account', windowSeconds: limits.windowSeconds })
  }

  private keys(account: string, ip: string | null) {
    const accountKey = this.keyOfAccount(account)
    const ipKey = ip === null ? null : clientThrottleKey(ip)
    return { accountKey, ipKey, pairKey: `${accountKey}|${ipKey ?? 'unknown'}` }
  }

  /** Counts an attempt and decides it. */
  async attempt(account: string, ip: string | null): Promise<SignInDecision> {
    const { accountKey, ipKey, pairKey } = this.keys(account, ip)
    const [byPair, byIp, byAccount] = await Promise.all([count(this.accountAddresses, pairKey), ipKey === null ? null : count(this.addresses, ipKey), count(this.accounts, accountKey)])
    const failures = (result: RateLimiterRes | null): FailureCount | null => (result === null ? null : { failures: result.consumedPoints, msBeforeReset: result.msBeforeNext })
    const decision = decideThrottle([
      { count: failures(byPair), allowance: this.limits.perAccount },
      { count: failures(byIp), allowance: this.limits.perIp },
    ])
    const guarded = byAccount.consumedPoints > this.limits.perAccountTotal
    return {
      ...decision,
      accountGuard: guarded
        ? { retryAfterSeconds: Math.max(1, Math.ceil(byAccount.msBeforeNext / 1000)), justStarted: byAccount.consumedPoints === this.limits.perAccountTotal + 1 }
        : null,
    }
  }

  /**
   * The attempt succeeded: this address starts afresh for the account and gets the attempt
   * back. The account-wide count is only rewarded, not cleared: the owner signing in from
   * home does not lift the guard against an attack still running from elsewhere.
   */
  async succeeded(account: string, ip: string | null): Promise<void> {
    const { accountKey, ipKey, pairKey } = this.keys(account, ip)
    await Promise.all([this.accountAddresses.delete(pairKey), ipKey === null ? undefined : this.addresses.reward(ipKey, 1), this.accounts.reward(accountKey, 1)])
  }

  /** The attempt was not a failure (the password was right; only the second factor was missing). */
  async forgive(account: string, ip: string | null): Promise<void> {
    const { accountKey, ipKey, pairKey } = this.keys(account, ip)
    await Promise.all([this.accountAddresses.reward(pairKey, 1), ipKey === null ? undefined : this.addresses.reward(ipKey, 1), this.accounts.reward(accountKey, 1)])
  }
}
