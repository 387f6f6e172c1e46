import type { Clock, CounterStoreFactory } from '@brandwave/server'
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible'

interface Window {
  consumed: number
  /** Epoch ms on the test clock; the count starts again from here. */
  endsAt: number
}

/**
 * The in-memory counter store the server uses on one instance, with its windows on a test
 * clock instead of timers: a test moves the clock past a lockout instead of sleeping through
 * it. Every counting method is its own (fixed windows, counts kept per key); it extends
 * `RateLimiterMemory` only because the package exports the abstract store as a type alone.
 */
export class ClockedCounterStore extends RateLimiterMemory {
  private readonly windows = new Map<string, Window>()

  constructor(
    private readonly clock: Clock,
    options: { readonly keyPrefix: string; readonly points: number; readonly duration: number },
  ) {
    super(options)
  }

  private current(key: string): Window | undefined {
    const window = this.windows.get(this.getKey(key))
    if (window === undefined || window.endsAt <= this.clock.now()) return undefined
    return window
  }

  private result(window: Window, isFirstInDuration = false): RateLimiterRes {
    return new RateLimiterRes(Math.max(0, this.points - window.consumed), Math.max(0, window.endsAt - this.clock.now()), window.consumed, isFirstInDuration)
  }

  private add(key: string, points: number): { window: Window; first: boolean } {
    const existing = this.current(key)
    const window = existing ?? { consumed: 0, endsAt: this.clock.now() + this.msDuration }
    window.consumed += points
    this.windows.set(this.getKey(key), window)
    return { window, first: existing === undefined }
  }

  override consume(key: string | number, points = 1): Promise<RateLimiterRes> {
    const { window, first } = this.add(String(key), points)
    const result = this.result(window, first)
    // rate-limiter-flexible's contract: a refusal rejects with the RateLimiterRes itself.
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    return window.consumed > this.points ? Promise.reject(result) : Promise.resolve(result)
  }

  override penalty(key: string | number, points = 1): Promise<RateLimiterRes> {
    return Promise.resolve(this.result(this.add(String(key), points).window))
  }

  override reward(key: string | number, points = 1): Promise<RateLimiterRes> {
    return Promise.resolve(this.result(this.add(String(key), -points).window))
  }

  override get(key: string | number): Promise<RateLimiterRes | null> {
    const window = this.current(String(key))
    return Promise.resolve(window === undefined ? null : this.result(window))
  }

  override set(key: string | number, points: number, secDuration: number): Promise<RateLimiterRes> {
    const window = { consumed: points, endsAt: this.clock.now() + secDuration * 1000 }
    this.windows.set(this.getKey(String(key)), window)
    return Promise.resolve(this.result(window))
  }

  override block(key: string | number, secDuration: number): Promise<RateLimiterRes> {
    return this.set(key, this.points + 1, secDuration)
  }

  override delete(key: string | number): Promise<boolean> {
    return Promise.resolve(this.windows.delete(this.getKey(String(key))))
  }
}

/** A `CounterStoreFactory` (the server's `counters` dependency) whose windows run on `clock`. */
export function clockedCounters(clock: Clock): CounterStoreFactory {
  return ({ name, windowSeconds }) => new ClockedCounterStore(clock, { keyPrefix: name, points: Number.MAX_SAFE_INTEGER, duration: windowSeconds })
}
