import type { RateLimitCount } from '@brandwave/core'
import { LRUCache } from 'lru-cache'
import type { RateLimiterAbstract } from 'rate-limiter-flexible'
import { count } from './counters.js'

/** A run of counts taken from the shared window ahead of use: `next` up to `last`, each one request's. */
interface Share {
  next: number
  readonly last: number
  /** When it stops being usable (this process's clock): before its window ends, and soon after it was taken. */
  readonly usableUntil: number
  /** When its window ends, no later than the shared store's own end of it. */
  readonly windowEndsAt: number
}

/** What a command to the store was for: counts taken ahead of use, or counts given back. */
export type ShareCommand = 'share' | 'give_back'

interface KeyState {
  share: Share | undefined
  /** Taken while `share` was still in use: counted from once it is. */
  following: Share | undefined
  /** The share being taken, if any: one claim in flight per key. */
  claiming: boolean
  /** How many counts the next claim takes: doubles while shares run out, halves when one is left over. */
  size: number
  /** When this process last had to count the key in the store (no share was usable). */
  lastMissAt: number
  /** When this process last counted the key from a share. */
  lastShareUseAt: number
}

const FIRST_SIZE = 8
const MAX_SIZE = 1024
/** A share never holds more than this part of what is left of the limit: what an idle instance can strand. */
const SHARE_OF_REMAINING = 16
/** A share left over longer than this goes back to the store: stranded counts are back within a second. */
const SHARE_LIFETIME_MS = 1000
/** Counts taken this close to their window's end are not used: the store may already have started the next. */
const WINDOW_END_MARGIN_MS = 100
/** A key counted in the store twice within this is busy enough to take shares. */
const BUSY_WITHIN_MS = 1000

/**
 * Counts the requests of busy keys in this process, from shares of the shared window's
 * count taken ahead of use (docs/architecture.md, "Rate-limit counts in shares"), so that a
 * warm request of a busy key asks Redis nothing. Every request counted from a share has a
 * count the store added for it, in the same window: no key ever gets more than its limit in a
 * window, however many instances serve it. A share holds at most a sixteenth of what is left
 * of the limit and goes back within a second if unused, so what one instance holds can make
 * the others refuse at most that much early, for at most that long. Keys whose limit is too
 * small for a share of two are always counted in the store, exactly.
 */
export class CounterShares {
  private readonly keys = new LRUCache<string, KeyState>({ max: 10_000, dispose: (state, key) => this.giveBack(key, state) })
  private readonly sweeper: NodeJS.Timeout

  constructor(
    private readonly store: RateLimiterAbstract,
    private readonly clock: () => number = Date.now,
    /** Each command sent to the store, as it is sent (the capacity model counts them). */
    private readonly onCommand: (command: ShareCommand) => void = () => undefined,
  ) {
    this.sweeper = setInterval(() => this.sweep(), SHARE_LIFETIME_MS / 4)
    this.sweeper.unref()
  }

  /** The next count of the key's share, or undefined when it has none usable now: count it in the store. */
  countNow(key: string, limit: number): RateLimitCount | undefined {
    const now = this.clock()
    const state = this.keys.get(key)
    if (state === undefined) {
      this.keys.set(key, { share: undefined, following: undefined, claiming: false, size: FIRST_SIZE, lastMissAt: now, lastShareUseAt: Number.NEGATIVE_INFINITY })
      return undefined
    }
    const share = this.usable(key, state, now)
    if (share !== undefined) {
      const consumed = share.next
      share.next += 1
      state.lastShareUseAt = now
      // Half used: take the next one now, so that a busy key does not wait for it.
      if (share.last - share.next < state.size / 2) this.claim(key, limit, state)
      return { consumed, msBeforeReset: share.windowEndsAt - now }
    }
    // Counted from a share within the last second, a key is still busy when its share lapses:
    // its next one is taken now, not after a second count in the store.
    const busy = now - state.lastMissAt < BUSY_WITHIN_MS || now - state.lastShareUseAt < BUSY_WITHIN_MS
    state.lastMissAt = now
    // After this request's own count, which its caller sends in this same step: counts then keep their order.
    if (busy) setImmediate(() => this.claim(key, limit, state))
    return undefined
  }

  /** The share to count from now, retiring those used up or out of time. */
  private usable(key: string, state: KeyState, now: number): Share | undefined {
    for (;;) {
      const share = state.share
      if (share === undefined) return undefined
      const inTime = now < share.usableUntil
      if (inTime && share.next <= share.last) return share
      // Used up while usable: the next one may be larger.
      if (inTime) state.size = Math.min(MAX_SIZE, state.size * 2)
      this.retire(key, state)
    }
  }

  private claim(key: string, limit: number, state: KeyState): void {
    if (state.claiming || state.following !== undefined) return
    // The highest count a share holds says how much of the limit is left at least; before any, the limit bounds it.
    const known = state.share?.last ?? 0
    const size = Math.min(state.size, Math.floor((limit - known) / SHARE_OF_REMAINING))
    if (size < 2) return
    state.claiming = true
    const sentAt = this.clock()
    this.onCommand('share')
    count(this.store, key, size).then(
      (result) => {
        state.claiming = false
        const total = result.consumedPoints
        const first = total - size + 1
        // Counts past the limit would be refused anyway: back to the store, where other instances' requests need them.
        const last = Math.min(total, limit)
        if (last < total) this.reward(key, total - Math.max(last, first - 1))
        if (last < first) return
        // The store's window ends `msBeforeNext` after it ran the command, so no earlier than this.
        const windowEndsAt = sentAt + result.msBeforeNext
        const share: Share = { next: first, last, windowEndsAt, usableUntil: Math.min(windowEndsAt - WINDOW_END_MARGIN_MS, this.clock() + SHARE_LIFETIME_MS) }
        if (state.share === undefined) state.share = share
        else state.following = share
      },
      () => {
        state.claiming = false
      },
    )
  }

  /**
   * Gives back what is left of a key's current share, unless its window has ended (the store
   * counts a new one then), and moves on to the following one.
   */
  private retire(key: string, state: KeyState): void {
    const share = state.share
    state.share = state.following
    state.following = undefined
    if (share === undefined) return
    const left = share.last - share.next + 1
    if (left > 0) {
      state.size = Math.max(2, Math.floor(state.size / 2))
      if (this.clock() < share.windowEndsAt - WINDOW_END_MARGIN_MS) this.reward(key, left)
    }
  }

  private giveBack(key: string, state: KeyState): void {
    while (state.share !== undefined) this.retire(key, state)
  }

  private reward(key: string, points: number): void {
    this.onCommand('give_back')
    this.store.reward(key, points).catch(() => undefined)
  }

  private sweep(): void {
    const now = this.clock()
    for (const [key, state] of this.keys.entries()) this.usable(key, state, now)
  }

  stop(): void {
    clearInterval(this.sweeper)
    for (const [key, state] of this.keys.entries()) this.giveBack(key, state)
  }
}
