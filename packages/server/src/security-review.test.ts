import { randomUUID } from 'node:crypto'
import { generate } from 'otplib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiKey, createPat, joinOrganization, login, loginAdmin, signUp, type TestUser } from '@brandwave/testing/actors'
import { testDatabaseKinds } from '@brandwave/testing/databases'
import { startTestServer, type TestServer } from '@brandwave/testing/server'

/*
 * Regression tests for holes found by trying the product as an attacker would, over real
 * HTTP. Each `describe` names the rule that closes one of them.
 */


describe.each(testDatabaseKinds)('security review (%s)', (kind) => {
  let server: TestServer
  let admin: TestUser

  beforeAll(async () => {
    server = await startTestServer(kind, { env: { BRANDWAVE_RESOURCES: 'contacts', TRUST_PROXY: 'true' } })
    admin = await loginAdmin(server)
  })
  afterAll(() => server?.close())

  const from = (ip: string) => ({ 'x-forwarded-for': ip })

  describe('a caller may change a credential only if it could have created the result', () => {
    it('a narrow API key cannot lift the allowlist or raise the limit of a stronger one', async () => {
      const strong = await createApiKey(server, admin.accessToken, {
        name: 'strong',
        scopes: ['api_keys:read', 'api_keys:write', 'contacts:write'],
        allowedIps: ['203.0.113.10'],
        rateLimit: { requestsPerMinute: 10 },
      })
      const narrow = await createApiKey(server, admin.accessToken, { name: 'narrow', scopes: ['api_keys:read', 'api_keys:write'] })
      const attempt = await server.request('PATCH', `/v1/api-keys/${strong.id}`, { token: narrow.token, body: { allowedIps: null, rateLimit: { requestsPerMinute: 1000 } } })
      expect(attempt.status).toBe(403)
      // Still bound to its address and limit: refused from anywhere else.
      expect((await server.request('GET', '/v1/me', { token: strong.token, headers: from('198.51.100.1') })).status).toBe(401)
      const record = await server.request('GET', `/v1/api-keys/${strong.id}`, { token: admin.accessToken })
      expect(record.body.data).toMatchObject({ allowedIps: ['203.0.113.10/32'], rateLimit: { requestsPerMinute: 10 } })
      // Even a rename: the narrow key could never have made this one.
      expect((await server.request('PATCH', `/v1/api-keys/${strong.id}`, { token: narrow.token, body: { name: 'renamed' } })).status).toBe(403)
    })

    it('lifting a restriction counts as widening for a restricted caller, too', async () => {
      const restricted = await createApiKey(server, admin.accessToken, { name: 'restricted', scopes: ['api_keys:read', 'api_keys:write'], allowedIps: ['127.0.0.0/8'] })
      const sibling = await createApiKey(server, admin.accessToken, { name: 'sibling', scopes: ['api_keys:read'], allowedIps: ['127.0.0.1'] })
      expect((await server.request('PATCH', `/v1/api-keys/${sibling.id}`, { token: restricted.token, body: { allowedIps: null } })).status).toBe(403)
      expect((await server.request('PATCH', `/v1/api-keys/${sibling.id}`, { token: restricted.token, body: { allowedIps: ['127.0.0.2'] } })).status).toBe(200)
    })

    it('the same for personal access tokens: a scoped PAT cannot loosen its owner’s unscoped one', async () => {
      const wide = await createPat(server, admin, { name: 'wide', allowedIps: ['203.0.113.10'] })
      const narrow = await createPat(server, admin, { name: 'narrow', scopes: ['personal_access_tokens:read', 'personal_access_tokens:write'] })
      expect((await server.request('PATCH', `/v1/personal-access-tokens/${wide.id}`, { token: narrow.token, body: { allowedIps: null } })).status).toBe(403)
      // The owner's session holds the role's every permission: it may.
      expect((await server.request('PATCH', `/v1/personal-access-tokens/${wide.id}`, { token: admin.accessToken, body: { allowedIps: null } })).status).toBe(200)
    })
  })

  describe('enrolling two-factor authentication needs the current password in the request, however recent the sign-in', () => {
    it('a session signed in a second ago must still confirm the password; a wrong one changes nothing', async () => {
      const user = await signUp(server, 'Enrolling')
      const bare = await server.request('POST', '/v1/auth/2fa/setup', { token: user.accessToken })
      expect(bare.status).toBe(403)
      expect(bare.body.error.details[0]).toMatchObject({ field: '/currentPassword', reason: 'STEP_UP_REQUIRED' })
      const wrong = await server.request('POST', '/v1/auth/2fa/setup', { token: user.accessToken, body: { currentPassword: 'not my password' } })
      expect(wrong.status).toBe(401)
      expect(wrong.body.error).toMatchObject({ code: 'invalid_credentials', details: [{ field: '/currentPassword', reason: 'WRONG_PASSWORD' }] })
      const setup = await server.request('POST', '/v1/auth/2fa/setup', { token: user.accessToken, body: { currentPassword: user.password } })
      expect(setup.status).toBe(200)
      const code = await generate({ secret: setup.body.data.secret, epoch: Math.floor(server.clock.now() / 1000) })
      const unconfirmed = await server.request('POST', '/v1/auth/2fa/enable', { token: user.accessToken, body: { code } })
      expect(unconfirmed.status).toBe(403)
      expect(unconfirmed.body.error.details[0].reason).toBe('STEP_UP_REQUIRED')
      const me = await server.request('GET', '/v1/me', { token: user.accessToken })
      expect(me.body.data.twoFactorEnabled).toBe(false)
      const enabled = await server.request('POST', '/v1/auth/2fa/enable', { token: user.accessToken, body: { code, currentPassword: user.password } })
      expect(enabled.status).toBe(200)
      expect(enabled.body.data.recoveryCodes).toHaveLength(10)
    })
  })

  describe('token-shaped text in a URL costs linear time', () => {
    it('a query string of repeated "eyJ" is answered, and refused only when it looks like a credential', async () => {
      const hostile = await server.request('GET', `/healthz?x=${'eyJ'.repeat(5300)}`)
      expect(hostile.status).toBe(200)
      const jwtShaped = await server.request('GET', `/healthz?x=${'eyJ'.repeat(10)}.${'eyJ'.repeat(10)}.sig`)
      expect(jwtShaped.status).toBe(400)
    })
  })

  describe('the client address is read one way everywhere', () => {
    it('POST /v1/keys/verify refuses octal, hex, integer and shortened IPv4 instead of reading them differently', async () => {
      const verifier = await createApiKey(server, admin.accessToken, { name: 'verifier', scopes: ['api_keys:workflow'] })
      const customer = await createApiKey(server, admin.accessToken, { name: 'customer', scopes: ['contacts:read'], allowedIps: ['8.0.0.0/8'] })
      for (const ip of ['010.0.0.1', '0x0a.0.0.1', '167772161', '10.1', '8.0.0.1 ']) {
        const response = await server.request('POST', '/v1/keys/verify', { token: verifier.token, body: { key: customer.token, ip } })
        expect(response.status, ip).toBe(400)
        expect(response.body.error.details[0].field).toBe('/ip')
      }
      const decimal = await server.request('POST', '/v1/keys/verify', { token: verifier.token, body: { key: customer.token, ip: '8.0.0.1' } })
      expect(decimal.body.data.code).toBe('VALID')
      const mapped = await server.request('POST', '/v1/keys/verify', { token: verifier.token, body: { key: customer.token, ip: '::ffff:8.0.0.1' } })
      expect(mapped.body.data.code).toBe('VALID')
    })
  })

  describe('sign-in events stay with the user and the organization they chose', () => {
    it('a failed sign-in is not shown to every organization the account belongs to', async () => {
      const owner = await signUp(server, 'Owned')
      const joined = await joinOrganization(server, admin, 'member', 'Joiner')
      const attempts = async (organizationId?: string) =>
        server.request('POST', '/v1/auth/login', { body: { email: joined.email, password: 'a wrong guess', ...(organizationId !== undefined && { organizationId }) } })
      expect((await attempts()).status).toBe(401)
      expect((await attempts(owner.organizationId)).status).toBe(401) // an organization the user is not in
      const failuresIn = async (token: string) =>
        (await server.request('GET', `/v1/audit-logs?action=auth.login_failed&targetId=${joined.userId}`, { token })).body.totalCount as number
      expect(await failuresIn(admin.accessToken)).toBe(0)
      expect(await failuresIn(owner.accessToken)).toBe(0)
      expect((await attempts(admin.organizationId)).status).toBe(401)
      expect(await failuresIn(admin.accessToken)).toBe(1)
    })
  })

  describe('a sign-in or refresh response is replayed at most once, within a minute, and never after its session ended', () => {
    const loginWithKey = (key: string) => server.request('POST', '/v1/auth/login', { body: { email: admin.email, password: admin.password }, headers: { 'idempotency-key': key } })

    it('once: the next identical request runs for real', async () => {
      const key = randomUUID()
      const first = await loginWithKey(key)
      const replay = await loginWithKey(key)
      expect(replay.headers.get('idempotent-replayed')).toBe('true')
      expect(replay.body.data).toEqual(first.body.data)
      const third = await loginWithKey(key)
      expect(third.status).toBe(200)
      expect(third.headers.get('idempotent-replayed')).toBeNull()
      expect(third.body.data.refreshToken).not.toBe(first.body.data.refreshToken)
    })

    it('within a minute', async () => {
      const key = randomUUID()
      const first = await loginWithKey(key)
      server.clock.advance(61_000)
      const late = await loginWithKey(key)
      expect(late.headers.get('idempotent-replayed')).toBeNull()
      expect(late.body.data.refreshToken).not.toBe(first.body.data.refreshToken)
    })

    it('never after the session ended: a copied refresh request does not bring a logged-out session back', async () => {
      const session = await login(server, admin.email, admin.password)
      const key = randomUUID()
      const refresh = () => server.request('POST', '/v1/auth/refresh', { body: { refreshToken: session.refreshToken }, headers: { 'idempotency-key': key } })
      const first = await refresh()
      expect(first.status).toBe(200)
      expect((await server.request('POST', '/v1/auth/logout', { token: first.body.data.accessToken })).status).toBe(200)
      const copied = await refresh()
      expect(copied.status).toBe(401)
      expect(copied.headers.get('idempotent-replayed')).toBeNull()
    })
  })

  describe('Idempotency-Keys of a session belong to that session', () => {
    it('another session of the same user replays neither a logout nor recovery codes', async () => {
      const user = await signUp(server, 'TwoTabs')
      const other = await login(server, user.email, user.password)
      const key = randomUUID()
      expect((await server.request('POST', '/v1/auth/logout', { token: user.accessToken, headers: { 'idempotency-key': key } })).status).toBe(200)
      const second = await server.request('POST', '/v1/auth/logout', { token: other.accessToken, headers: { 'idempotency-key': key } })
      expect(second.status).toBe(200)
      expect(second.headers.get('idempotent-replayed')).toBeNull()
      expect((await server.request('GET', '/v1/me', { token: other.accessToken })).status).toBe(401)

      const enrolling = await login(server, user.email, user.password)
      const thief = await login(server, user.email, user.password)
      const setup = await server.request('POST', '/v1/auth/2fa/setup', { token: enrolling.accessToken, body: { currentPassword: enrolling.password } })
      const code = await generate({ secret: setup.body.data.secret, epoch: Math.floor(server.clock.now() / 1000) })
      const enableKey = randomUUID()
      const enabled = await server.request('POST', '/v1/auth/2fa/enable', { token: enrolling.accessToken, body: { currentPassword: enrolling.password, code }, headers: { 'idempotency-key': enableKey } })
      expect(enabled.status).toBe(200)
      const stolen = await server.request('POST', '/v1/auth/2fa/enable', { token: thief.accessToken, body: { currentPassword: thief.password, code }, headers: { 'idempotency-key': enableKey } })
      expect(stolen.text).not.toContain(enabled.body.data.recoveryCodes[0])
      expect(stolen.headers.get('idempotent-replayed')).toBeNull()
    })
  })

  describe('nobody can keep an account locked out', () => {
    it('failures from one address lock that address out of that account only; the owner signs in from theirs', async () => {
      const user = await signUp(server, 'Besieged')
      for (let i = 0; i < 5; i++) {
        expect((await server.request('POST', '/v1/auth/login', { body: { email: user.email, password: `guess ${i}` }, headers: from('203.0.113.66') })).status).toBe(401)
      }
      expect((await server.request('POST', '/v1/auth/login', { body: { email: user.email, password: user.password }, headers: from('203.0.113.66') })).status).toBe(429)
      expect((await server.request('POST', '/v1/auth/login', { body: { email: user.email, password: user.password }, headers: from('198.51.100.20') })).status).toBe(200)
    })
  })

  describe('changing a role to or from company_admin needs the authority to grant company_admin', () => {
    it('a members:write key cannot demote an admin, nor a members:delete key remove one', async () => {
      const second = await joinOrganization(server, admin, 'company_admin', 'SecondAdmin')
      const keys = await createApiKey(server, admin.accessToken, { name: 'people ops', scopes: ['members:read', 'members:write', 'members:delete'] })
      const demote = await server.request('PATCH', `/v1/members/${second.userId}`, { token: keys.token, body: { role: 'member' } })
      expect(demote.status).toBe(403)
      expect((await server.request('DELETE', `/v1/members/${second.userId}`, { token: keys.token })).status).toBe(403)
      const me = await server.request('GET', '/v1/me', { token: second.accessToken })
      expect(me.body.data.role).toBe('company_admin')
      // A member is within its reach.
      const member = await joinOrganization(server, admin, 'member', 'Ordinary')
      expect((await server.request('DELETE', `/v1/members/${member.userId}`, { token: keys.token })).status).toBe(200)
    })
  })

  describe('logout works with the refresh token, with or without a bearer', () => {
    it('ends the session from its refresh token alone, and with an expired access token beside it', async () => {
      const session = await login(server, admin.email, admin.password)
      const ended = await server.request('POST', '/v1/auth/logout', { body: { refreshToken: session.refreshToken } })
      expect(ended.status).toBe(200)
      expect((await server.request('GET', '/v1/me', { token: session.accessToken })).status).toBe(401)
      expect((await server.request('POST', '/v1/auth/refresh', { body: { refreshToken: session.refreshToken } })).status).toBe(401)

      const expiring = await login(server, admin.email, admin.password)
      server.clock.advance(16 * 60_000)
      try {
        expect((await server.request('GET', '/v1/me', { token: expiring.accessToken })).status).toBe(401)
        const response = await server.request('POST', '/v1/auth/logout', { token: expiring.accessToken, body: { refreshToken: expiring.refreshToken } })
        expect(response.status).toBe(200)
        expect((await server.request('POST', '/v1/auth/refresh', { body: { refreshToken: expiring.refreshToken } })).status).toBe(401)
      } finally {
        server.clock.advance(-16 * 60_000)
      }
      const neither = await server.request('POST', '/v1/auth/logout', { body: {} })
      expect(neither.status).toBe(401)
      expect(neither.body.error.code).toBe('unauthorized')
      expect((await server.request('POST', '/v1/auth/logout', { body: { refreshToken: 'bw_rt_not-a-token' } })).status).toBe(401)
    })
  })

  describe('a refused request is not counted toward the rate limit', () => {
    it('requests from outside a warm key’s allowlist leave its allowance untouched, and say why in error.details', async () => {
      const key = await createApiKey(server, admin.accessToken, { name: 'counted', allowedIps: ['203.0.113.5'], rateLimit: { requestsPerMinute: 3 } })
      const allowed = await server.request('GET', '/v1/me', { token: key.token, headers: from('203.0.113.5') })
      expect(allowed.headers.get('ratelimit-remaining')).toBe('2')
      for (let i = 0; i < 4; i++) {
        const refused = await server.request('GET', '/v1/me', { token: key.token, headers: from('198.51.100.9') })
        expect(refused.status).toBe(401)
        expect(refused.body.error.details[0].reason).toBe('IP_NOT_ALLOWED')
      }
      const after = await server.request('GET', '/v1/me', { token: key.token, headers: from('203.0.113.5') })
      expect(after.status).toBe(200)
      expect(after.headers.get('ratelimit-remaining')).toBe('1')
    })
  })

  describe('names hold no bidirectional controls', () => {
    it('refuses U+202E and its kind in credential names', async () => {
      for (const name of ['invoice\u202Efdp.exe', 'a\u2066b', 'x\u200Fy']) {
        const response = await server.request('POST', '/v1/personal-access-tokens', { token: admin.accessToken, body: { currentPassword: admin.password, name } })
        expect(response.status, JSON.stringify(name)).toBe(400)
        expect(response.body.error.details[0].field).toBe('/name')
      }
      expect((await server.request('POST', '/v1/personal-access-tokens', { token: admin.accessToken, body: { currentPassword: admin.password, name: 'Rechnung für Müller' } })).status).toBe(201)
    })
  })

  describe.runIf(kind === 'postgres+redis')('shared counters hold no email', () => {
    it('sign-in counters in Redis are keyed by a keyed hash of the account', async () => {
      const { Redis } = await import('ioredis')
      const redis = new Redis(process.env.TEST_REDIS_URL!)
      try {
        const user = await signUp(server, 'Counted')
        await server.request('POST', '/v1/auth/login', { body: { email: user.email, password: 'wrong' } })
        const keys = await redis.keys('bwtest:*login*')
        expect(keys.length).toBeGreaterThan(0)
        for (const key of keys) expect(key).not.toContain(user.email)
      } finally {
        redis.disconnect()
      }
    })
  })
})

describe.each(testDatabaseKinds)('security review: throttles with their own limits (%s)', (kind) => {
  it('an account attacked from many addresses is guarded, not locked: familiar addresses and second factors still get in', async () => {
    const server = await startTestServer(kind, { env: { TRUST_PROXY: 'true', BRANDWAVE_LOGIN_FAILURES_PER_ACCOUNT_TOTAL: '4' } })
    try {
      const user = await signUp(server, 'Distributed')
      // The owner signed in from home once (signUp's sign-in came from 127.0.0.1, without a forwarded address).
      await server.request('POST', '/v1/auth/login', { body: { email: user.email, password: user.password }, headers: { 'x-forwarded-for': '192.0.2.1' } })
      for (let i = 0; i < 5; i++) {
        const response = await server.request('POST', '/v1/auth/login', { body: { email: user.email, password: `guess ${i}` }, headers: { 'x-forwarded-for': `203.0.113.${i + 1}` } })
        expect([401, 429]).toContain(response.status)
      }
      const stranger = await server.request('POST', '/v1/auth/login', { body: { email: user.email, password: user.password }, headers: { 'x-forwarded-for': '203.0.113.200' } })
      expect(stranger.status).toBe(429)
      expect(Number(stranger.headers.get('retry-after'))).toBeGreaterThan(0)
      const home = await server.request('POST', '/v1/auth/login', { body: { email: user.email, password: user.password }, headers: { 'x-forwarded-for': '192.0.2.1' } })
      expect(home.status).toBe(200)
    } finally {
      await server.close()
    }
  })

  it('sign-ups are throttled per client address, with Retry-After', async () => {
    const server = await startTestServer(kind, { env: { BRANDWAVE_SIGNUPS_PER_IP: '2' } })
    try {
      const signup = (n: number) =>
        server.request('POST', '/v1/auth/signup', { body: { email: `signup-${n}-${randomUUID()}@example.com`, password: 'a long enough passphrase', name: 'Script', organizationName: 'Spam' } })
      expect((await signup(1)).status).toBe(201)
      expect((await signup(2)).status).toBe(201)
      const third = await signup(3)
      expect(third.status).toBe(429)
      expect(third.body.error.code).toBe('rate_limited')
      expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0)
    } finally {
      await server.close()
    }
  })
})
