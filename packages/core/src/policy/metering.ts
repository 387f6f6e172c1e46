/**
 * Remaining uses and their refill (issue 24): pure decisions about a credential's budget.
 * The spending itself is the caller's, atomically, in storage.
 */

export const REFILL_INTERVALS = ['daily', 'monthly'] as const
export type RefillInterval = (typeof REFILL_INTERVALS)[number]

/** How a budget comes back: set to `amount` at the start of each UTC day, or on `day` of each month. */
export interface Refill {
  readonly interval: RefillInterval
  readonly amount: number
  /** Monthly only: the day of the month (1–31; in shorter months, their last day). Null: the 1st. */
  readonly day: number | null
}

const DAY_MS = 86_400_000

function monthlyAt(year: number, month: number, day: number): number {
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate()
  return Date.UTC(year, month, Math.min(day, lastDay))
}

/**
 * When the refill period that `now` falls in began (epoch milliseconds, UTC). A budget last
 * refilled before this instant is due for a refill.
 *
 * @example
 * refillPeriodStart({ interval: 'daily', amount: 100, day: null }, Date.parse('2026-03-04T15:00:00Z')) // 2026-03-04T00:00:00Z
 */
export function refillPeriodStart(refill: Refill, now: number): number {
  if (refill.interval === 'daily') return now - (((now % DAY_MS) + DAY_MS) % DAY_MS)
  const date = new Date(now)
  const day = refill.day ?? 1
  const thisMonth = monthlyAt(date.getUTCFullYear(), date.getUTCMonth(), day)
  return thisMonth <= now ? thisMonth : monthlyAt(date.getUTCFullYear(), date.getUTCMonth() - 1, day)
}

/**
 * When the next refill comes (epoch milliseconds, UTC): what `Retry-After` says to a caller
 * whose budget is spent.
 *
 * @example
 * nextRefillAt({ interval: 'daily', amount: 100, day: null }, Date.parse('2026-03-04T15:00:00Z')) // 2026-03-05T00:00:00Z
 */
export function nextRefillAt(refill: Refill, now: number): number {
  if (refill.interval === 'daily') return refillPeriodStart(refill, now) + DAY_MS
  const date = new Date(refillPeriodStart(refill, now))
  return monthlyAt(date.getUTCFullYear(), date.getUTCMonth() + 1, refill.day ?? 1)
}

/**
 * The budget as a reader should see it at `now`: a refill that came due since `refilledAt`
 * (epoch milliseconds; null: never) counts even before a request has written it.
 *
 * @example
 * currentRemaining({ remaining: 0, refill: { interval: 'daily', amount: 50, day: null }, refilledAt: yesterday }, now) // 50
 */
export function currentRemaining(budget: { readonly remaining: number | null; readonly refill: Refill | null; readonly refilledAt: number | null }, now: number): number | null {
  const { remaining, refill, refilledAt } = budget
  if (remaining === null || refill === null) return remaining
  return refilledAt === null || refilledAt < refillPeriodStart(refill, now) ? refill.amount : remaining
}

/** The limits of `metadata` (issue 24): small enough to keep warm, shallow enough to read. */
export const METADATA_MAX_BYTES = 4096
export const METADATA_MAX_DEPTH = 5

/**
 * What is wrong with a credential's `metadata`, or null when it is a JSON object of at most
 * 4 KiB serialized (UTF-8) with no nesting deeper than 5 levels (the object itself is level 1).
 *
 * @example
 * metadataProblem({ plan: 'pro' }) // null
 * metadataProblem([1, 2]) // 'must be a JSON object, such as {"plan":"pro"}'
 */
export function metadataProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'must be a JSON object, such as {"plan":"pro"}'
  if (depthOf(value, METADATA_MAX_DEPTH) > METADATA_MAX_DEPTH) return `must not nest objects or arrays more than ${METADATA_MAX_DEPTH} levels deep`
  const bytes = Buffer.byteLength(JSON.stringify(value), 'utf8')
  if (bytes > METADATA_MAX_BYTES) return `must be at most ${METADATA_MAX_BYTES} bytes as JSON (this is ${bytes})`
  return null
}

/** How deeply `value` nests, counted only up to `limit` + 1: a hostile body nesting thousands deep is not walked to the bottom. */
function depthOf(value: unknown, limit: number): number {
  if (typeof value !== 'object' || value === null) return 0
  if (limit === 0) return 1
  let deepest = 0
  for (const child of Object.values(value)) {
    deepest = Math.max(deepest, depthOf(child, limit - 1))
    if (deepest >= limit) break
  }
  return deepest + 1
}
