import { Redis } from 'ioredis'
import pino from 'pino'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { deleteRedisPrefix, testRedisPrefix } from '@brandwave/testing/redis'
import type { SpendResult } from '../storage/credentials.js'
import type { KeySpends, SpentElsewhere, StoredBudget } from '../storage/spends.js'
import { connectRedis, type RedisHandle } from './redis-connection.js'
import { RedisBudgets } from './redis-budgets.js'

const redisUrl = process.env.TEST_REDIS_URL
const silentLogger = pino({ level: 'silent' })

/** One budget's row, as the database would hold it: spent directly by fallbacks, and by what Redis granted once written back. */
class Row {
  remaining = 10
  budgetSetAt: string | null = null
  readonly storage = {
    readBudget: (): Promise<StoredBudget> => Promise.resolve({ remaining: this.remaining, refillAmount: null, refilledAt: null, budgetSetAt: this.budgetSetAt }),
    writeBehind: (entries: readonly SpentElsewhere[]): Promise<void> => {
      for (const entry of entries) if (entry.epoch === this.budgetSetAt) this.remaining = Math.max(0, this.remaining - entry.spent)
      return Promise.resolve()
    },
    spendTogether: (batch: readonly KeySpends[]): Promise<SpendResult[][]> =>
      Promise.resolve(
        batch.map((key) =>
          key.costs.map((cost): SpendResult => {
            if (this.remaining < cost) return { spent: false, remaining: this.remaining }
            this.remaining -= cost
            return { spent: true, remaining: this.remaining }
          }),
        ),
      ),
  }
}

/**
 * Redis budgets coming back after an outage (`RedisBudgets.spentInDatabase`): an instance that
 * spent a budget in the database drops Redis's copy only if it is the copy it spent before.
 */
describe.runIf(redisUrl)('a Redis budget after this instance spent it in the database', () => {
  const prefix = testRedisPrefix('recovery')
  const handles: RedisHandle[] = []
  let admin: Redis | undefined
  afterEach(async () => {
    for (const handle of handles.splice(0)) await handle.close()
  })
  afterAll(async () => {
    admin?.disconnect()
    await deleteRedisPrefix(redisUrl!, prefix)
  })

  const instance = async (row: Row) => {
    const handle = connectRedis(redisUrl!, silentLogger)
    handles.push(handle)
    await ready(handle)
    return { handle, budgets: new RedisBudgets(handle, prefix, row.storage, silentLogger) }
  }
  // Commands fail fast while disconnected (no offline queue): wait until the connection is up.
  const ready = (handle: RedisHandle) => (handle.client.status === 'ready' ? Promise.resolve() : new Promise<void>((resolve) => handle.client.once('ready', () => resolve())))
  const cutOff = async (handle: RedisHandle) => {
    const ended = new Promise((resolve) => handle.client.once('end', resolve))
    handle.client.disconnect()
    await ended
  }
  const reconnect = async (handle: RedisHandle) => {
    await handle.client.connect()
    await ready(handle)
  }
  let families = 0
  const spendOne = (budgets: RedisBudgets, familyId: string, epoch: string | null) =>
    budgets.spendTogether([{ familyId, costs: [1], refillPeriodStart: null, now: new Date().toISOString(), epoch }]).then((results) => results[0]![0]!)
  const counted = async (familyId: string) => {
    admin ??= new Redis(redisUrl!)
    return Number(await admin.hget(`${prefix}budget:${familyId}`, 'r'))
  }
  /** A spends once through Redis (written back: the row says 9), then is cut off and spends once in the database (8). */
  const cutOffAfterOneSpend = async (row: Row, familyId: string) => {
    const a = await instance(row)
    expect(await spendOne(a.budgets, familyId, row.budgetSetAt)).toEqual({ spent: true, remaining: 9 })
    await a.budgets.flush()
    await cutOff(a.handle)
    expect(await spendOne(a.budgets, familyId, row.budgetSetAt)).toEqual({ spent: true, remaining: 8 })
    return a
  }

  it('a copy seeded since by another instance is kept: what that instance granted is not lost', async () => {
    const row = new Row()
    const familyId = `family-${families++}`
    const a = await cutOffAfterOneSpend(row, familyId)
    // Redis restarted empty; B seeds from the row (8) and spends, its grant still to be written back.
    await (admin ??= new Redis(redisUrl!)).del(`${prefix}budget:${familyId}`)
    const b = await instance(row)
    expect(await spendOne(b.budgets, familyId, row.budgetSetAt)).toEqual({ spent: true, remaining: 7 })
    await reconnect(a.handle)
    // A's next spend comes from B's copy: had A dropped it and started again from the row (8), B's grant would be granted again.
    expect(await spendOne(a.budgets, familyId, row.budgetSetAt)).toEqual({ spent: true, remaining: 6 })
    expect(await counted(familyId)).toBe(6)
  })

  it('the copy A spent before (a partition left it) is dropped, so the database spends are not granted again', async () => {
    const row = new Row()
    const familyId = `family-${families++}`
    const a = await cutOffAfterOneSpend(row, familyId)
    expect(row.remaining).toBe(8)
    await reconnect(a.handle)
    // Redis still says 9; the row, which has the database spend, says 8.
    expect(await spendOne(a.budgets, familyId, row.budgetSetAt)).toEqual({ spent: true, remaining: 7 })
  })

  it('a copy seen under an older epoch does not spare the one there now: a budget set again, then spent in the database', async () => {
    const row = new Row()
    const familyId = `family-${families++}`
    const a = await instance(row)
    expect(await spendOne(a.budgets, familyId, row.budgetSetAt)).toEqual({ spent: true, remaining: 9 })
    await a.budgets.flush()
    // A PATCH sets a new budget; B spends it first, seeding a copy A has never seen.
    row.remaining = 5
    row.budgetSetAt = new Date().toISOString()
    const b = await instance(row)
    expect(await spendOne(b.budgets, familyId, row.budgetSetAt)).toEqual({ spent: true, remaining: 4 })
    await b.budgets.flush()
    await cutOff(a.handle)
    expect(await spendOne(a.budgets, familyId, row.budgetSetAt)).toEqual({ spent: true, remaining: 3 })
    await reconnect(a.handle)
    // B's copy says 4 but misses A's database spend: it is dropped, and the row's 3 is what is spent.
    expect(await spendOne(a.budgets, familyId, row.budgetSetAt)).toEqual({ spent: true, remaining: 2 })
  })
})
