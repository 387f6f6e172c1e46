/** What the limiter store reports after counting one request (rate-limiter-flexible's result). */
export interface RateLimitCount {
  /** Requests counted in the current window, this one included. */
  readonly consumed: number
  /** Milliseconds until the window resets. */
  readonly msBeforeReset: number
}

export type RateLimitDecision =
  | { readonly allowed: true; readonly limit: number; readonly remaining: number; readonly resetSeconds: number }
  | { readonly allowed: false; readonly limit: number; readonly remaining: 0; readonly resetSeconds: number; readonly retryAfterSeconds: number }

/**
 * Turns a counted request into a decision and the `RateLimit-*` header values (IETF
 * draft-ietf-httpapi-ratelimit-headers). Pure: the store has already counted atomically.
 *
 * @example
 * decideRateLimit(60, { consumed: 61, msBeforeReset: 12_400 })
 * // { allowed: false, limit: 60, remaining: 0, resetSeconds: 13, retryAfterSeconds: 13 }
 */
export function decideRateLimit(limit: number, count: RateLimitCount): RateLimitDecision {
  const resetSeconds = Math.max(1, Math.ceil(count.msBeforeReset / 1000))
  if (count.consumed > limit) return { allowed: false, limit, remaining: 0, resetSeconds, retryAfterSeconds: resetSeconds }
  return { allowed: true, limit, remaining: limit - count.consumed, resetSeconds }
}

/** Failures counted in a window, as the counter store reports them. */
export interface FailureCount {
  readonly failures: number
  readonly msBeforeReset: number
}

export type ThrottleDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number; readonly firstRefusal: boolean }

/**
 * Decides an attempt that has already been counted (so concurrent attempts cannot all
 * slip past a check): allowed while every counter is within its allowance, refused once
 * any exceeds it; the caller then waits for the longest of the refusing windows.
 * `firstRefusal` marks the attempt that just crossed a limit, to audit a lockout once.
 *
 * @example
 * decideThrottle([{ count: { failures: 6, msBeforeReset: 60_000 }, allowance: 5 }])
 * // { allowed: false, retryAfterSeconds: 60, firstRefusal: true }
 */
export function decideThrottle(counters: readonly { readonly count: FailureCount | null; readonly allowance: number }[]): ThrottleDecision {
  let wait = 0
  let firstRefusal = false
  for (const { count, allowance } of counters) {
    if (count === null || count.failures <= allowance) continue
    wait = Math.max(wait, Math.ceil(count.msBeforeReset / 1000), 1)
    if (count.failures === allowance + 1) firstRefusal = true
  }
  return wait === 0 ? { allowed: true } : { allowed: false, retryAfterSeconds: wait, firstRefusal }
}
