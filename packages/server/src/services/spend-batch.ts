import type { Storage } from '../storage/index.js'
import type { SpendResult } from '../storage/credentials.js'
import type { KeySpends } from '../storage/spends.js'
import { byteOrder } from '../storage/lock-order.js'

interface PendingSpend {
  /** Whose budget: a family's, held by its newest member (`storage/spends.ts`). */
  readonly familyId: string
  readonly cost: number
  readonly refillPeriodStart: string | null
  readonly now: string
  readonly epoch: string | null
  readonly resolve: (result: SpendResult) => void
  readonly reject: (error: unknown) => void
}

/**
 * Spends of metered credentials, committed together: every spend that arrives while a batch
 * commits joins the next one, so a busy key costs one commit (one fsync on SQLite) per batch
 * rather than one per request, and one conditional UPDATE per batch for all of its spends
 * (`storage/spends.ts`: one by one only when fewer uses are left than the batch asks for).
 * Nothing is ever spent twice or below zero, and a request hears back only once its spend
 * has committed.
 */
export class SpendBatch {
  private queued: PendingSpend[] = []
  private committing = false

  /** `storage`: the database's spend, or Redis's (`shared-state/redis-budgets.ts`) where the deployment has it. */
  constructor(private readonly storage: Pick<Storage, 'spendTogether'>) {}

  spend(familyId: string, cost: number, refillPeriodStart: string | null, now: string, epoch: string | null): Promise<SpendResult> {
    return new Promise((resolve, reject) => {
      this.queued.push({ familyId, cost, refillPeriodStart, now, epoch, resolve, reject })
      // The first spend of a batch waits for the rest of this turn's requests to join it.
      if (!this.committing && this.queued.length === 1) setImmediate(() => void this.commit())
    })
  }

  private async commit(): Promise<void> {
    if (this.committing || this.queued.length === 0) return
    this.committing = true
    const batch = this.queued
    this.queued = []
    try {
      const { keys, members } = byKey(batch)
      const results = await this.storage.spendTogether(keys)
      members.forEach((group, k) => group.forEach((entry, i) => entry.resolve(results[k]![i]!)))
    } catch (error) {
      for (const entry of batch) entry.reject(error)
    } finally {
      this.committing = false
      if (this.queued.length > 0) void this.commit()
    }
  }
}

/**
 * A batch as one entry per budget and refill period. A family (a credential and what it was
 * rotated from) has one budget, held by one row, so entries go in family order: row locks
 * in one order, like every writer of several credentials (lock-order.ts). The sort is
 * stable, so a budget's spends keep their arrival order; spends on both sides of a refill
 * boundary stay apart, the earlier period first.
 */
function byKey(batch: readonly PendingSpend[]): { keys: KeySpends[]; members: PendingSpend[][] } {
  const ordered = batch.length === 1 ? batch : [...batch].sort((a, b) => byteOrder(a.familyId, b.familyId))
  const keys: Array<KeySpends & { costs: number[] }> = []
  const members: PendingSpend[][] = []
  let last: PendingSpend | undefined
  for (const entry of ordered) {
    if (last?.familyId === entry.familyId && last.refillPeriodStart === entry.refillPeriodStart && last.epoch === entry.epoch) {
      keys[keys.length - 1]!.costs.push(entry.cost)
      members[members.length - 1]!.push(entry)
    } else {
      keys.push({ familyId: entry.familyId, costs: [entry.cost], refillPeriodStart: entry.refillPeriodStart, now: entry.now, epoch: entry.epoch })
      members.push([entry])
    }
    last = entry
  }
  return { keys, members }
}
