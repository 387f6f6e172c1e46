import type { RateLimitCount } from '@brandwave/core'

interface Window {
  count: number
  readonly endsAt: number
}

/**
 * Requests per key in fixed windows, in this process's memory, counted synchronously: the
 * same windows as rate-limiter-flexible's `RateLimiterMemory` (a window starts with the
 * key's first request; the count restarts once it has ended), without a promise and a
 * result object per request, so that a warm request can be checked without awaiting.
 * Only for counters no other process shares; shared ones (Redis, a cluster's primary)
 * keep rate-limiter-flexible.
 */
export class MemoryRequestCounter {
  private readonly windows = new Map<string, Window>()
  private nextSweepAt: number

  constructor(private readonly windowMs: number) {
    this.nextSweepAt = Date.now() + windowMs
  }

  count(key: string): RateLimitCount {
    const now = Date.now()
    // Windows that ended are dropped once per window length, not with a timer per key.
    if (now >= this.nextSweepAt) this.sweep(now)
    const window = this.windows.get(key)
    if (window !== undefined && window.endsAt > now) {
      window.count += 1
      return { consumed: window.count, msBeforeReset: window.endsAt - now }
    }
    this.windows.set(key, { count: 1, endsAt: now + this.windowMs })
    return { consumed: 1, msBeforeReset: this.windowMs }
  }

  /** Gives back one request of the current window (a refused request is not use). */
  refund(key: string): void {
    const window = this.windows.get(key)
    if (window !== undefined && window.endsAt > Date.now()) window.count -= 1
  }

  private sweep(now: number): void {
    this.nextSweepAt = now + this.windowMs
    for (const [key, window] of this.windows) if (window.endsAt <= now) this.windows.delete(key)
  }
}
