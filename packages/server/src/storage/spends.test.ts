import SqliteDatabase from 'better-sqlite3'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { refillPeriodStart } from '@brandwave/core'
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
    expect([1, 1, 1].map(() => spendNow.spend(id, 1, null, Date.parse(now)).result)).toEqual([
      { spent: true, remaining: 1 },
      { spent: true, remaining: 0 },
      { spent: false, remaining: 0 },
    ])
    await server.running.database.db.transaction().execute(async (trx) => {
      await sql`select 1`.execute(trx)
      expect(spendNow.ready()).toBe(false)
      expect(() => spendNow.spend(id, 1, null, Date.parse(now))).toThrow(TypeError)
    })
    expect(spendNow.ready()).toBe(true)
  })

  it.runIf(kind === 'sqlite')('a spend skips the fsync; the next write of the query builder waits for its own again', async () => {
    const id = await metered(1)
    const { db, embedded } = server.running.database
    await storage.spendNow!.spend(id, 1, null, Date.parse(now)).committed
    expect(embedded!.connection.pragma('synchronous', { simple: true })).toBe(1)
    const { rows } = await sql<{ synchronous: number }>`pragma synchronous`.execute(db)
    expect(rows[0]!.synchronous).toBe(2)
  })

  describe.runIf(kind === 'sqlite')('one commit per turn', () => {
    // Another process's view of the file: what it reads is what was committed.
    let outside: SqliteDatabase.Database
    beforeAll(() => {
      outside = new SqliteDatabase(server.running.database.embedded!.connection.name, { readonly: true })
    })
    afterAll(() => outside?.close())
    /** Changes what the group's spenders are told of its commit; returns the undo. */
    const tellSpenders = (told: (committed: Promise<void>) => Promise<void>) => {
      const embedded = server.running.database.embedded!
      const inGroupCommit = embedded.inGroupCommit.bind(embedded)
      embedded.inGroupCommit = <T,>(write: () => T) => {
        const { value, committed } = inGroupCommit(write)
        return { value, committed: told(committed) }
      }
      return () => void (embedded.inGroupCommit = inGroupCommit)
    }
    const committedRemaining = (id: string) => (outside.prepare('select remaining from credentials where id = ?').get(id) as { remaining: number }).remaining

    it('the spends of one turn share a commit, which comes at the end of the turn; until then nobody else sees them', async () => {
      const id = await metered(10)
      const spends = [1, 2, 3].map(() => storage.spendNow!.spend(id, 1, null, Date.parse(now)))
      expect(spends.map((spend) => spend.result.remaining)).toEqual([9, 8, 7])
      expect(new Set(spends.map((spend) => spend.committed)).size).toBe(1)
      expect(committedRemaining(id)).toBe(10)
      await spends[0]!.committed
      expect(committedRemaining(id)).toBe(7)
      // The next turn starts a group of its own.
      const next = storage.spendNow!.spend(id, 1, null, Date.parse(now))
      expect(next.committed).not.toBe(spends[0]!.committed)
      await next.committed
      expect(committedRemaining(id)).toBe(6)
    })

    it('within a turn, spends decided on what the group knows stay exact: a refusal at 0, a batch on the same budget, a refill that comes due', async () => {
      const id = await metered(4)
      const at = Date.parse(now)
      const inMemory = [1, 1, 1].map(() => storage.spendNow!.spend(id, 1, null, at))
      // The batch's statement sees the uses held back in the group: 1 is left, not 4.
      const batch = storage.spendTogether([{ familyId: id, costs: [1, 1], refillPeriodStart: null, now }])
      const refused = storage.spendNow!.spend(id, 1, null, at)
      expect(inMemory.map((spend) => spend.result.remaining)).toEqual([3, 2, 1])
      expect(await batch).toEqual([[{ spent: true, remaining: 0 }, { spent: false, remaining: 0 }]])
      expect(refused.result).toEqual({ spent: false, remaining: 0 })
      await refused.committed
      expect(committedRemaining(id)).toBe(0)

      const refill = { interval: 'daily', amount: 10 } as const
      const refilling = (await createApiKey(server, admin.accessToken, { scopes: ['api_keys:read'], remaining: 3, refill })).id
      // The server's clock (which stands still here) set the key's last refill: today's period has none due.
      const created = server.clock.now()
      const today = refillPeriodStart({ ...refill, day: null }, created)
      const tomorrow = today + 86_400_000
      const spends = [
        storage.spendNow!.spend(refilling, 1, today, created),
        storage.spendNow!.spend(refilling, 1, today, created),
        storage.spendNow!.spend(refilling, 1, tomorrow, tomorrow),
        storage.spendNow!.spend(refilling, 1, tomorrow, tomorrow),
      ]
      expect(spends.map((spend) => spend.result.remaining)).toEqual([2, 1, 9, 8])
      await spends[0]!.committed
      expect(committedRemaining(refilling)).toBe(8)
    })

    it('every Storage made on the connection decides on the same figures within a group', async () => {
      const id = await metered(4)
      const other = createStorage(server.running.database)
      const at = Date.parse(now)
      const first = storage.spendNow!.spend(id, 1, null, at) // by statement: 3 left
      const second = storage.spendNow!.spend(id, 1, null, at) // on the group's figure: 2 left, not yet written
      const third = other.spendNow!.spend(id, 3, null, at)
      expect([first, second, third].map((spend) => spend.result)).toEqual([
        { spent: true, remaining: 3 },
        { spent: true, remaining: 2 },
        { spent: false, remaining: 2 },
      ])
      await first.committed
      expect(committedRemaining(id)).toBe(2)
    })

    it('a write of the group that fails rolls the whole group back: its spenders are told, nothing of it is stored, the next group starts clean', async () => {
      const id = await metered(10)
      const { connection } = server.running.database.embedded!
      // Refuses the one UPDATE that writes the uses held back in the group (2 at once); single spends pass.
      connection.exec(`create temp trigger refuse_held_back before update of remaining on main.credentials when new.remaining < old.remaining - 1 begin select raise(abort, 'refused by the test'); end`)
      try {
        const at = Date.parse(now)
        const spends = [1, 2, 3].map(() => storage.spendNow!.spend(id, 1, null, at))
        expect(spends.map((spend) => spend.result.remaining)).toEqual([9, 8, 7])
        await expect(spends[0]!.committed).rejects.toThrow('refused by the test')
        expect(committedRemaining(id)).toBe(10)
        expect(connection.inTransaction).toBe(false)
        const next = storage.spendNow!.spend(id, 1, null, at)
        expect(next.result).toEqual({ spent: true, remaining: 9 })
        await next.committed
        expect(committedRemaining(id)).toBe(9)
      } finally {
        connection.exec('drop trigger if exists temp.refuse_held_back')
      }
    })

    it('a statement of the query builder commits the open group first, and its own transaction does not join it', async () => {
      const id = await metered(5)
      const spend = storage.spendNow!.spend(id, 2, null, Date.parse(now))
      let settled = false
      void spend.committed.then(() => (settled = true))
      await server.running.database.db.transaction().execute(async (trx) => {
        await sql`update credentials set name = 'renamed' where id = ${id}`.execute(trx)
        expect(committedRemaining(id)).toBe(3)
        throw new Error('roll back the rename only')
      }).catch(() => undefined)
      await spend.committed
      expect(settled).toBe(true)
      expect(committedRemaining(id)).toBe(3)
      expect((outside.prepare('select name from credentials where id = ?').get(id) as { name: string }).name).not.toBe('renamed')
    })

    it('over HTTP, a use spent on the warm path is answered only once its group committed, by verify and by an authenticated request', async () => {
      const caller = await createApiKey(server, admin.accessToken, { scopes: ['api_keys:workflow'] })
      const key = await createApiKey(server, admin.accessToken, { scopes: ['api_keys:read'], remaining: 100 })
      // Warm: decided on the warm path from now on (a cold one is decided by `run`, which awaits the batch's commit).
      await server.request('POST', '/v1/keys/verify', { token: caller.token, body: { key: key.token } })
      // The group commits as usual; what its spenders are told of it waits for the test.
      let release!: () => void
      const gate = new Promise<void>((resolve) => (release = resolve))
      const restore = tellSpenders((committed) => committed.then(() => gate))
      try {
        let answered = 0
        const requests = [
          server.request('POST', '/v1/keys/verify', { token: caller.token, body: { key: key.token } }),
          server.request('GET', '/v1/me', { token: key.token }),
        ].map((request) => request.finally(() => (answered += 1)))
        await new Promise((resolve) => setTimeout(resolve, 100))
        expect(answered).toBe(0)
        release()
        const [verified, me] = await Promise.all(requests)
        expect(verified!.body.data).toMatchObject({ valid: true, remaining: expect.any(Number) })
        expect(me!.status).toBe(200)
      } finally {
        restore()
      }
      expect(committedRemaining(key.id)).toBe(97)
    })

    it('a database another process keeps locked fails the warm spends of a turn with 503, and only them', async () => {
      const metered = await createApiKey(server, admin.accessToken, { scopes: ['api_keys:read'], remaining: 10 })
      const unmetered = await createApiKey(server, admin.accessToken, { scopes: ['api_keys:read'] })
      for (const key of [metered, unmetered]) expect((await server.request('GET', '/v1/me', { token: key.token })).status).toBe(200)
      const { connection } = server.running.database.embedded!
      const writer = new SqliteDatabase(connection.name)
      connection.pragma('busy_timeout = 50')
      try {
        writer.exec('BEGIN IMMEDIATE')
        const answers = await Promise.all([metered, metered, unmetered].map((key) => server.request('GET', '/v1/me', { token: key.token })))
        expect(answers.map((answer) => answer.status)).toEqual([503, 503, 200])
        expect(answers[0]!.headers.get('retry-after')).toBe('1')
      } finally {
        if (writer.inTransaction) writer.exec('ROLLBACK')
        writer.close()
        connection.pragma('busy_timeout = 5000')
      }
      expect(committedRemaining(metered.id)).toBe(9)
      expect((await server.request('GET', '/v1/me', { token: metered.token })).status).toBe(200)
      expect(committedRemaining(metered.id)).toBe(8)
    })

    it('a group whose commit fails answers its requests with an error, never as granted', async () => {
      const caller = await createApiKey(server, admin.accessToken, { scopes: ['api_keys:workflow'] })
      const key = await createApiKey(server, admin.accessToken, { scopes: ['api_keys:read'], remaining: 10 })
      // Warm, so that both are decided on the warm path; a cold one's spend is awaited in `run`.
      await server.request('POST', '/v1/keys/verify', { token: caller.token, body: { key: key.token } })
      await server.request('GET', '/v1/me', { token: key.token })
      const restore = tellSpenders((committed) => committed.then(() => Promise.reject(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }))))
      try {
        const verified = await server.request('POST', '/v1/keys/verify', { token: caller.token, body: { key: key.token } })
        const me = await server.request('GET', '/v1/me', { token: key.token })
        for (const response of [verified, me]) {
          expect(response.status).toBeGreaterThanOrEqual(500)
          expect(response.body.error).toMatchObject({ code: expect.any(String) })
          expect(response.text).not.toContain('disk is full')
        }
      } finally {
        restore()
      }
    })
  })
})
