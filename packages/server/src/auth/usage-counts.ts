import { isoAt } from '../clock.js'
import { ADDRESSES_KEPT, type AddressSighting, type UsageCount } from '../storage/usage.js'

export interface UsageCountsOptions {
  readonly write: (counts: readonly UsageCount[], sightings: readonly AddressSighting[]) => Promise<void>
  readonly intervalMs: number
  readonly onError: (error: unknown) => void
}

const HOUR_MS = 3_600_000

/** One credential's requests since the last flush. */
interface Tally {
  /** The hour most requests fall in, and its counts by outcome: the request path's fast case. */
  hour: number
  current: Map<string, number>
  /** Earlier hours still unwritten (an interval that spans the hour's end, or a failed write). */
  earlier: Map<number, Map<string, number>> | undefined
  /** Addresses accepted from, with first and last sight in epoch milliseconds. */
  addresses: Map<string, { first: number; last: number }> | undefined
}

/**
 * Counts each credential's requests per hour by outcome (`VALID`, or the code a known key
 * was refused with) and the addresses it was accepted from, in memory, and adds them to
 * storage in one batch every interval and on shutdown. The request path does a few map
 * operations and never waits on a write; a busy key costs one row per hour and outcome per
 * interval, however many requests it makes.
 */
export class UsageCounts {
  private pending = new Map<string, Tally>()
  private timer: NodeJS.Timeout | undefined
  private flushing: Promise<void> = Promise.resolve()

  constructor(private readonly options: UsageCountsOptions) {}

  /** A request with a known credential: accepted (`VALID`) or refused with `outcome`. `at` in epoch milliseconds. */
  record(credentialId: string, at: number, outcome: string, ip: string | null): void {
    const tally = this.add(credentialId, Math.floor(at / HOUR_MS), outcome, 1)
    if (ip !== null && outcome === 'VALID') this.sighted(tally, ip, at)
  }

  private add(credentialId: string, hour: number, outcome: string, count: number): Tally {
    let tally = this.pending.get(credentialId)
    if (tally === undefined) {
      tally = { hour, current: new Map(), earlier: undefined, addresses: undefined }
      this.pending.set(credentialId, tally)
    }
    const counts = tally.hour === hour ? tally.current : this.countsOf(tally, hour)
    counts.set(outcome, (counts.get(outcome) ?? 0) + count)
    return tally
  }

  private countsOf(tally: Tally, hour: number): Map<string, number> {
    // A later hour becomes the current one; the hour it replaces waits with the others.
    if (hour > tally.hour) {
      tally.earlier ??= new Map()
      tally.earlier.set(tally.hour, tally.current)
      tally.hour = hour
      tally.current = tally.earlier.get(hour) ?? new Map<string, number>()
      tally.earlier.delete(hour)
      return tally.current
    }
    tally.earlier ??= new Map()
    let counts = tally.earlier.get(hour)
    if (counts === undefined) tally.earlier.set(hour, (counts = new Map<string, number>()))
    return counts
  }

  private sighted(tally: Tally, ip: string, at: number): void {
    const addresses = (tally.addresses ??= new Map<string, { first: number; last: number }>())
    const known = addresses.get(ip)
    if (known !== undefined) {
      if (at > known.last) known.last = at
      if (at < known.first) known.first = at
      return
    }
    // Only the most recent addresses are kept in storage: a key used from thousands of
    // addresses in one interval must not make the batch (or this map) grow with them.
    if (addresses.size >= ADDRESSES_KEPT) {
      let oldest: string | undefined
      let oldestAt = Infinity
      for (const [address, seen] of addresses) if (seen.last < oldestAt) [oldest, oldestAt] = [address, seen.last]
      if (oldestAt > at) return
      if (oldest !== undefined) addresses.delete(oldest)
    }
    addresses.set(ip, { first: at, last: at })
  }

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.options.intervalMs)
    this.timer.unref()
  }

  /** Adds what is pending to storage; a batch that fails to write is kept for the next attempt. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.pending.size === 0) return
      const batch = this.pending
      this.pending = new Map()
      const counts: UsageCount[] = []
      const sightings: AddressSighting[] = []
      for (const [credentialId, tally] of batch) {
        const hours: Array<[number, Map<string, number>]> = [[tally.hour, tally.current], ...(tally.earlier ?? [])]
        for (const [hour, outcomes] of hours) {
          for (const [outcome, count] of outcomes) counts.push({ credentialId, hour: isoAt(hour * HOUR_MS), outcome, count })
        }
        for (const [ip, seen] of tally.addresses ?? []) sightings.push({ credentialId, ip, firstSeenAt: isoAt(seen.first), lastSeenAt: isoAt(seen.last) })
      }
      try {
        await this.options.write(counts, sightings)
      } catch (error) {
        this.restore(batch)
        this.options.onError(error)
      }
    })
    return this.flushing
  }

  /** Puts a batch that failed back under what was counted meanwhile. */
  private restore(batch: Map<string, Tally>): void {
    for (const [credentialId, tally] of batch) {
      let restored: Tally | undefined
      for (const [hour, outcomes] of [[tally.hour, tally.current] as const, ...(tally.earlier ?? [])]) {
        for (const [outcome, count] of outcomes) restored = this.add(credentialId, hour, outcome, count)
      }
      if (restored === undefined) continue
      for (const [ip, seen] of tally.addresses ?? []) {
        this.sighted(restored, ip, seen.first)
        this.sighted(restored, ip, seen.last)
      }
    }
  }

  /** Stops the timer and writes everything still pending (SIGTERM, SPEC §8). */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
    await this.flush()
  }
}
