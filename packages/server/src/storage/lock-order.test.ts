import { randomBytes } from 'node:crypto'
import { seal } from '@brandwave/core'
import type { FastifyBaseLogger } from 'fastify'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiKey, loginAdmin, signUp, type TestUser } from '@brandwave/testing/actors'
import { testDatabaseKinds } from '@brandwave/testing/databases'
import { authorizeAndExchange, registerClient, startOAuthServer } from '@brandwave/testing/oauth'
import { startTestServer, type TestServer } from '@brandwave/testing/server'
import type { AuditLog } from '../services/audit.js'
import type { ExpiryReminders } from '../services/expiry-reminders.js'
import { WebhookDispatcher, webhookSecretBinding } from '../webhooks/dispatcher.js'
import type { WebhookSender } from '../webhooks/sender.js'
import { openDatabase, type DatabaseHandle } from './database.js'
import { createStorage, type Repositories, type Storage } from './index.js'

async function until(condition: () => Promise<boolean> | boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/**
 * Writers that change several rows of a table take their row locks in key order on
 * PostgreSQL (lock-order.ts), or two of them on the same rows can deadlock. Each check
 * stores two rows with the higher key first, so a writer going in scan order would lock it
 * first; holds the lower one; and checks the writer is not sitting on the higher one while
 * it waits. SQLite has one writer at a time: there, only what the writers do is checked.
 */
describe.each(testDatabaseKinds)('row locks of writers to several rows are taken in key order (%s)', (kind) => {
  let server: TestServer
  let admin: TestUser
  let storage: Storage
  const now = new Date().toISOString()
  const later = new Date(Date.now() + 3_600_000).toISOString()
  const past = new Date(Date.now() - 3_600_000).toISOString()
  let counter = 0
  /** Two keys, lower first, unlike any other test's. */
  const keys = (prefix: string): [string, string] => {
    counter++
    return [`${prefix}-${counter}-a`, `${prefix}-${counter}-b`]
  }

  beforeAll(async () => {
    server = await startTestServer(kind)
    admin = await loginAdmin(server)
    storage = createStorage(server.running.database)
  })
  afterAll(() => server?.close())

  const db = () => server.running.database.db

  async function waitingOnALock(...statements: string[]): Promise<boolean> {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query like any (${statements.map((s) => `${s}%`)})`.execute(db())
    return rows[0]!.n > 0
  }

  async function lockedElsewhere(table: string, where: Record<string, string>): Promise<boolean> {
    return db().transaction().execute(async (trx) => {
      const conditions = sql.join(Object.entries(where).map(([column, value]) => sql`${sql.ref(column)} = ${value}`), sql` and `)
      const { rows } = await sql`select 1 from ${sql.table(table)} where ${conditions} for update skip locked`.execute(trx)
      return rows.length === 0
    })
  }

  /** Starts `writer` while another transaction holds the row `where` selects; checks it never holds `higher` meanwhile. */
  async function checkOrder(table: string, lower: Record<string, string>, higher: Record<string, string>, waitingIn: string[], writer: () => Promise<unknown>): Promise<void> {
    if (kind === 'sqlite') return void (await writer())
    let writing: Promise<unknown> | undefined
    await db().transaction().execute(async (trx) => {
      const conditions = sql.join(Object.entries(lower).map(([column, value]) => sql`${sql.ref(column)} = ${value}`), sql` and `)
      await sql`select 1 from ${sql.table(table)} where ${conditions} for update`.execute(trx)
      writing = writer()
      await until(() => waitingOnALock(...waitingIn), `the writer to wait for the held row of ${table}`)
      expect(await lockedElsewhere(table, higher)).toBe(false)
    })
    await writing
  }

  it('ending all sessions of a user (member removal, password change or reset, enabling 2FA)', async () => {
    // Someone else: every session of theirs ends, the test's own sign-in with them.
    const user = await signUp(server)
    const [low, high] = keys('session')
    for (const id of [high, low]) {
      await db().insertInto('sessions').values({ id, user_id: user.userId, organization_id: user.organizationId, created_at: now, expires_at: later, ended_at: null, end_reason: null, ip: null, user_agent: null }).execute()
    }
    await checkOrder('sessions', { id: low }, { id: high }, ['select "id" from "sessions"', 'update "sessions"'], () =>
      storage.transaction((repos) => repos.sessions.endAllOfUser(user.userId, now, 'password_reset')),
    )
    const rows = await db().selectFrom('sessions').select('ended_at').where('id', 'in', [low, high]).execute()
    expect(rows.every((row) => row.ended_at !== null)).toBe(true)
  })

  it("changing the budget of a rotated key's successor, which its predecessor in grace spends", async () => {
    // The successor must sort after its predecessor, or going in scan order would be the right order.
    let key: any
    let successor: any
    do {
      key = await createApiKey(server, admin.accessToken, { scopes: ['api_keys:read'] })
      successor = (await server.request('POST', `/v1/api-keys/${key.id}/rotate`, { token: admin.accessToken, body: { gracePeriodSeconds: 3600 } })).body.data
    } while (successor.id < key.id)
    let status = 0
    await checkOrder('credentials', { id: key.id }, { id: successor.id }, ['select "id" from "credentials"', 'update "credentials"'], async () => {
      status = (await server.request('PATCH', `/v1/api-keys/${successor.id}`, { token: admin.accessToken, body: { remaining: 5 } })).status
    })
    expect(status).toBe(200)
    expect((await server.request('GET', `/v1/api-keys/${key.id}`, { token: admin.accessToken })).body.data.remaining).toBe(5)
  })

  describe.each([
    ['revoking an app for a user', (repos: Repositories, clientId: string) => repos.oauthAuthorizations.revokeClient(admin.userId, admin.organizationId, clientId, now)],
    ['removing a member', (repos: Repositories) => repos.oauthAuthorizations.revokeAllOfUser(admin.organizationId, admin.userId, now)],
  ] as const)('consents: %s', (_, revoke) => {
    it('locks them in grant id order', async () => {
      const [low, high] = keys('grant')
      const clientId = `client-${counter}`
      for (const grantId of [high, low]) {
        await db()
          .insertInto('oauth_authorizations')
          .values({ grant_id: grantId, client_id: clientId, client_name: null, user_id: admin.userId, organization_id: admin.organizationId, scopes: '[]', created_at: now, last_used_at: null, revoked_at: null })
          .execute()
      }
      let revoked: string[] = []
      await checkOrder('oauth_authorizations', { grant_id: low }, { grant_id: high }, ['select "grant_id" from "oauth_authorizations"', 'update "oauth_authorizations"'], async () => {
        revoked = await storage.transaction((repos) => revoke(repos, clientId))
      })
      expect(revoked).toEqual(expect.arrayContaining([low, high]))
    })
  })

  describe.each([
    ["destroying a grant's tokens", (grantId: string) => storage.oauthModels.destroyGrants([grantId])],
    ['purging expired tokens', () => storage.oauthModels.purgeExpired(now)],
  ] as const)('oidc-provider models: %s', (_, destroy) => {
    it('locks them in key order, outside a transaction too', async () => {
      const [low, high] = keys('model')
      const grantId = `grant-${counter}`
      for (const idHash of [high, low]) {
        await db().insertInto('oauth_models').values({ model: 'AccessToken', id_hash: idHash, grant_id: grantId, uid_hash: null, payload: '{}', expires_at: past, consumed_at: null }).execute()
      }
      await checkOrder('oauth_models', { model: 'AccessToken', id_hash: low }, { model: 'AccessToken', id_hash: high }, ['delete from "oauth_models"'], () => destroy(grantId))
      expect(await db().selectFrom('oauth_models').select('id_hash').where('id_hash', 'in', [low, high]).execute()).toEqual([])
    })
  })

  const webhookKey = randomBytes(32)
  /** An endpoint with two pending deliveries, stored (and due) in the order given. */
  async function endpointWithDeliveries(status: 'enabled' | 'disabled', first: 'low' | 'high'): Promise<{ endpointId: string; low: string; high: string }> {
    const [low, high] = keys('delivery')
    const endpointId = `endpoint-${counter}`
    await db()
      .insertInto('webhook_endpoints')
      .values({ id: endpointId, organization_id: admin.organizationId, url: 'https://example.invalid/hook', description: null, event_types: null, secret: seal(webhookKey, 'whsec_test', webhookSecretBinding(endpointId)), previous_secret: null, previous_secret_expires_at: null, status, disabled_reason: null, created_at: now, updated_at: now })
      .execute()
    const stored: [string, string][] = first === 'high' ? [[high, past], [low, now]] : [[low, past], [high, now]]
    for (const [id, due] of stored) {
      await db().insertInto('events').values({ id: `event-${id}`, organization_id: admin.organizationId, type: 'test', payload: '{}', created_at: now }).execute()
      await db()
        .insertInto('webhook_deliveries')
        .values({ id, endpoint_id: endpointId, event_id: `event-${id}`, status: 'pending', attempts: 0, last_status: null, last_error: null, last_attempt_at: null, next_attempt_at: due, locked_until: null, created_at: now })
        .execute()
    }
    return { endpointId, low, high }
  }

  it('deleting a webhook endpoint with its deliveries', async () => {
    const { endpointId, low, high } = await endpointWithDeliveries('disabled', 'high')
    await checkOrder('webhook_deliveries', { id: low }, { id: high }, ['select "id" from "webhook_deliveries"', 'delete from "webhook_deliveries"'], () =>
      storage.transaction((repos) => repos.webhooks.deleteEndpoint(endpointId)),
    )
    expect(await db().selectFrom('webhook_endpoints').select('id').where('id', '=', endpointId).execute()).toEqual([])
  })

  it('sweeping expired idempotency keys (every instance sweeps)', async () => {
    const [low, high] = keys('idempotency')
    for (const key of [high, low]) {
      await db()
        .insertInto('idempotency_keys')
        .values({ principal_key: 'sweep', key, request_hash: 'h', state: 'completed', owner: 'o', status: 200, response: null, created_at: past, locked_at: past, expires_at: past, session_id: null })
        .execute()
    }
    await checkOrder('idempotency_keys', { principal_key: 'sweep', key: low }, { principal_key: 'sweep', key: high }, ['delete from "idempotency_keys"'], () => storage.idempotency.deleteExpired(now))
    expect(await db().selectFrom('idempotency_keys').select('key').where('key', 'in', [low, high]).execute()).toEqual([])
  })

  /** Whether inserting this reminder would wait for another transaction's (given up after a moment). */
  async function reminderInsertWaits(credentialId: string, days: number): Promise<boolean> {
    const probe = db().transaction().execute(async (trx) => {
      await sql`set local lock_timeout = '300ms'`.execute(trx)
      await trx.insertInto('expiry_reminders').values({ credential_id: credentialId, days_before: days, sent_at: now }).onConflict((oc) => oc.doNothing()).execute()
      throw new Error('rolled back')
    })
    const error: unknown = await probe.catch((caught: unknown) => caught)
    return (error as { code?: string }).code === '55P03'
  }

  it('claiming an expiry reminder that covers earlier ones', async () => {
    const { id } = await createApiKey(server, admin.accessToken)
    // This instance claims the 1-day reminder (covering 30 and 7); another, a moment behind,
    // the 7-day one (covering 30). Both insert their keys going up.
    const claim = () => storage.transaction((repos) => repos.events.claimReminder(id, 1, [30, 7], now))
    if (kind === 'sqlite') return void expect(await claim()).toBe(true)
    let claiming: Promise<boolean> | undefined
    await db().transaction().execute(async (trx) => {
      await trx.insertInto('expiry_reminders').values({ credential_id: id, days_before: 7, sent_at: now }).execute()
      claiming = claim()
      await until(() => waitingOnALock('insert into "expiry_reminders"'), 'the claim to wait for the other instance')
      expect(await reminderInsertWaits(id, 30)).toBe(false)
    })
    expect(await claiming).toBe(true)
  })

  async function withoutIndexScans(): Promise<DatabaseHandle> {
    const { rows } = await sql<{ name: string }>`select current_database() as name`.execute(db())
    const url = new URL(process.env.TEST_DATABASE_URL!)
    url.pathname = `/${rows[0]!.name}`
    url.searchParams.set('options', '-c enable_indexscan=off -c enable_indexonlyscan=off')
    return openDatabase({ databaseUrl: url.toString(), dataDir: '', poolSize: 2 })
  }

  it("the dispatcher recording a batch's attempts", async () => {
    const { low, high } = await endpointWithDeliveries('enabled', 'low')
    let sent = 0
    let answer: () => void = () => undefined
    const answered = new Promise<void>((resolve) => (answer = resolve))
    // Answers once the test holds a row: the batch is claimed by then, its record not yet written.
    const sender = { send: async () => (sent++, await answered, { status: 200, error: null }), close: () => Promise.resolve() } as unknown as WebhookSender
    // Without index scans (PostgreSQL may choose a bitmap scan for a large batch) the claimed
    // batch comes back in an order of the plan's making, not by id: here, high id first.
    const database = kind === 'sqlite' ? null : await withoutIndexScans()
    const dispatcher = new WebhookDispatcher({
      storage: database === null ? storage : createStorage(database),
      clock: { now: () => Date.now() },
      secretKey: webhookKey,
      retrySeconds: [60],
      sender,
      reminders: { run: () => Promise.resolve(0) } as unknown as ExpiryReminders,
      audit: {} as AuditLog,
      logger: { error: () => undefined } as unknown as FastifyBaseLogger,
    })
    try {
      const pass = dispatcher.wake()
      await until(() => sent === 2, 'the batch to be sent')
      await checkOrder('webhook_deliveries', { id: low }, { id: high }, ['update "webhook_deliveries"'], () => Promise.resolve(answer()))
      await pass
    } finally {
      await dispatcher.stop()
      await database?.close()
    }
    const rows = await db().selectFrom('webhook_deliveries').select('status').where('id', 'in', [low, high]).execute()
    expect(rows.map((row) => row.status)).toEqual(['succeeded', 'succeeded'])
  })
})

/**
 * Revoking an app and removing a member lock a consent, then its tokens; a leak report of
 * one of its tokens must go in the same order, or it deadlocks with them.
 */
describe.each(testDatabaseKinds.filter((kind) => kind !== 'sqlite'))('a leaked OAuth token ends its grant consent first (%s)', (kind) => {
  let server: TestServer
  let admin: TestUser

  beforeAll(async () => {
    server = await startOAuthServer(kind)
    admin = await loginAdmin(server)
  })
  afterAll(() => server?.close())

  it('does not hold the tokens while it waits for the consent', async () => {
    const db = server.running.database.db
    const { tokens } = await authorizeAndExchange(server, await registerClient(server), admin, 'api_keys:read')
    const { grant_id: grantId } = await db.selectFrom('oauth_authorizations').select('grant_id').where('user_id', '=', admin.userId).executeTakeFirstOrThrow()
    const models = await db.selectFrom('oauth_models').select('id_hash').where('grant_id', '=', grantId).execute()
    expect(models.length).toBeGreaterThan(1)
    let reported: Promise<{ status: number }> | undefined
    await db.transaction().execute(async (trx) => {
      await sql`select 1 from oauth_authorizations where grant_id = ${grantId} for update`.execute(trx)
      reported = server.request('POST', '/v1/credentials/revoke', { body: { credentials: [tokens.access_token] } })
      await until(async () => {
        const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query like 'update "oauth_authorizations"%'`.execute(db)
        return rows[0]!.n > 0
      }, 'the leak report to wait for the held consent')
      const free = await db.transaction().execute((other) => sql`select 1 from oauth_models where grant_id = ${grantId} for update skip locked`.execute(other))
      expect(free.rows).toHaveLength(models.length)
    })
    expect((await reported!).status).toBe(202)
    expect(await db.selectFrom('oauth_models').select('id_hash').where('grant_id', '=', grantId).execute()).toEqual([])
  })
})
