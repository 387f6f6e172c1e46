import { isoAt } from '../clock.js'
import type { UsageEntry } from '../storage/credentials.js'

export interface UsageRecorderOptions {
  readonly write: (entries: readonly UsageEntry[]) => Promise<void>
  readonly intervalMs: number
  readonly onError: (error: unknown) => void
}

/**
 * Keeps the latest use of each credential in memory and writes them in one batch every
 * interval (SPEC §7 step 6), so the request path never waits on a write and a busy key
 * costs one write per interval, not one per request.
 */
export class UsageRecorder {
  private pending = new Map<string, { readonly at: number; readonly ip: string | null }>()
  private timer: NodeJS.Timeout | undefined
  private flushing: Promise<void> = Promise.resolve()

  constructor(private readonly options: UsageRecorderOptions) {}

  /** `at` in epoch milliseconds: formatting waits for the flush, off the request path. */
  record(credentialId: string, at: number, ip: string | null): void {
    this.pending.set(credentialId, { at, ip })
  }

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.options.intervalMs)
    this.timer.unref()
  }

  /** Writes what is pending; entries that fail to write are kept for the next attempt. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.pending.size === 0) return
      const batch = this.pending
      this.pending = new Map()
      const entries: UsageEntry[] = [...batch].map(([credentialId, { at, ip }]) => ({ credentialId, at: isoAt(at), ip }))
      try {
        await this.options.write(entries)
      } catch (error) {
        for (const [id, entry] of batch) if (!this.pending.has(id)) this.pending.set(id, entry)
        this.options.onError(error)
      }
    })
    return this.flushing
  }

  /** Stops the timer and writes everything still pending (SIGTERM, SPEC §8). */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
    await this.flush()
  }
}
