import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiKey, loginAdmin, type TestUser } from '@brandwave/testing/actors'
import { testDatabaseKinds } from '@brandwave/testing/databases'
import { startTestServer, type TestServer } from '@brandwave/testing/server'

const PATH = '/v1/api-keys'

async function until(condition: () => Promise<boolean> | boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** A family of three whose first secret is retired (rotated, revoked) and whose other two are live. */
async function familyWithRetiredSecret(server: TestServer, admin: TestUser) {
  const first = await createApiKey(server, admin.accessToken, { name: 'family', scopes: ['api_keys:read', 'api_keys:workflow'] })
  const second = (await server.request('POST', `${PATH}/${first.id}/rotate`, { token: admin.accessToken })).body.data
  const third = (await server.request('POST', `${PATH}/${second.id}/rotate`, { token: admin.accessToken, body: { gracePeriodSeconds: 600 } })).body.data
  return { first, second, third }
}

describe.each(testDatabaseKinds)('reuse detection when revoking the family fails (%s)', (kind) => {
  let server: TestServer
  let admin: TestUser
  const logLines: string[] = []

  beforeAll(async () => {
    server = await startTestServer(kind, { logLines })
    admin = await loginAdmin(server)
  })
  afterAll(() => server?.close())

  // Stands in for any failure of the revocation's transaction (it was a PostgreSQL deadlock with the usage write).
  async function failFamilyRevocations(fail: boolean): Promise<void> {
    const db = server.running.database.db
    if (kind === 'sqlite') {
      await (fail
        ? sql`create trigger fail_reuse_revocation before update on credentials when new.revoked_reason = 'reuse_detected' begin select raise(abort, 'injected failure'); end`
        : sql`drop trigger fail_reuse_revocation`
      ).execute(db)
      return
    }
    if (fail) {
      await sql`create function fail_reuse_revocation() returns trigger language plpgsql as $$ begin raise exception 'injected failure'; end $$`.execute(db)
      await sql`create trigger fail_reuse_revocation before update on credentials for each row when (new.revoked_reason = 'reuse_detected') execute function fail_reuse_revocation()`.execute(db)
    } else {
      await sql`drop trigger fail_reuse_revocation on credentials`.execute(db)
      await sql`drop function fail_reuse_revocation()`.execute(db)
    }
  }

  it('the presenting request fails instead of answering a refusal that claims a revocation; it is logged, and the next presentation revokes', async () => {
    const { first, second, third } = await familyWithRetiredSecret(server, admin)
    await failFamilyRevocations(true)
    let reuse
    try {
      reuse = await server.request('POST', `${PATH}/${third.id}/rotate`, { token: first.token, headers: { 'user-agent': 'replayer/1.0' } })
    } finally {
      await failFamilyRevocations(false)
    }
    // A 401 here would tell the caller the family is gone while its members still work.
    expect(reuse.status).toBe(500)
    const logged = logLines.map((line) => JSON.parse(line)).find((entry) => entry.msg?.startsWith('could not revoke the family'))
    expect(logged).toMatchObject({ reqId: reuse.headers.get('x-request-id'), credentialId: first.id, familyId: first.id, err: { message: expect.stringContaining('injected failure') } })
    for (const token of [first.token, second.token, third.token]) expect(logLines.join('\n')).not.toContain(token)
    expect((await server.request('GET', '/v1/me', { token: second.token })).status).toBe(200)

    // Not remembered as reported: the same secret again revokes the family, once, from this request on.
    const again = await server.request('POST', `${PATH}/${third.id}/rotate`, { token: first.token, headers: { 'user-agent': 'replayer/1.0' } })
    expect(again.status).toBe(401)
    for (const key of [second, third]) expect((await server.request('GET', '/v1/me', { token: key.token })).status).toBe(401)
    const audit = await server.request('GET', `/v1/audit-logs?action=credential.family_revoked&targetId=${first.id}`, { token: admin.accessToken })
    expect(audit.body.items).toHaveLength(1)
    expect(audit.body.items[0]).toMatchObject({ requestId: again.headers.get('x-request-id'), userAgent: 'replayer/1.0', details: { revokedCount: 2 } })
  })
})

/**
 * The flake this guards against: PostgreSQL aborted a family revocation as a deadlock with
 * the batched `lastUsedAt` write, each having locked one of the family's rows and waiting
 * for the other's. Writers that lock several credentials must take them in id order; this
 * holds the lower id and checks that neither writer is sitting on the higher one meanwhile.
 */
describe.each(testDatabaseKinds.filter((kind) => kind !== 'sqlite'))('credential row locks are taken in id order (%s)', (kind) => {
  let server: TestServer
  let admin: TestUser

  beforeAll(async () => {
    server = await startTestServer(kind)
    admin = await loginAdmin(server)
  })
  afterAll(() => server?.close())

  const byteOrder = <T extends { id: string }>(a: T, b: T): [T, T] => (a.id < b.id ? [a, b] : [b, a])

  async function waitingOnALock(...statements: string[]): Promise<boolean> {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query like any (${statements.map((s) => `${s}%`)})`.execute(server.running.database.db)
    return rows[0]!.n > 0
  }

  async function lockedElsewhere(id: string): Promise<boolean> {
    return server.running.database.db.transaction().execute(async (trx) => {
      const { rows } = await sql`select id from credentials where id = ${id} for update skip locked`.execute(trx)
      return rows.length === 0
    })
  }

  /** Runs `meanwhile` while another transaction holds the row of `id`. */
  function holding(id: string, meanwhile: () => Promise<void>): Promise<void> {
    return server.running.database.db.transaction().execute(async (trx) => {
      await sql`select id from credentials where id = ${id} for update`.execute(trx)
      await meanwhile()
    })
  }

  it('the usage write', async () => {
    const [low, high] = byteOrder(await createApiKey(server, admin.accessToken), await createApiKey(server, admin.accessToken))
    await holding(low.id, async () => {
      // Used high first: a writer going in the order of use would lock it, then wait for low.
      expect((await server.request('GET', '/v1/me', { token: high.token })).status).toBe(200)
      expect((await server.request('GET', '/v1/me', { token: low.token })).status).toBe(200)
      await until(() => waitingOnALock('update "credentials" set "last_used_at"'), 'the usage write to wait for the held row')
      expect(await lockedElsewhere(high.id)).toBe(false)
    })
    await until(async () => {
      const rows = await server.running.database.db.selectFrom('credentials').select('last_used_at').where('id', 'in', [low.id, high.id]).execute()
      return rows.every((row) => row.last_used_at !== null)
    }, 'the usage write to finish')
  })

  it('the family revocation', async () => {
    const { first, second, third } = await familyWithRetiredSecret(server, admin)
    const [low, high] = byteOrder(second, third)
    let reuse: Promise<{ status: number }> | undefined
    await holding(low.id, async () => {
      reuse = server.request('POST', `${PATH}/${third.id}/rotate`, { token: first.token })
      await until(() => waitingOnALock('select "id" from "credentials"', 'update "credentials" set "revoked_at"'), 'the revocation to wait for the held row')
      expect(await lockedElsewhere(high.id)).toBe(false)
    })
    expect((await reuse!).status).toBe(401)
    for (const key of [second, third]) expect((await server.request('GET', '/v1/me', { token: key.token })).status).toBe(401)
  })
})
