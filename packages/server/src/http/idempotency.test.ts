import { randomUUID } from 'node:crypto'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { deriveKey } from '@brandwave/core'
import { isoAt } from '../clock.js'
import { createPat, loginAdmin, signUp, type TestUser } from '@brandwave/testing/actors'
import { testDatabaseKinds } from '@brandwave/testing/databases'
import { rawRequest } from '@brandwave/testing/http'
import { startTestServer, TEST_SECRET, type TestServer } from '@brandwave/testing/server'
import { requestFingerprint } from './idempotency.js'

const PATH = '/v1/personal-access-tokens'
const NARROW = ['personal_access_tokens:read']

describe.each(testDatabaseKinds)('Idempotency-Key (%s)', (kind) => {
  let server: TestServer
  let admin: TestUser

  beforeAll(async () => {
    server = await startTestServer(kind, { env: { BRANDWAVE_SECRET: TEST_SECRET, BRANDWAVE_LOGIN_FAILURES_PER_ACCOUNT: '2' } })
    admin = await loginAdmin(server)
  })

  const fingerprintKey = deriveKey(Buffer.from(TEST_SECRET), 'idempotency-fingerprint/v1')
  // Session principals are scoped to their session (the `sid` claim of the access token).
  const principalKey = () => `session:${JSON.parse(Buffer.from(admin.accessToken.split('.')[1]!, 'base64url').toString()).sid}`
  afterAll(() => server?.close())

  // Tokens without admin scopes: those with them need the password in the request (step-up), which is not what this suite is about.
  const create = (key: string, body: Record<string, unknown> = { name: 'idempotent' }, token = admin.accessToken) =>
    server.request('POST', PATH, { token, body: { scopes: NARROW, ...body }, headers: { 'idempotency-key': key } })
  const countNamed = async (name: string, token = admin.accessToken) =>
    (await server.request('GET', `${PATH}?search=${encodeURIComponent(name)}&limit=100`, { token })).body.items.filter((t: { name: string }) => t.name === name).length

  it('replays the first response — the same secret — and changes nothing', async () => {
    const key = randomUUID()
    const first = await create(key, { name: 'replayed' })
    expect(first.status).toBe(201)
    expect(first.headers.get('idempotent-replayed')).toBeNull()
    const second = await create(key, { name: 'replayed' })
    expect(second.status).toBe(201)
    expect(second.headers.get('idempotent-replayed')).toBe('true')
    expect(second.body).toEqual(first.body)
    expect(second.body.data.token).toBe(first.body.data.token)
    expect(await countNamed('replayed')).toBe(1)
  })

  it('a body with its keys in another order is the same request', async () => {
    const key = randomUUID()
    await create(key, { name: 'ordered', environment: 'test' })
    const again = await server.request('POST', PATH, { token: admin.accessToken, body: `{"environment":"test","name":"ordered","scopes":${JSON.stringify(NARROW)}}`, headers: { 'idempotency-key': key } })
    expect(again.headers.get('idempotent-replayed')).toBe('true')
  })

  it('422 for the same key with another body, path or method', async () => {
    const key = randomUUID()
    const pat = (await create(key, { name: 'original' })).body.data
    const otherBody = await create(key, { name: 'different' })
    expect(otherBody.status).toBe(422)
    expect(otherBody.body.error.code).toBe('idempotency_key_reused')
    const otherPath = await server.request('POST', `${PATH}/${pat.id}/rotate`, { token: admin.accessToken, headers: { 'idempotency-key': key } })
    expect(otherPath.status).toBe(422)
    const otherMethod = await server.request('PATCH', `${PATH}/${pat.id}`, { token: admin.accessToken, body: { name: 'original' }, headers: { 'idempotency-key': key } })
    expect(otherMethod.status).toBe(422)
    expect(await countNamed('different')).toBe(0)
  })

  it('the same operation under /api/v1 is the same request', async () => {
    const key = randomUUID()
    const first = await create(key, { name: 'aliased' })
    const alias = await server.request('POST', '/api/v1/personal-access-tokens', { token: admin.accessToken, body: { scopes: NARROW, name: 'aliased' }, headers: { 'idempotency-key': key } })
    expect(alias.headers.get('idempotent-replayed')).toBe('true')
    expect(alias.body.data.token).toBe(first.body.data.token)
  })

  it('409 idempotency_in_progress while the first request still runs', async () => {
    const key = randomUUID()
    const now = isoAt(server.clock.now())
    const body = { scopes: NARROW, name: 'in flight' }
    await server.running.database.db
      .insertInto('idempotency_keys')
      .values({
        principal_key: principalKey(),
        key,
        request_hash: requestFingerprint(fingerprintKey, { method: 'POST', operationId: 'createPersonalAccessToken', params: {}, body }),
        state: 'in_progress',
        owner: 'the first request',
        status: null,
        response: null,
        created_at: now,
        locked_at: now,
        expires_at: isoAt(server.clock.now() + 3600_000),
        session_id: null,
      })
      .execute()
    const response = await create(key, body)
    expect(response.status).toBe(409)
    expect(response.body.error.code).toBe('idempotency_in_progress')
    expect(await countNamed('in flight')).toBe(0)
  })

  it('eight concurrent identical requests create exactly one token', async () => {
    const key = randomUUID()
    const responses = await Promise.all(Array.from({ length: 8 }, () => create(key, { name: 'concurrent' })))
    for (const response of responses) expect([201, 409]).toContain(response.status)
    expect(responses.filter((r) => r.status === 201 && r.headers.get('idempotent-replayed') === null)).toHaveLength(1)
    const conflicts = responses.filter((r) => r.status === 409)
    for (const conflict of conflicts) expect(conflict.body.error.code).toBe('idempotency_in_progress')
    const tokens = new Set(responses.filter((r) => r.status === 201).map((r) => r.body.data.token))
    expect(tokens.size).toBe(1)
    expect(await countNamed('concurrent')).toBe(1)
  })

  it('4xx responses are kept and replayed; 5xx responses are not, so a retry runs', async () => {
    const key = randomUUID()
    const invalid = { name: 'x', expiresAt: '2000-01-01T00:00:00Z' }
    expect((await create(key, invalid)).status).toBe(400)
    const replayed = await create(key, invalid)
    expect(replayed.status).toBe(400)
    expect(replayed.headers.get('idempotent-replayed')).toBe('true')

    const db = server.running.database.db
    await sql`create trigger refuse_credentials before insert on credentials begin select raise(fail, 'simulated outage'); end`.execute(db).catch(async () => {
      // PostgreSQL: a trigger function instead.
      await sql`create function refuse_credentials() returns trigger language plpgsql as $$ begin raise exception 'simulated outage'; end $$`.execute(db)
      await sql`create trigger refuse_credentials before insert on credentials for each row execute function refuse_credentials()`.execute(db)
    })
    const retryKey = randomUUID()
    try {
      const failed = await create(retryKey, { name: 'after outage' })
      expect(failed.status).toBe(500)
      expect(failed.body.error.code).toBe('internal_error')
    } finally {
      if (kind === 'sqlite') await sql`drop trigger refuse_credentials`.execute(db)
      else {
        await sql`drop trigger refuse_credentials on credentials`.execute(db)
        await sql`drop function refuse_credentials`.execute(db)
      }
    }
    const retried = await create(retryKey, { name: 'after outage' })
    expect(retried.status).toBe(201)
    expect(retried.headers.get('idempotent-replayed')).toBeNull()
  })

  it('is scoped to the calling principal', async () => {
    const key = randomUUID()
    const other = await signUp(server, 'Scoped')
    const mine = await create(key, { name: 'scoped' })
    const theirs = await create(key, { name: 'scoped' }, other.accessToken)
    expect(theirs.status).toBe(201)
    expect(theirs.headers.get('idempotent-replayed')).toBeNull()
    expect(theirs.body.data.token).not.toBe(mine.body.data.token)
  })

  it('without a credential, a retry of the same request replays: a lost refresh response does not end the session', async () => {
    const session = await loginAdmin(server)
    const refresh = (key: string, refreshToken: string) =>
      server.request('POST', '/v1/auth/refresh', { body: { refreshToken }, headers: { 'idempotency-key': key } })
    const key = randomUUID()
    const first = await refresh(key, session.refreshToken)
    expect(first.status).toBe(200)
    // The response was lost; the client retries with the same key and the same, now used, token.
    const retry = await refresh(key, session.refreshToken)
    expect(retry.status).toBe(200)
    expect(retry.headers.get('idempotent-replayed')).toBe('true')
    expect(retry.body).toEqual(first.body)
    expect((await server.request('GET', '/v1/me', { token: retry.body.data.accessToken })).status).toBe(200)
    expect((await refresh(randomUUID(), retry.body.data.refreshToken)).status).toBe(200)

    // Without the key, presenting the used token is reuse, and ends the session.
    const reuse = await server.request('POST', '/v1/auth/refresh', { body: { refreshToken: session.refreshToken } })
    expect(reuse.status).toBe(401)
  })

  it('without a credential, the request is the scope: another body with the same key runs for itself; the window is one minute', async () => {
    const key = randomUUID()
    const signup = (email: string) =>
      server.request('POST', '/v1/auth/signup', { body: { email, password: 'a long enough passphrase', name: 'Retry', organizationName: 'Retry Inc' }, headers: { 'idempotency-key': key } })
    const first = await signup('retry@example.com')
    expect(first.status).toBe(201)
    const retry = await signup('retry@example.com')
    expect(retry.status).toBe(201)
    expect(retry.body.data).toEqual(first.body.data)
    // Someone else who happens to use the same key is not told it exists (no 422).
    const stranger = await signup('stranger@example.com')
    expect(stranger.status).toBe(201)
    expect(stranger.headers.get('idempotent-replayed')).toBeNull()

    // Replayed once: the next identical request runs for real (the address is taken by now).
    expect((await signup('retry@example.com')).status).toBe(409)
  })

  it('replays revocations, rotations and the Account API tokens delete (204)', async () => {
    const pat = await createPat(server, admin, { scopes: NARROW })
    const key = randomUUID()
    const rotate = () => server.request('POST', `${PATH}/${pat.id}/rotate`, { token: admin.accessToken, headers: { 'idempotency-key': key } })
    const first = await rotate()
    const second = await rotate()
    expect(second.status).toBe(201)
    expect(second.headers.get('idempotent-replayed')).toBe('true')
    expect(second.body.data.token).toBe(first.body.data.token)

    const apiKey = await server.request('POST', '/v1/api-keys', { token: admin.accessToken, body: { name: 'account token', scopes: ['api_keys:read'] } })
    const seq = (await server.request('GET', '/api/accounts/1/api_tokens', { token: admin.accessToken })).body.find((t: { name: string }) => t.name === 'account token').id
    const deleteKey = randomUUID()
    const remove = () => server.request('DELETE', `/api/accounts/1/api_tokens/${seq}`, { token: admin.accessToken, headers: { 'idempotency-key': deleteKey } })
    expect((await remove()).status).toBe(204)
    const again = await remove()
    expect(again.status).toBe(204)
    expect(again.headers.get('idempotent-replayed')).toBe('true')
    expect(again.text).toBe('')
    expect(apiKey.status).toBe(201)
  })

  it('stores responses sealed, and the sweep purges them when the 24-hour window ends', async () => {
    const key = randomUUID()
    // A PAT: the session's 15-minute access token would not outlive the jump in time.
    const bearer = (await createPat(server, admin)).token
    const first = await create(key, { name: 'swept' }, bearer)
    const db = server.running.database.db
    const row = await db.selectFrom('idempotency_keys').selectAll().where('key', '=', key).executeTakeFirstOrThrow()
    expect(row.response).not.toContain(first.body.data.token)
    expect(row.response).not.toContain('swept')

    server.clock.advance(24 * 3600 * 1000)
    try {
      expect(await server.running.app.idempotency.sweep()).toBeGreaterThanOrEqual(1)
      expect(await db.selectFrom('idempotency_keys').selectAll().where('key', '=', key).executeTakeFirst()).toBeUndefined()
      const fresh = await create(key, { name: 'swept' }, bearer)
      expect(fresh.status).toBe(201)
      expect(fresh.headers.get('idempotent-replayed')).toBeNull()
      expect(fresh.body.data.token).not.toBe(first.body.data.token)
    } finally {
      server.clock.advance(-24 * 3600 * 1000)
    }
  })

  it('takes over a claim abandoned by a crashed request', async () => {
    const key = randomUUID()
    const stale = isoAt(server.clock.now() - 120_000)
    await server.running.database.db
      .insertInto('idempotency_keys')
      .values({ principal_key: principalKey(), key, request_hash: 'x', state: 'in_progress', owner: 'a dead process', status: null, response: null, created_at: stale, locked_at: stale, expires_at: isoAt(server.clock.now() + 3600_000), session_id: null })
      .execute()
    expect((await create(key, { name: 'rescued' })).status).toBe(201)
    // The dead process's late completion could not overwrite the new owner's result.
    const row = await server.running.database.db.selectFrom('idempotency_keys').selectAll().where('key', '=', key).executeTakeFirstOrThrow()
    expect(row).toMatchObject({ state: 'completed', status: 201 })
    expect(row.owner).not.toBe('a dead process')
  })

  it('keeps no 429 (a retry must run for real) and fingerprints requests with a key, not a bare hash', async () => {
    const user = await signUp(server, 'Fingerprinted')
    const change = (key: string, currentPassword: string) =>
      server.request('POST', '/v1/auth/password', { token: user.accessToken, body: { currentPassword, newPassword: 'a brand new passphrase' }, headers: { 'idempotency-key': key } })
    const wrongKey = randomUUID()
    expect((await change(wrongKey, 'guess one')).status).toBe(401)
    const db = server.running.database.db
    const stored = await db.selectFrom('idempotency_keys').selectAll().where('key', '=', wrongKey).executeTakeFirstOrThrow()
    const bareHash = createHash('sha256').update(`POST\n/v1/auth/password\n{"currentPassword":"guess one","newPassword":"a brand new passphrase"}`).digest('base64url')
    expect(stored.request_hash).not.toBe(bareHash)
    expect(stored.request_hash).toBe(
      requestFingerprint(fingerprintKey, { method: 'POST', operationId: 'changePassword', params: {}, body: { currentPassword: 'guess one', newPassword: 'a brand new passphrase' } }),
    )

    await change(randomUUID(), 'guess two')
    const throttledKey = randomUUID()
    const throttled = await change(throttledKey, user.password)
    expect(throttled.status).toBe(429)
    expect(await db.selectFrom('idempotency_keys').selectAll().where('key', '=', throttledKey).executeTakeFirst()).toBeUndefined()
  })

  it('400 for an Idempotency-Key header sent twice', async () => {
    const body = JSON.stringify({ name: 'twice' })
    const response = await rawRequest(
      server.url,
      `POST /v1/personal-access-tokens HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${admin.accessToken}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nIdempotency-Key: a\r\nIdempotency-Key: b\r\nConnection: close\r\n\r\n${body}`,
    )
    expect(response.status).toBe(400)
    expect(JSON.parse(response.body).error.details[0].field).toBe('Idempotency-Key')
  })

  it('400 for a malformed key', async () => {
    for (const key of ['x'.repeat(256), 'clé', 'tab\there']) {
      const response = await server.request('POST', PATH, { token: admin.accessToken, body: { name: 'x' }, headers: { 'idempotency-key': key } })
      expect(response.status, key).toBe(400)
      expect(response.body.error.details[0].field).toBe('Idempotency-Key')
    }
  })
})
