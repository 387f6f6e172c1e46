import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiKey, loginAdmin, type TestUser } from '@brandwave/testing/actors'
import { testDatabaseKinds } from '@brandwave/testing/databases'
import { startTestServer, type TestServer } from '@brandwave/testing/server'
import { createStorage, type Storage } from './index.js'

/**
 * A batch's spends of one key go out as one UPDATE for their total (`spends.ts`); these
 * check that this never grants more than one-by-one spends would, batch by batch, where a
 * request over HTTP cannot choose which batch it joins.
 */
describe.each(testDatabaseKinds)('spends of a batch, coalesced per key (%s)', (kind) => {
  let server: TestServer
  let admin: TestUser
  let storage: Storage
  const now = new Date().toISOString()

  beforeAll(async () => {
    server = await startTestServer(kind)
    admin = await loginAdmin(server)
    storage = createStorage(server.running.database)
  })
  afterAll(() => server?.close())

  const metered = async (remaining: number) => (await createApiKey(server, admin.accessToken, { scopes: ['api_keys:read'], remaining })).id
  const left = async (id: string) => (await server.request('GET', `/v1/api-keys/${id}`, { token: admin.accessToken })).body.data.remaining as number | null

  it('remaining 3, five spends in one batch: exactly the first three are granted, each told what it left', async () => {
    const id = await metered(3)
    const [results] = await storage.spendTogether([{ familyId: id, costs: [1, 1, 1, 1, 1], refillPeriodStart: null, now }])
    expect(results).toEqual([
      { spent: true, remaining: 2 },
      { spent: true, remaining: 1 },
      { spent: true, remaining: 0 },
      { spent: false, remaining: 0 },
      { spent: false, remaining: 0 },
    ])
    expect(await left(id)).toBe(0)
  })

  it('enough for all: one statement grants them all, each result as if they had come one by one', async () => {
    const id = await metered(10)
    const [results] = await storage.spendTogether([{ familyId: id, costs: [2, 0, 3, 1], refillPeriodStart: null, now }])
    expect(results!.map((result) => result.remaining)).toEqual([8, 8, 5, 4])
    expect(results!.every((result) => result.spent)).toBe(true)
    expect(await left(id)).toBe(4)
  })

  it('mixed costs near exhaustion: in arrival order, a later smaller cost may still fit', async () => {
    const id = await metered(5)
    const [results] = await storage.spendTogether([{ familyId: id, costs: [3, 4, 2, 1, 0], refillPeriodStart: null, now }])
    expect(results).toEqual([
      { spent: true, remaining: 2 },
      { spent: false, remaining: 2 },
      { spent: true, remaining: 0 },
      { spent: false, remaining: 0 },
      { spent: true, remaining: 0 },
    ])
    expect(await left(id)).toBe(0)
  })

  it('several keys in one batch each keep their own count; an unlimited one spends nothing', async () => {
    const [a, b] = [await metered(2), await metered(1)]
    const unlimited = (await createApiKey(server, admin.accessToken, { scopes: ['api_keys:read'] })).id
    const results = await storage.spendTogether(
      [
        { familyId: a, costs: [1, 1, 1], refillPeriodStart: null, now },
        { familyId: b, costs: [1, 1], refillPeriodStart: null, now },
        { familyId: unlimited, costs: [1, 1], refillPeriodStart: null, now },
      ].sort((x, y) => (x.familyId < y.familyId ? -1 : 1)),
    )
    const byId = new Map(results.map((result, i) => [[a, b, unlimited].sort()[i], result.map((r) => r.spent)]))
    expect(byId.get(a)).toEqual([true, true, false])
    expect(byId.get(b)).toEqual([true, false])
    expect(byId.get(unlimited)).toEqual([true, true])
    expect([await left(a), await left(b), await left(unlimited)]).toEqual([0, 0, null])
  })

  it('a due refill is applied once for a whole batch', async () => {
    const key = await createApiKey(server, admin.accessToken, { scopes: ['api_keys:read'], remaining: 0, refill: { interval: 'daily', amount: 3 } })
    // A period that began after the key was made, and spends in it.
    const periodStart = new Date(server.clock.now() + 1000).toISOString()
    const inPeriod = new Date(server.clock.now() + 2000).toISOString()
    const [results] = await storage.spendTogether([{ familyId: key.id, costs: [1, 1, 1, 1], refillPeriodStart: periodStart, now: inPeriod }])
    expect(results).toEqual([
      { spent: true, remaining: 2 },
      { spent: true, remaining: 1 },
      { spent: true, remaining: 0 },
      { spent: false, remaining: 0 },
    ])
    const [again] = await storage.spendTogether([{ familyId: key.id, costs: [1, 1], refillPeriodStart: periodStart, now: inPeriod }])
    expect(again!.map((result) => result.spent)).toEqual([false, false])
  })

  it.runIf(kind === 'sqlite')('a batch that comes while a transaction of the query builder is open waits for it, outside it', async () => {
    const id = await metered(2)
    const { db } = server.running.database
    let spending: Promise<unknown> | undefined
    await expect(
      db.transaction().execute(async (trx) => {
        await sql`update credentials set name = 'rolled back' where id = ${id}`.execute(trx)
        spending = storage.spendTogether([{ familyId: id, costs: [1, 1], refillPeriodStart: null, now }])
        await new Promise((resolve) => setTimeout(resolve, 20))
        throw new Error('roll back')
      }),
    ).rejects.toThrow('roll back')
    await spending
    expect(await left(id)).toBe(0)
  })

  it.runIf(kind === 'sqlite')('spendNow: one spend without a promise, exact; not ready while a transaction of the query builder is open', async () => {
    const id = await metered(2)
    const spendNow = storage.spendNow!
    expect([1, 1, 1].map(() => spendNow.spend(id, 1, null, now))).toEqual([
      { spent: true, remaining: 1 },
      { spent: true, remaining: 0 },
      { spent: false, remaining: 0 },
    ])
    await server.running.database.db.transaction().execute(async (trx) => {
      await sql`select 1`.execute(trx)
      expect(spendNow.ready()).toBe(false)
      expect(() => spendNow.spend(id, 1, null, now)).toThrow(TypeError)
    })
    expect(spendNow.ready()).toBe(true)
  })

  it.runIf(kind === 'sqlite')('a spend skips the fsync; the next write of the query builder waits for its own again', async () => {
    const id = await metered(1)
    const { db, embedded } = server.running.database
    storage.spendNow!.spend(id, 1, null, now)
    expect(embedded!.connection.pragma('synchronous', { simple: true })).toBe(1)
    const { rows } = await sql<{ synchronous: number }>`pragma synchronous`.execute(db)
    expect(rows[0]!.synchronous).toBe(2)
  })
})
