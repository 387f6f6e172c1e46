import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiKey, createPat, loginAdmin, signUp, withBrokenChecksum, type TestUser } from '@brandwave/testing/actors'
import { testDatabaseKinds } from '@brandwave/testing/databases'
import { startTestServer, type TestServer } from '@brandwave/testing/server'

describe.each(testDatabaseKinds)('POST /v1/keys/verify (%s)', (kind) => {
  let server: TestServer
  let admin: TestUser
  let verifier: any

  beforeAll(async () => {
    server = await startTestServer(kind, { env: { BRANDWAVE_RESOURCES: 'contacts' } })
    admin = await loginAdmin(server)
    verifier = await createApiKey(server, admin.accessToken, { name: 'gateway', scopes: ['api_keys:workflow'] })
  })
  afterAll(() => server?.close())

  const verify = (body: Record<string, unknown>, token: string = verifier.token) => server.request('POST', '/v1/keys/verify', { token, body })

  it('VALID with the credential and its rate limit; counts toward the key’s limit and records its use', async () => {
    const key = await createApiKey(server, admin.accessToken, { scopes: ['contacts:read'], rateLimit: { requestsPerMinute: 3 } })
    const response = await verify({ key: key.token, requiredScopes: ['contacts:read'], ip: '198.51.100.7' })
    expect(response.status).toBe(200)
    expect(response.body.data).toMatchObject({ valid: true, code: 'VALID', credential: { id: key.id, name: 'test key', type: 'api_key' }, rateLimit: { limit: 3, remaining: 2 } })
    expect(response.text).not.toContain(key.token)
    await server.running.app.usage.flush()
    const record = await server.request('GET', `/v1/api-keys/${key.id}`, { token: admin.accessToken })
    expect(record.body.data).toMatchObject({ lastUsedIp: '198.51.100.7', lastUsedAt: expect.any(String) })

    await verify({ key: key.token })
    await verify({ key: key.token })
    expect((await verify({ key: key.token })).body.data).toMatchObject({ valid: false, code: 'RATE_LIMITED', rateLimit: { remaining: 0 } })
  })

  it('each refusal code', async () => {
    const scoped = await createApiKey(server, admin.accessToken, { scopes: ['contacts:read'], allowedIps: ['203.0.113.0/24'] })
    expect((await verify({ key: scoped.token, ip: '203.0.113.9', requiredScopes: ['contacts:write'] })).body.data).toMatchObject({ valid: false, code: 'INSUFFICIENT_SCOPE' })
    expect((await verify({ key: scoped.token, ip: '198.51.100.1' })).body.data).toMatchObject({ valid: false, code: 'IP_NOT_ALLOWED', rateLimit: null })
    expect((await verify({ key: scoped.token })).body.data.code).toBe('IP_NOT_ALLOWED')
    expect((await verify({ key: 'not a key' })).body.data).toEqual({ valid: false, code: 'MALFORMED', credential: null, remaining: null, rateLimit: null })
    expect((await verify({ key: withBrokenChecksum(scoped.token) })).body.data.code).toBe('MALFORMED')
    expect((await verify({ key: admin.accessToken })).body.data.code).toBe('MALFORMED')

    const revoked = await createApiKey(server, admin.accessToken)
    await server.request('DELETE', `/v1/api-keys/${revoked.id}`, { token: admin.accessToken })
    expect((await verify({ key: revoked.token })).body.data.code).toBe('REVOKED')

    const expiring = await createApiKey(server, admin.accessToken, { expiresAt: new Date(server.clock.now() + 1000).toISOString() })
    server.clock.advance(1000)
    try {
      expect((await verify({ key: expiring.token })).body.data.code).toBe('EXPIRED')
    } finally {
      server.clock.advance(-1000)
    }
    const pat = await createPat(server, admin)
    expect((await verify({ key: pat.token })).body.data).toMatchObject({ valid: true, credential: { type: 'personal_access_token' } })
  })

  it('NOT_FOUND for another organization’s keys, whatever their state', async () => {
    const other = await signUp(server, 'Foreign')
    const live = await createApiKey(server, other.accessToken)
    const restricted = await createApiKey(server, other.accessToken, { allowedIps: ['10.0.0.0/8'] })
    const revoked = await createApiKey(server, other.accessToken)
    await server.request('DELETE', `/v1/api-keys/${revoked.id}`, { token: other.accessToken })
    for (const key of [live, restricted, revoked]) {
      expect((await verify({ key: key.token })).body.data).toEqual({ valid: false, code: 'NOT_FOUND', credential: null, remaining: null, rateLimit: null })
    }
  })

  it('a verdict is never replayed: Idempotency-Key is ignored, so a retried verification sees a revocation', async () => {
    const key = await createApiKey(server, admin.accessToken)
    const headers = { 'idempotency-key': `verify-${key.id}` }
    const first = await server.request('POST', '/v1/keys/verify', { token: verifier.token, body: { key: key.token }, headers })
    expect(first.body.data).toMatchObject({ valid: true, code: 'VALID' })
    await server.request('DELETE', `/v1/api-keys/${key.id}`, { token: admin.accessToken })
    const retried = await server.request('POST', '/v1/keys/verify', { token: verifier.token, body: { key: key.token }, headers })
    expect(retried.headers.get('idempotent-replayed')).toBeNull()
    expect(retried.body.data).toMatchObject({ valid: false, code: 'REVOKED' })
    // Nothing was kept under the key either: another body with it is no conflict.
    const other = await server.request('POST', '/v1/keys/verify', { token: verifier.token, body: { key: verifier.token }, headers })
    expect(other.status).toBe(200)
    expect(other.body.data.code).toBe('VALID')
  })

  it('403 without api_keys:workflow; 400 for a malformed ip', async () => {
    const reader = await createApiKey(server, admin.accessToken, { scopes: ['api_keys:read'] })
    expect((await verify({ key: reader.token }, reader.token)).status).toBe(403)
    expect((await verify({ key: reader.token, ip: 'not-an-ip' })).status).toBe(400)
  })
})
