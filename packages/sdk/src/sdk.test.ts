import { generate } from 'otplib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loginAdmin, signUp, type TestUser } from '@brandwave/testing/actors'
import { ADMIN_EMAIL, ADMIN_PASSWORD, startTestServer, type TestServer } from '@brandwave/testing/server'
import {
  Brandwave,
  BrandwaveAuthenticationError,
  BrandwaveConflictError,
  BrandwaveConnectionError,
  BrandwaveError,
  BrandwaveNotFoundError,
  BrandwavePermissionError,
  BrandwaveRateLimitError,
  BrandwaveServerError,
  BrandwaveValidationError,
  type TokenPair,
} from './index.js'
import { TestProxy } from '@brandwave/testing/proxy'

describe('@brandwave/sdk against a real server', () => {
  let server: TestServer
  let admin: TestUser
  let bw: Brandwave

  beforeAll(async () => {
    server = await startTestServer('sqlite', { env: { BRANDWAVE_RESOURCES: 'contacts', BRANDWAVE_LOGIN_FAILURES_PER_IP: '1000' } })
    admin = await loginAdmin(server)
    const pat = await server.request('POST', '/v1/personal-access-tokens', { token: admin.accessToken, body: { currentPassword: admin.password, name: 'sdk' } })
    bw = new Brandwave({ token: pat.body.data.token, baseUrl: server.url })
  })
  afterAll(() => server?.close())

  it('personal access tokens: create, list, rotate, revoke and the rest, resolving to the documented bodies', async () => {
    const { data } = await bw.personalAccessTokens.create({ name: 'My Campaign' })
    expect(data).toMatchObject({ name: 'My Campaign', type: 'personal_access_token', status: 'active' })
    expect(data.token).toMatch(/^bw_live_/)

    const list = await bw.personalAccessTokens.list()
    expect(list.items.map((t) => t.id)).toContain(data.id)
    expect(list).toMatchObject({ totalCount: expect.any(Number), facets: { status: expect.any(Object) }, meta: { request_id: expect.any(String) } })

    expect((await bw.personalAccessTokens.get({ id: data.id })).data.name).toBe('My Campaign')
    expect((await bw.personalAccessTokens.update({ id: data.id, name: 'Renamed', rateLimit: { requestsPerMinute: 30 } })).data).toMatchObject({ name: 'Renamed', rateLimit: { requestsPerMinute: 30 } })
    const rotated = await bw.personalAccessTokens.rotate({ id: data.id, gracePeriodSeconds: 60 })
    expect(rotated.data.token).not.toBe(data.token)
    expect((await bw.personalAccessTokens.revoke({ id: rotated.data.id })).data.status).toBe('revoked')
  })

  it('listAll walks every page', async () => {
    const user = await signUp(server, 'Pager')
    const client = new Brandwave({ token: user.accessToken, baseUrl: server.url })
    for (let i = 0; i < 23; i++) await client.personalAccessTokens.create({ name: `page ${i}`, environment: i % 2 === 0 ? 'live' : 'test', currentPassword: user.password })
    const names: string[] = []
    for await (const token of client.personalAccessTokens.listAll({ limit: 5 })) names.push(token.name)
    expect(names).toHaveLength(23)
    expect(new Set(names).size).toBe(23)
    const tests: string[] = []
    for await (const token of client.personalAccessTokens.listAll({ environment: 'test', limit: 4 })) tests.push(token.name)
    expect(tests).toHaveLength(11)
  })

  it('API keys, verification, members, scopes, audit logs and /me', async () => {
    const session = new Brandwave({ token: admin.accessToken, baseUrl: server.url })
    const { data: key } = await session.apiKeys.create({ name: 'Gateway', scopes: ['api_keys:workflow', 'contacts:read'] })
    const gateway = new Brandwave({ token: key.token, baseUrl: server.url })
    expect((await gateway.me()).data).toMatchObject({ type: 'api_key', keyName: 'Gateway' })
    const verified = await gateway.keys.verify({ key: key.token, requiredScopes: ['contacts:read'] })
    expect(verified.data).toMatchObject({ valid: true, code: 'VALID' })
    expect((await session.apiKeys.list({ search: 'Gateway' })).items.map((k) => k.id)).toContain(key.id)
    expect((await session.apiKeys.rotate({ id: key.id })).data.name).toBe('Gateway')

    const invited = await session.invitations.create({ email: 'joiner@example.com', role: 'member' })
    expect((await session.invitations.list()).items.map((i) => i.id)).toContain(invited.data.id)
    const invitationToken = new URL(invited.data.acceptUrl).hash.slice('#token='.length)
    const joined = await new Brandwave({ baseUrl: server.url }).auth.signup({ email: 'joiner@example.com', password: 'a long enough passphrase', name: 'Joiner', invitationToken })
    expect(joined.data).toMatchObject({ role: 'member', organization: { id: admin.organizationId } })
    const newcomer = { userId: joined.data.user.id }
    expect((await session.invitations.list()).items).toHaveLength(0)
    expect((await session.members.changeRole({ userId: newcomer.userId, role: 'company_admin' })).data.role).toBe('company_admin')
    expect((await session.members.list({ role: 'company_admin' })).items.map((m) => m.userId)).toContain(newcomer.userId)
    expect((await session.members.remove({ userId: newcomer.userId })).data.userId).toBe(newcomer.userId)

    expect((await session.scopes.list()).items.map((s) => s.scope)).toContain('contacts:read')
    expect((await session.auditLogs.list({ action: 'member.removed' })).items[0]?.target?.id).toBe(newcomer.userId)
  })

  it('sessions: login adopts the pair, refresh rotates it, logout forgets it, signup and password change work', async () => {
    const seen: TokenPair[] = []
    const client = new Brandwave({ baseUrl: server.url, onTokens: (pair) => void seen.push(pair) })
    await client.auth.login({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD })
    expect(seen).toHaveLength(1)
    expect((await client.me()).data).toMatchObject({ type: 'session', email: ADMIN_EMAIL })
    await client.auth.refresh({ refreshToken: seen[0]!.refreshToken })
    expect(seen).toHaveLength(2)
    await client.auth.logout()
    await expect(client.me()).rejects.toBeInstanceOf(BrandwaveAuthenticationError)

    // Once the access token has expired, logout still ends the session (with the refresh token).
    const lapsed = new Brandwave({ baseUrl: server.url })
    const pair = (await lapsed.auth.login({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD })).data
    server.clock.advance(16 * 60_000)
    try {
      await lapsed.auth.logout()
      const again = await server.request('POST', '/v1/auth/refresh', { body: { refreshToken: pair.refreshToken } })
      expect(again.status).toBe(401)
    } finally {
      server.clock.advance(-16 * 60_000)
    }

    const fresh = new Brandwave({ baseUrl: server.url })
    const created = await fresh.auth.signup({ email: 'sdk-user@example.com', password: 'a long enough passphrase', name: 'SDK', organizationName: 'SDK Inc' })
    expect(created.data.role).toBe('company_admin')
    await fresh.auth.login({ email: 'sdk-user@example.com', password: 'a long enough passphrase' })
    expect((await fresh.auth.changePassword({ currentPassword: 'a long enough passphrase', newPassword: 'another long passphrase' })).data.endedSessions).toBe(0)
    // Step-up: the proof goes in the request; a wrong one is the caller's to fix, not a lost session.
    const missing = await fresh.auth.twoFactor.setup({}).catch((error: unknown) => error)
    expect(missing).toBeInstanceOf(BrandwaveError)
    expect(missing).toMatchObject({ status: 403, code: 'forbidden', details: [{ reason: 'STEP_UP_REQUIRED' }] })
    const wrong = await fresh.auth.twoFactor.setup({ currentPassword: 'not the password' }).catch((error: unknown) => error)
    expect(wrong).toMatchObject({ status: 401, code: 'invalid_credentials', details: [{ reason: 'WRONG_PASSWORD' }] })
    expect((await fresh.me()).data.type).toBe('session')
    const { data: setup } = await fresh.auth.twoFactor.setup({ currentPassword: 'another long passphrase' })
    const code = await generate({ secret: setup.secret, epoch: Math.floor(server.clock.now() / 1000) })
    const { data: enabled } = await fresh.auth.twoFactor.enable({ code, currentPassword: 'another long passphrase' })
    expect(enabled.recoveryCodes).toHaveLength(10)
    const { data: renewed } = await fresh.auth.twoFactor.regenerateRecoveryCodes({ twoFactorCode: enabled.recoveryCodes[0]! })
    expect(renewed.recoveryCodes).toHaveLength(10)
    expect(renewed.recoveryCodes).not.toContain(enabled.recoveryCodes[1])
  })

  it('browser sessions: the refresh token stays in the cookie; an expired access token is renewed through it', async () => {
    // A browser's cookie jar and Origin header, which Node's fetch does not have.
    let jar = ''
    const browserFetch: typeof fetch = async (input, init) => {
      const headers = new Headers(init?.headers)
      headers.set('origin', server.url)
      if (jar !== '') headers.set('cookie', jar)
      const response = await fetch(input, { ...init, headers })
      const cookie = response.headers.getSetCookie().find((line) => line.startsWith('brandwave_refresh='))
      if (cookie !== undefined) jar = cookie.split(';', 1)[0] ?? ''
      return response
    }
    const seen: TokenPair[] = []
    const client = new Brandwave({ baseUrl: server.url, sessionCookie: true, fetch: browserFetch, onTokens: (pair) => void seen.push(pair) })
    const started = await client.auth.browserSession.start({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD })
    expect(started.data).not.toHaveProperty('refreshToken')
    expect(jar).toMatch(/^brandwave_refresh=bw_rt_/)
    const firstCookie = jar
    server.clock.advance(16 * 60_000)
    try {
      expect((await client.me()).data.type).toBe('session')
      expect(jar).not.toBe(firstCookie)
      // Nothing for the page to store: the pair never passes through page code.
      expect(seen).toEqual([])
      await client.auth.browserSession.end()
      await expect(client.auth.browserSession.resume()).rejects.toBeInstanceOf(BrandwaveAuthenticationError)
    } finally {
      server.clock.advance(-16 * 60_000)
    }
  })

  it('refreshes an expired session once, transparently, and reports the new pair', async () => {
    const pairs: TokenPair[] = []
    const client = new Brandwave({ baseUrl: server.url, onTokens: (pair) => void pairs.push(pair) })
    await client.auth.login({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD })
    server.clock.advance(16 * 60_000)
    try {
      expect((await client.me()).data.type).toBe('session')
      expect(pairs).toHaveLength(2)
      expect(pairs[1]!.accessToken).not.toBe(pairs[0]!.accessToken)
      // A dead refresh token: the 401 comes through, once.
      await client.auth.logout()
      const stale = new Brandwave({ baseUrl: server.url, token: pairs[1]!.accessToken, refreshToken: pairs[1]!.refreshToken })
      await expect(stale.me()).rejects.toBeInstanceOf(BrandwaveAuthenticationError)
    } finally {
      server.clock.advance(-16 * 60_000)
    }
  })

  it('throws a typed error for each family, with status, code, requestId and details', async () => {
    const narrow = new Brandwave({ token: (await bw.personalAccessTokens.create({ name: 'narrow', scopes: ['personal_access_tokens:read'] })).data.token, baseUrl: server.url })
    const cases: Array<[() => Promise<unknown>, typeof BrandwaveError, number, string]> = [
      [() => bw.personalAccessTokens.create({ name: '' }), BrandwaveValidationError, 400, 'validation_failed'],
      [() => new Brandwave({ token: 'bw_live_nope', baseUrl: server.url }).me(), BrandwaveAuthenticationError, 401, 'unauthorized'],
      [() => narrow.apiKeys.list(), BrandwavePermissionError, 403, 'insufficient_scope'],
      [() => bw.personalAccessTokens.get({ id: '01936f0e-8a5e-7cc2-9d2b-3f4e5a6b7c8d' }), BrandwaveNotFoundError, 404, 'not_found'],
    ]
    for (const [call, ErrorClass, status, code] of cases) {
      const error = await call().then(() => null, (e: unknown) => e)
      expect(error).toBeInstanceOf(ErrorClass)
      expect(error).toBeInstanceOf(BrandwaveError)
      expect(error).toMatchObject({ status, code, requestId: expect.stringMatching(/^req_/) })
    }
    const invalid = await bw.personalAccessTokens.create({ name: '' }).then(() => null, (e: unknown) => e)
    expect(invalid).toBeInstanceOf(BrandwaveValidationError)
    expect((invalid as BrandwaveValidationError).details[0]?.field).toBe('/name')

    const { data } = await bw.personalAccessTokens.create({ name: 'twice' })
    await bw.personalAccessTokens.rotate({ id: data.id })
    await expect(bw.personalAccessTokens.rotate({ id: data.id })).rejects.toBeInstanceOf(BrandwaveConflictError)

    const reused = await bw.personalAccessTokens.create({ name: 'a' }, { idempotencyKey: 'fixed-key-1' }).then(() => bw.personalAccessTokens.create({ name: 'b' }, { idempotencyKey: 'fixed-key-1' })).catch((e: BrandwaveError) => e)
    expect(reused).toMatchObject({ status: 422, code: 'idempotency_key_reused' })

    const unreachable = await new Brandwave({ baseUrl: 'http://127.0.0.1:1', maxRetries: 0 }).me().catch((e: unknown) => e)
    expect(unreachable).toBeInstanceOf(BrandwaveConnectionError)
    expect(unreachable).toMatchObject({ status: 0, code: 'connection_failed' })
  })

  it('429: BrandwaveRateLimitError with retryAfterSeconds once retries are exhausted', async () => {
    const { data } = await bw.apiKeys.create({ name: 'limited', scopes: ['api_keys:read'], rateLimit: { requestsPerMinute: 1 } })
    const limited = new Brandwave({ token: data.token, baseUrl: server.url, maxRetryDelayMs: 100 })
    await limited.me()
    const error = await limited.me().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BrandwaveRateLimitError)
    expect((error as BrandwaveRateLimitError).retryAfterSeconds).toBeGreaterThan(0)
  })

  describe('retries', () => {
    /** A proxy that forwards the first POST but drops its response, as a flaky network would. */
    const losingFirstPostResponse = (): TestProxy => {
      let dropped = false
      return new TestProxy(server.url, (request) => {
        if (request.method === 'POST' && !dropped) {
          dropped = true
          return 'drop-response'
        }
        return 'pass'
      })
    }

    it('a create whose response was lost is retried with the same Idempotency-Key: one token, the same secret', async () => {
      const proxy = losingFirstPostResponse()
      const url = await proxy.start()
      try {
        const client = new Brandwave({ token: admin.accessToken, baseUrl: url })
        const { data } = await client.personalAccessTokens.create({ name: 'survived a dropped response', currentPassword: admin.password })
        expect(proxy.seen).toHaveLength(2)
        expect(proxy.seen[0]!.idempotencyKey).toBeDefined()
        expect(proxy.seen[1]!.idempotencyKey).toBe(proxy.seen[0]!.idempotencyKey)
        const all = await client.personalAccessTokens.list({ search: 'survived a dropped response' })
        expect(all.totalCount).toBe(1)
        expect(all.items[0]!.id).toBe(data.id)
      } finally {
        await proxy.stop()
      }
    })

    it('a key that rotates itself and loses the response gets its successor on the retry, not a revoked family', async () => {
      const { data: key } = await bw.apiKeys.create({ name: 'rotates itself', scopes: ['api_keys:read', 'api_keys:workflow'] })
      const proxy = losingFirstPostResponse()
      const url = await proxy.start()
      try {
        const { data: successor } = await new Brandwave({ token: key.token, baseUrl: url }).apiKeys.rotate({ id: key.id })
        expect(proxy.seen).toHaveLength(2)
        const { data: me } = await new Brandwave({ token: successor.token, baseUrl: server.url }).me()
        expect(me).toMatchObject({ type: 'api_key', keyId: successor.id })
        await expect(new Brandwave({ token: key.token, baseUrl: server.url }).me()).rejects.toMatchObject({ status: 401 })
      } finally {
        await proxy.stop()
      }
    })

    it('a verification is a read: retried without an Idempotency-Key, it checks the key again', async () => {
      const { data: gatewayKey } = await bw.apiKeys.create({ name: 'gateway for retries', scopes: ['api_keys:workflow'] })
      const { data: key } = await bw.apiKeys.create({ name: 'verified on retry', scopes: ['api_keys:read'] })
      const proxy = losingFirstPostResponse()
      const url = await proxy.start()
      try {
        const gateway = new Brandwave({ token: gatewayKey.token, baseUrl: url })
        const { data } = await gateway.keys.verify({ key: key.token })
        expect(data).toMatchObject({ valid: true, code: 'VALID' })
        expect(proxy.seen).toHaveLength(2)
        expect(proxy.seen.map((request) => request.idempotencyKey)).toEqual([undefined, undefined])
      } finally {
        await proxy.stop()
      }
    })

    it('honours Retry-After on 429 and backs off on 5xx, a bounded number of times', async () => {
      const proxy = new TestProxy(server.url, (_request, index) => {
        if (index === 0) return { status: 429, headers: { 'retry-after': '1' }, body: '{"error":{"code":"rate_limited","message":"slow","details":[]},"meta":{"request_id":"req_x"}}' }
        if (index === 1) return { status: 503, body: '<html>bad gateway</html>' }
        return 'pass'
      })
      const url = await proxy.start()
      try {
        const started = Date.now()
        const { data } = await new Brandwave({ token: admin.accessToken, baseUrl: url }).me()
        expect(data.type).toBe('session')
        expect(Date.now() - started).toBeGreaterThanOrEqual(1000)
        expect(proxy.seen).toHaveLength(3)
      } finally {
        await proxy.stop()
      }

      const failing = new TestProxy(server.url, () => ({ status: 502 }))
      const failingUrl = await failing.start()
      try {
        const error = await new Brandwave({ token: admin.accessToken, baseUrl: failingUrl, maxRetries: 2 }).me().catch((e: unknown) => e)
        expect(error).toBeInstanceOf(BrandwaveServerError)
        expect(failing.seen).toHaveLength(3)
      } finally {
        await failing.stop()
      }
    })

    it('never retries anything else', async () => {
      const proxy = new TestProxy(server.url, () => 'pass')
      const url = await proxy.start()
      try {
        const client = new Brandwave({ token: admin.accessToken, baseUrl: url })
        await client.personalAccessTokens.create({ name: '' }).catch(() => undefined)
        await client.personalAccessTokens.get({ id: '01936f0e-8a5e-7cc2-9d2b-3f4e5a6b7c8d' }).catch(() => undefined)
        expect(proxy.seen).toHaveLength(2)
      } finally {
        await proxy.stop()
      }
    })
  })
})
