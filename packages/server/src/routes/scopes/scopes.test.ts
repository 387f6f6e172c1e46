import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiKey, loginAdmin, type TestUser } from '@brandwave/testing/actors'
import { startTestServer, type TestServer } from '@brandwave/testing/server'

describe('GET /v1/scopes', () => {
  let server: TestServer
  let admin: TestUser

  beforeAll(async () => {
    server = await startTestServer('sqlite', { env: { BRANDWAVE_RESOURCES: 'contacts,leads' } })
    admin = await loginAdmin(server)
  })
  afterAll(() => server?.close())

  it('lists built-in and host resources, each with four described actions, to any principal', async () => {
    const key = await createApiKey(server, admin.accessToken, { scopes: ['contacts:read'] })
    for (const token of [admin.accessToken, key.token]) {
      const response = await server.request('GET', '/v1/scopes', { token })
      expect(response.status).toBe(200)
      expect(response.body.totalCount).toBe(32)
      expect(response.body.facets).toEqual({ origin: { brandwave: 24, host: 8 } })
      expect(response.body.items).toContainEqual({ scope: 'leads:workflow', resource: 'leads', action: 'workflow', description: expect.any(String), origin: 'host' })
      expect(response.body.items).toContainEqual(expect.objectContaining({ scope: 'api_keys:write', origin: 'brandwave' }))
    }
    expect((await server.request('GET', '/v1/scopes')).status).toBe(401)
  })
})
