import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loginAdmin, type TestUser } from '@brandwave/testing/actors'
import { storageKinds } from '@brandwave/testing/databases'
import { startTestServer, type TestServer } from '@brandwave/testing/server'

describe.each(storageKinds)('4xx answers say what was wrong and what would be right (%s)', (kind) => {
  let server: TestServer
  let admin: TestUser

  beforeAll(async () => {
    server = await startTestServer(kind, { env: { BRANDWAVE_RESOURCES: 'contacts' } })
    admin = await loginAdmin(server)
  })
  afterAll(() => server?.close())

  it('an enum field lists its allowed values, in details[] and in the message', async () => {
    const response = await server.request('POST', '/v1/api-keys', { token: admin.accessToken, body: { name: 'x', scopes: ['contacts:read'], environment: 'staging' } })
    expect(response.status).toBe(400)
    expect(response.body.error.code).toBe('validation_failed')
    expect(response.body.error.details).toEqual([{ field: '/environment', message: 'must be one of: live, test' }])
    expect(response.body.error.message).toContain('/environment must be one of: live, test')

    const listed = await server.request('GET', '/v1/api-keys?status=sleeping', { token: admin.accessToken })
    expect(listed.status).toBe(400)
    expect(listed.body.error.details[0].field).toBe('status')
    expect(listed.body.error.details[0].message).toMatch(/^must be one of: .*active.*revoked/)
  })

  it('a scope that is not in the catalog is named, with where to look, whatever its shape', async () => {
    const badShape = await server.request('POST', '/v1/api-keys', { token: admin.accessToken, body: { name: 'x', scopes: ['contacts:read', 'foo:bar'] } })
    expect(badShape.status).toBe(400)
    expect(badShape.body.error.code).toBe('validation_failed')
    expect(badShape.body.error.details).toEqual([{ field: '/scopes/1', message: 'unknown scope foo:bar; see GET /v1/scopes' }])

    const wellFormedButUnknown = await server.request('POST', '/v1/personal-access-tokens', { token: admin.accessToken, body: { currentPassword: admin.password, name: 'x', scopes: ['leads:read'] } })
    expect(wellFormedButUnknown.status).toBe(400)
    expect(wellFormedButUnknown.body.error.code).toBe('validation_failed')
    expect(wellFormedButUnknown.body.error.details).toEqual([{ field: '/scopes/0', message: 'unknown scope leads:read; see GET /v1/scopes' }])
  })

  it('a date-time that is not one says what one looks like', async () => {
    const response = await server.request('POST', '/v1/personal-access-tokens', { token: admin.accessToken, body: { currentPassword: admin.password, name: 'x', expiresAt: 'next tuesday' } })
    expect(response.status).toBe(400)
    expect(response.body.error.details).toEqual([{ field: '/expiresAt', message: expect.stringContaining('2027-06-01T00:00:00Z') }])
  })

  it('405 with Allow for a method the path does not support, in the error shape; 404 for a path that does not exist', async () => {
    const put = await server.request('PUT', '/v1/api-keys', { token: admin.accessToken, body: {} })
    expect(put.status).toBe(405)
    expect(put.body.error.code).toBe('method_not_allowed')
    expect(put.headers.get('allow')).toBe('GET, HEAD, POST, OPTIONS')
    expect(put.body.meta.request_id).toEqual(expect.any(String))
    expect(put.headers.get('x-request-id')).toBe(put.body.meta.request_id)

    const post = await server.request('POST', '/healthz', { body: {} })
    expect(post.status).toBe(405)
    expect(post.headers.get('allow')).toBe('GET, HEAD, OPTIONS')

    const postOnOne = await server.request('POST', '/v1/api-keys/01a228e2-40e5-76d5-8b5e-26cf8de06da6', { token: admin.accessToken, body: {} })
    expect(postOnOne.status).toBe(405)
    expect(postOnOne.headers.get('allow')).toBe('GET, HEAD, PATCH, DELETE, OPTIONS')

    const missing = await server.request('GET', '/v1/nothing-here', { token: admin.accessToken })
    expect(missing.status).toBe(404)
    expect(missing.body.error.code).toBe('not_found')
  })
})
