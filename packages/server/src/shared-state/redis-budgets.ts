import { randomUUID } from 'node:crypto'
import type { RateLimitCount } from '@brandwave/core'
import type { FastifyBaseLogger } from 'fastify'
import type { Result } from 'ioredis'
import { LRUCache } from 'lru-cache'
import { isoAt } from '../clock.js'
import type { SpendResult } from '../storage/credentials.js'
import type { KeySpends, SpendTogether, SpentElsewhere, Spending } from '../storage/spends.js'
import type { AccessVersion, Version } from './access-version.js'
import { REQUEST_COUNTER } from './counters.js'
import type { RedisHandle } from './redis-connection.js'
import { redisCounterKey } from './redis-counters.js'

declare module 'ioredis' {
  interface RedisCommander<Context> {
    brandwaveSpend(key: string, epoch: number, periodStart: number, now: number, ttlMs: number, ...costs: number[]): Result<Array<string | number | null> | null, Context>
    brandwaveSeed(key: string, remaining: number, refillAmount: string, refilledAt: number, epoch: number, ttlMs: number, seeding: string): Result<number, Context>
    brandwaveDrop(key: string, seeding: string): Result<number, Context>
    brandwaveCountAndSpend(
      versionKey: string,
      counterKey: string,
      budgetKey: string,
      version: string,
      windowSeconds: number,
      perMinute: number,
      epoch: number,
      periodStart: number,
      now: number,
      ttlMs: number,
      ...costs: number[]
    ): Result<Array<string | number | null>, Context>
  }
}

/**
 * The spending both scripts below share, as a Lua function: spends `costs` from the budget at
 * `key` (refilled first when its period has started), appending to `out` the epoch, the
 * seeding and a result per cost; false when there is no budget of at least `epoch` there.
 */
const SPEND_BUDGET = `
local function spendBudget(key, epoch, periodStart, now, ttlMs, costs, out)
  local h = redis.call('HMGET', key, 'r', 'a', 'p', 'e', 'g')
  if h[1] == false or tonumber(h[4]) < tonumber(epoch) then return false end
  local r = tonumber(h[1])
  if tonumber(periodStart) >= 0 and h[2] ~= '' and tonumber(h[3]) < tonumber(periodStart) then
    r = tonumber(h[2])
    redis.call('HSET', key, 'p', now)
  end
  out[#out + 1] = h[4]
  out[#out + 1] = h[5]
  for i = 1, #costs do
    local cost = costs[i]
    if r >= cost then r = r - cost; out[#out + 1] = r else out[#out + 1] = -1 - r end
  end
  redis.call('HSET', key, 'r', r)
  redis.call('PEXPIRE', key, ttlMs)
  return out
end
`

/**
 * A budget as Redis keeps it, one hash per family: `r` uses left, `a` the refill amount ('' for
 * none), `p` when it was last refilled or set (ms), `e` its epoch (the `budgetSetAt` it was
 * seeded under, ms; 0 for none), `g` which seeding made it (a random id). Spent in arrival
 * order, each cost only if it is all there: the epoch and `g`, then a result per cost, `r`
 * after it, or `-1 - r` for a cost refused. Nil when there is no budget here, or only one
 * older than the spender's record: the caller seeds it from the database.
 */
const SPEND = `${SPEND_BUDGET}
local costs = {}
for i = 5, #ARGV do costs[#costs + 1] = tonumber(ARGV[i]) end
return spendBudget(KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], costs, {})
`

/**
 * The requests of a batch for one warm metered credential, counted and spent in one step,
 * provided the access version is still the one the credential's entry was read under. KEYS:
 * the version, the request counter (counted as rate-limiter-flexible's Redis store counts it:
 * the same key and window, so either may count the same credential), the budget. ARGV: the
 * version expected (empty: checked by the caller, in process), the window (s), the credential's limit per minute, then SPEND's epoch,
 * period start, now and TTL, then one cost per request. The reply starts with the count
 * after the batch and its ms to reset, then:
 * - 0 and the version Redis holds (nil for none): changed since the entry was read; nothing spent;
 * - 1: unchanged, but no budget of this epoch here: the caller spends the usual way (and seeds it);
 * - 2, the epoch and seeding, then SPEND's outcome for each request within the limit, in order.
 */
const COUNT_AND_SPEND = `${SPEND_BUDGET}
local n = #ARGV - 7
redis.call('SET', KEYS[2], 0, 'EX', ARGV[2], 'NX')
local consumed = redis.call('INCRBY', KEYS[2], n)
local ttl = redis.call('PTTL', KEYS[2])
if ttl == -1 then
  redis.call('EXPIRE', KEYS[2], ARGV[2])
  ttl = 1000 * ARGV[2]
end
local version = redis.call('GET', KEYS[1])
if ARGV[1] ~= '' and version ~= ARGV[1] then return { consumed, ttl, 0, version } end
local costs = {}
local limit = tonumber(ARGV[3])
for i = 1, n do
  if consumed - n + i > limit then break end
  costs[i] = tonumber(ARGV[7 + i])
end
local out = spendBudget(KEYS[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], costs, { consumed, ttl, 2 })
if out == false then return { consumed, ttl, 1 } end
return out
`

/** Seeds a budget unless one of the same or a later epoch is there (another instance seeded it first, or a PATCH is newer). */
const SEED = `
local e = redis.call('HGET', KEYS[1], 'e')
if e ~= false and tonumber(e) >= tonumber(ARGV[4]) then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'r', ARGV[1], 'a', ARGV[2], 'p', ARGV[3], 'e', ARGV[4], 'g', ARGV[6])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
`

/** Drops a budget's copy if it is the one seeded as ARGV[1] (any copy when none is given): see `spentInDatabase`. */
const DROP = `
if ARGV[1] == '' or redis.call('HGET', KEYS[1], 'g') == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`

/** A budget untouched this long leaves Redis; by then every spend of it is in the database. */
const IDLE_TTL_MS = 24 * 3_600_000
const WRITE_BEHIND_MS = 1000

const msOf = (time: string | null): number => (time === null ? 0 : Date.parse(time))
const isoOf = (ms: number): string | null => (ms === 0 ? null : new Date(ms).toISOString())

/** A warm metered credential's request, to count and spend in one step (`RedisBudgets.countAndSpend`). */
export interface WarmSpend {
  /** The principal's request counter, as `RateLimiter.count` takes it, and its limit. */
  readonly rateKey: string
  readonly perMinute: number
  readonly familyId: string
  /** The budget's epoch, as the credential's record has it (`budgetSetAt`). */
  readonly epoch: string | null
  /** Times in ms since the epoch; the period start is null for a credential that does not refill. */
  readonly refillPeriodStart: number | null
  readonly now: number
  readonly cost: number
  /** The access version the credential's entry was read under. */
  readonly version: Version
}

/**
 * What counting and spending together found. `current`: the version was the entry's, so the
 * entry decides; `spent` null if nothing was spent here (the request is over its limit, or
 * Redis holds no budget of this epoch yet: spend the usual way). Otherwise the version
 * Redis holds now: read by a command sent after the request arrived, so good for it.
 */
export type CountedSpend =
  | { readonly current: true; readonly count: RateLimitCount; readonly spent: SpendResult | null }
  | { readonly current: false; readonly count: RateLimitCount; readonly version: Version | null }

interface WarmBatch {
  readonly first: WarmSpend
  readonly costs: number[]
  readonly waiters: Array<{ resolve(counted: CountedSpend): void; reject(error: unknown): void }>
}

export interface LiveBudget {
  readonly remaining: number
  readonly refilledAt: string | null
}

export interface BudgetStorage {
  readonly readBudget: Spending['readBudget']
  readonly writeBehind: Spending['writeBehind']
  /** The database's own spend, used while Redis cannot be reached. */
  readonly spendTogether: SpendTogether
}

/**
 * Remaining uses counted in Redis, for deployments that have it (issue 24): a spend is one
 * Lua script per budget and batch, atomic across every instance, and no database write waits
 * on it. The database still holds every budget: Redis starts a count from the holder's row
 * (less what this instance has yet to write back), and the uses Redis grants are taken off
 * that row within a second (`writeBehind`), so the row is at most a second behind.
 *
 * A PATCH that sets a budget gives it a new epoch (`budget_set_at`) and moves the access
 * version, so the next spend anywhere comes with the new epoch, finds Redis's count older and
 * starts over from the row; uses counted under the old epoch are not taken off the new budget.
 * That needs no write to Redis on a PATCH, so a budget set while Redis was away (or from the
 * CLI, which has none) is still the one spent.
 *
 * When Redis cannot be reached, a spend falls back to the database's conditional UPDATE, as
 * exact among the instances doing the same; this instance then drops Redis's copy of that
 * budget before using it again, if it is still the copy it spent before (a partition), so the
 * row's figure (which has the fallback's spends) is what Redis starts from. A copy seeded
 * since, after a restart or by an instance that came back first, started from the row (with
 * the database's spends committed by then) and stays: dropping it would lose what it granted. What can be granted twice: the uses Redis decided in the last second
 * before it lost them (a restart without persistence), and, while only some instances can
 * reach Redis, what the others spend meanwhile (docs/architecture.md, "Spending").
 */
export class RedisBudgets {
  private readonly pending = new Map<string, { -readonly [K in keyof SpentElsewhere]: SpentElsewhere[K] }>()
  /**
   * Families this instance spent in the database while Redis could not be reached, each with
   * the seeding of Redis's copy it last spent under the same epoch (null: none seen, and then
   * any copy is dropped). That copy misses those spends: it is dropped before the family is
   * spent in Redis again. A copy seeded since (after a restart, or by an instance that got
   * back first) is kept: it started from the row, so it has the database spends committed
   * before it was seeded, but not any this instance made after that, while still cut off.
   */
  private readonly spentInDatabase = new Map<string, string | null>()
  /** The copy each family was last spent from here: its epoch and seeding. */
  private readonly seenSeedings = new LRUCache<string, { readonly epoch: number; readonly seeding: string }>({ max: 100_000 })
  private timer: NodeJS.Timeout | undefined
  private flushing: Promise<void> = Promise.resolve()
  private warmBatches: Map<string, WarmBatch> | undefined

  constructor(
    private readonly redis: RedisHandle,
    private readonly prefix: string,
    private readonly storage: BudgetStorage,
    private readonly logger: FastifyBaseLogger,
    /** Where the version lives, when it is shared through Redis: warm spends are then checked against it. */
    private readonly accessVersion?: Pick<AccessVersion, 'sharedKey' | 'inProcess'>,
  ) {
    redis.client.defineCommand('brandwaveSpend', { numberOfKeys: 1, lua: SPEND })
    redis.client.defineCommand('brandwaveSeed', { numberOfKeys: 1, lua: SEED })
    redis.client.defineCommand('brandwaveDrop', { numberOfKeys: 1, lua: DROP })
    redis.client.defineCommand('brandwaveCountAndSpend', { numberOfKeys: 3, lua: COUNT_AND_SPEND })
  }

  /**
   * Counts a warm metered credential's request and spends its uses in one trip to Redis,
   * where a request would otherwise take two in turn (the version read with the count, then
   * the spend): the script checks the version itself, so it spends only what the entry may.
   * Requests of one credential made in the same synchronous step go in one script. Undefined
   * when this cannot be done now (the version is not shared through Redis or cannot be trusted
   * here, or the budget is being spent in the database): count, then spend, the usual way.
   */
  countAndSpend(spend: WarmSpend): Promise<CountedSpend> | undefined {
    const versionKey = this.accessVersion?.sharedKey?.() ?? null
    if (versionKey === null || this.spentInDatabase.has(spend.familyId)) return undefined
    // A version kept in process is checked here, now, after the request arrived; the script then does not.
    if (typeof spend.version === 'number' && this.accessVersion?.inProcess?.(spend.version) !== true) return undefined
    if (this.warmBatches === undefined) {
      const batches = new Map<string, WarmBatch>()
      this.warmBatches = batches
      queueMicrotask(() => {
        this.warmBatches = undefined
        for (const batch of batches.values()) void this.sendWarm(versionKey, batch)
      })
    }
    const key = `${spend.rateKey} ${spend.perMinute} ${spend.familyId} ${spend.epoch ?? ''} ${spend.refillPeriodStart ?? ''} ${spend.version}`
    let batch = this.warmBatches.get(key)
    if (batch === undefined) {
      batch = { first: spend, costs: [], waiters: [] }
      this.warmBatches.set(key, batch)
    }
    batch.costs.push(spend.cost)
    const waiters = batch.waiters
    return new Promise((resolve, reject) => waiters.push({ resolve, reject }))
  }

  private async sendWarm(versionKey: string, { first, costs, waiters }: WarmBatch): Promise<void> {
    let reply: Array<string | number | null>
    try {
      reply = await this.redis.client.brandwaveCountAndSpend(
        versionKey,
        redisCounterKey(this.prefix, REQUEST_COUNTER.name, first.rateKey),
        this.key(first.familyId),
        typeof first.version === 'number' ? '' : first.version,
        REQUEST_COUNTER.windowSeconds,
        first.perMinute,
        msOf(first.epoch),
        first.refillPeriodStart ?? -1,
        first.now,
        IDLE_TTL_MS,
        ...costs,
      )
    } catch (error) {
      for (const waiter of waiters) waiter.reject(error)
      return
    }
    // A reply of an unexpected shape fails its requests rather than leave them waiting (a settled promise ignores the rest).
    try {
      const [consumed, msBeforeReset, state, fourth, seeding, ...outcomes] = reply
      if (state === 2) this.sawSeeding(first.familyId, fourth, seeding)
      // Each request's count is what it would have got alone: the batch's, less those after it.
      const countOf = (i: number): RateLimitCount => ({ consumed: Number(consumed) - costs.length + i + 1, msBeforeReset: Number(msBeforeReset) })
      let granted = 0
      waiters.forEach((waiter, i) => {
        if (state === 0) return waiter.resolve({ current: false, count: countOf(i), version: fourth ?? null })
        const outcome = state === 2 ? outcomes[i] : undefined
        if (outcome === undefined || outcome === null) return waiter.resolve({ current: true, count: countOf(i), spent: null })
        const left = Number(outcome)
        if (left < 0) return waiter.resolve({ current: true, count: countOf(i), spent: { spent: false, remaining: -1 - left } })
        granted += costs[i]!
        waiter.resolve({ current: true, count: countOf(i), spent: { spent: true, remaining: left } })
      })
      if (granted > 0) {
        const refillPeriodStart = first.refillPeriodStart === null ? null : isoAt(first.refillPeriodStart)
        this.oweAgain({ familyId: first.familyId, spent: granted, refillPeriodStart, now: isoAt(first.now), epoch: isoOf(Number(fourth)) })
      }
    } catch (error) {
      for (const waiter of waiters) waiter.reject(error)
    }
  }

  private sawSeeding(familyId: string, epoch: string | number | null | undefined, seeding: string | number | null | undefined): void {
    if (typeof seeding === 'string') this.seenSeedings.set(familyId, { epoch: Number(epoch), seeding })
  }

  private key(familyId: string): string {
    return `${this.prefix}budget:${familyId}`
  }

  readonly spendTogether: SpendTogether = (batch) => Promise.all(batch.map((spends) => this.spendKey(spends)))

  private async spendKey(spends: KeySpends): Promise<SpendResult[]> {
    let replies: Array<string | number | null> | null
    try {
      const seeding = this.spentInDatabase.get(spends.familyId)
      if (seeding !== undefined) {
        await this.redis.client.brandwaveDrop(this.key(spends.familyId), seeding ?? '')
        this.spentInDatabase.delete(spends.familyId)
      }
      replies = await this.spendInRedis(spends)
      if (replies === null) {
        const seeded = await this.seed(spends.familyId)
        if (seeded === 'unlimited') return spends.costs.map(() => ({ spent: true, remaining: null }))
        replies = await this.spendInRedis(spends)
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'Redis could not spend remaining uses: the database spends them until it can')
      if (!this.spentInDatabase.has(spends.familyId)) {
        // A copy seen under an older epoch is not the one these spends bypass (a PATCH seeded another since): drop whatever is there.
        const seen = this.seenSeedings.get(spends.familyId)
        this.spentInDatabase.set(spends.familyId, seen !== undefined && seen.epoch === msOf(spends.epoch ?? null) ? seen.seeding : null)
      }
      const [results] = await this.storage.spendTogether([spends])
      return results!
    }
    // Still older than the spender's record: the row itself predates it (a PATCH rolled back?). The row decides.
    if (replies === null) {
      const [results] = await this.storage.spendTogether([spends])
      return results!
    }
    const [epoch, seeding, ...outcomes] = replies
    this.sawSeeding(spends.familyId, epoch, seeding)
    let granted = 0
    const results = outcomes.map((outcome, i): SpendResult => {
      const left = Number(outcome)
      if (left < 0) return { spent: false, remaining: -1 - left }
      granted += spends.costs[i]!
      return { spent: true, remaining: left }
    })
    if (granted > 0) this.owe(spends, granted, isoOf(Number(epoch)))
    return results
  }

  private spendInRedis(spends: KeySpends): Promise<Array<string | number | null> | null> {
    const periodStart = spends.refillPeriodStart === null ? -1 : Date.parse(spends.refillPeriodStart)
    return this.redis.client.brandwaveSpend(this.key(spends.familyId), msOf(spends.epoch ?? null), periodStart, Date.parse(spends.now), IDLE_TTL_MS, ...spends.costs)
  }

  /** Starts Redis's count of a family's budget from its row, less what this instance has still to write there. */
  private async seed(familyId: string): Promise<'seeded' | 'unlimited'> {
    const stored = await this.storage.readBudget(familyId)
    if (stored === undefined || stored.remaining === null) return 'unlimited'
    let owed = 0
    for (const entry of this.pending.values()) if (entry.familyId === familyId && entry.epoch === stored.budgetSetAt) owed += entry.spent
    // A refill due meanwhile (p older than the period) replaces the figure anyway, as on the row.
    const refilledAt = stored.refilledAt === null ? -1 : Date.parse(stored.refilledAt)
    await this.redis.client.brandwaveSeed(this.key(familyId), Math.max(stored.remaining - owed, 0), stored.refillAmount === null ? '' : String(stored.refillAmount), refilledAt, msOf(stored.budgetSetAt), IDLE_TTL_MS, randomUUID())
    return 'seeded'
  }

  private owe(spends: KeySpends, spent: number, epoch: string | null): void {
    this.oweAgain({ familyId: spends.familyId, spent, refillPeriodStart: spends.refillPeriodStart, now: spends.now, epoch })
  }

  /** Adds uses to write back, to those already owed for the same budget, period and epoch. */
  private oweAgain(owed: SpentElsewhere): void {
    const key = `${owed.familyId} ${owed.refillPeriodStart ?? ''} ${owed.epoch ?? ''}`
    const entry = this.pending.get(key)
    if (entry !== undefined) entry.spent += owed.spent
    else this.pending.set(key, { ...owed })
    if (this.timer === undefined) {
      this.timer = setTimeout(() => void this.flush(), WRITE_BEHIND_MS)
      this.timer.unref()
    }
  }

  /** Writes what Redis granted back to the rows; what fails to write is kept for the next flush. */
  flush(): Promise<void> {
    clearTimeout(this.timer)
    this.timer = undefined
    this.flushing = this.flushing.then(async () => {
      if (this.pending.size === 0) return
      const entries = [...this.pending.values()]
      this.pending.clear()
      try {
        await this.storage.writeBehind(entries)
      } catch (error) {
        this.logger.error({ err: error }, 'could not write spent uses back to the database; retrying')
        for (const entry of entries) this.oweAgain(entry)
      }
    })
    return this.flushing
  }

  /**
   * What Redis counts for these budgets now, by family, where it holds one at least as recent
   * as the record's (else the record is current). Empty when Redis cannot be reached: the rows
   * are then at most a second behind.
   */
  async live(budgets: ReadonlyArray<{ readonly familyId: string; readonly budgetSetAt: string | null }>): Promise<Map<string, LiveBudget>> {
    const found = new Map<string, LiveBudget>()
    try {
      const replies = await Promise.all(budgets.map(({ familyId }) => this.redis.client.hmget(this.key(familyId), 'r', 'p', 'e')))
      budgets.forEach(({ familyId, budgetSetAt }, i) => {
        const [r, p, e] = replies[i]!
        if (r == null || Number(e) < msOf(budgetSetAt)) return
        found.set(familyId, { remaining: Number(r), refilledAt: Number(p) <= 0 ? null : new Date(Number(p)).toISOString() })
      })
    } catch {
      found.clear()
    }
    return found
  }

  /** Background work (`runWhileOpen`): what is owed is written before the database closes. */
  stop(): Promise<void> {
    return this.flush()
  }
}
