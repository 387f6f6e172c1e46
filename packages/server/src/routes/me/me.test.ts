import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPat, loginAdmin, type TestUser } from '@brandwave/testing/actors'
import { testDatabaseKinds } from '@brandwave/testing/databases'
import { startTestServer, type TestServer } from '@brandwave/testing/server'

describe.each(testDatabaseKinds)('GET /v1/me (%s)', (kind) => {
  let server: TestServer
  let admin: TestUser

  beforeAll(async () => {
    server = await startTestServer(kind)
    admin = await loginAdmin(server)
  })
  afterAll(() => server?.close())

  it('200 for a PAT in each of the three headers, under /v1 and /api/v1', async () => {
    const pat = await createPat(server, admin, { name: 'Internal sync script', scopes: ['personal_access_tokens:read'] })
    for (const via of ['authorization', 'x-api-key', 'api-token'] as const) {
      for (const prefix of ['/v1', '/api/v1']) {
        const response = await server.request('GET', `${prefix}/me`, { token: pat.token, via })
        expect(response.status, `${via} ${prefix}`).toBe(200)
        expect(response.body.data).toEqual({
          type: 'personal_access_token',
          keyId: pat.id,
          keyName: 'Internal sync script',
          tenantId: admin.organizationId,
          scopes: ['personal_access_tokens:read'],
          environment: 'live',
          expiresAt: null,
          externalId: null,
          metadata: null,
        })
        expect(response.headers.get('ratelimit-limit')).toBe('1000')
        expect(Number(response.headers.get('ratelimit-remaining'))).toBeLessThan(1000)
        expect(response.headers.get('ratelimit-reset')).toMatch(/^\d+$/)
      }
    }
  })

  it('200 for a session', async () => {
    const response = await server.request('GET', '/api/v1/me', { token: admin.accessToken })
    expect(response.body.data).toEqual({
      type: 'session',
      userId: admin.userId,
      email: admin.email,
      name: 'Administrator',
      tenantId: admin.organizationId,
      role: 'company_admin',
      twoFactorEnabled: false,
    })
  })

  it('401 without a credential, with another scheme, or with garbage', async () => {
    const cases = [
      {},
      { headers: { authorization: 'Basic YWRtaW46YWRtaW4=' } },
      { headers: { authorization: 'Bearer' } },
      { token: 'garbage' },
      { token: 'x'.repeat(5000) },
      { token: 'bw_live_', via: 'x-api-key' as const },
    ]
    for (const options of cases) {
      const response = await server.request('GET', '/v1/me', options)
      expect(response.status, JSON.stringify(options).slice(0, 80)).toBe(401)
      expect(response.body.error.code).toBe('unauthorized')
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="brandwave"/)
      expect(response.headers.get('x-request-id')).toBe(response.body.meta.request_id)
      // Refusals are sent from the authentication hook, not the error handler: same headers.
      expect(response.headers.get('cache-control')).toBe('no-store')
      expect(response.headers.get('x-content-type-options')).toBe('nosniff')
      // Why, for machines: the verification code, never a message to parse.
      for (const detail of response.body.error.details) expect(['MALFORMED', 'NOT_FOUND', 'EXPIRED', 'REVOKED', 'IP_NOT_ALLOWED']).toContain(detail.reason)
    }
  })

  it('400 for two different credentials, or a credential in the URL', async () => {
    const pat = await createPat(server, admin)
    const two = await server.request('GET', '/v1/me', { token: pat.token, headers: { 'x-api-key': 'bw_live_other' } })
    expect(two.status).toBe(400)
    const same = await server.request('GET', '/v1/me', { token: pat.token, headers: { 'x-api-key': pat.token } })
    expect(same.status).toBe(200)

    for (const query of [`access_token=${pat.token}`, `api_key=x`, `q=${pat.token}`, `token=${admin.accessToken}`]) {
      const response = await server.request('GET', `/v1/me?${query}`, { token: pat.token })
      expect(response.status, query).toBe(400)
      expect(response.body.error.code).toBe('validation_failed')
      expect(response.text).not.toContain(pat.token)
    }
  })
})
