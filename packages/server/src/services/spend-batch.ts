import type { Repositories, Storage } from '../storage/index.js'
import type { SpendResult } from '../storage/credentials.js'
import { byteOrder } from '../storage/lock-order.js'

interface PendingSpend {
  readonly credentialId: string
  readonly cost: number
  readonly refillPeriodStart: string | null
  readonly now: string
  readonly resolve: (result: SpendResult) => void
  readonly reject: (error: unknown) => void
}

/**
 * Spends of metered credentials, committed together: every spend that arrives while a batch
 * commits joins the next one, so a busy key costs one commit (one fsync on SQLite) per batch
 * rather than one per request. Each spend is still its own conditional UPDATE inside the
 * transaction, so nothing is ever spent twice or below zero, and a request hears back only
 * once its spend has committed.
 */
export class SpendBatch {
  private queued: PendingSpend[] = []
  private committing = false

  constructor(private readonly storage: Pick<Storage, 'transaction' | 'credentials'>) {}

  spend(credentialId: string, cost: number, refillPeriodStart: string | null, now: string): Promise<SpendResult> {
    return new Promise((resolve, reject) => {
      this.queued.push({ credentialId, cost, refillPeriodStart, now, resolve, reject })
      // The first spend of a batch waits for the rest of this turn's requests to join it.
      if (!this.committing && this.queued.length === 1) setImmediate(() => void this.commit())
    })
  }

  private async commit(): Promise<void> {
    if (this.committing || this.queued.length === 0) return
    this.committing = true
    const batch = this.queued
    this.queued = []
    // Row locks in id order, like every writer of several credentials (lock-order.ts); the
    // sort is stable, so one key's spends keep their arrival order.
    const ordered = [...batch].sort((a, b) => byteOrder(a.credentialId, b.credentialId))
    try {
      // Alone, a spend is its own statement: no transaction to open and close around it.
      if (batch.length === 1) {
        const [only] = batch as [PendingSpend]
        only.resolve(await this.storage.credentials.spend(only.credentialId, only.cost, only.refillPeriodStart, only.now))
        return
      }
      const results = await this.storage.transaction(async (repositories: Repositories) => {
        const spent = new Map<PendingSpend, SpendResult>()
        for (const entry of ordered) spent.set(entry, await repositories.credentials.spend(entry.credentialId, entry.cost, entry.refillPeriodStart, entry.now))
        return spent
      })
      for (const entry of batch) entry.resolve(results.get(entry)!)
    } catch (error) {
      for (const entry of batch) entry.reject(error)
    } finally {
      this.committing = false
      if (this.queued.length > 0) void this.commit()
    }
  }
}
