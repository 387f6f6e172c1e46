import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiKey, loginAdmin, signUp, type TestUser } from '@brandwave/testing/actors'
import { testDatabaseKinds } from '@brandwave/testing/databases'
import { startTestServer, type TestServer } from '@brandwave/testing/server'

describe.each(testDatabaseKinds)('Account API tokens: /api/accounts/:accountId/api_tokens (%s)', (kind) => {
  let server: TestServer
  let admin: TestUser
  let base: string
  let token: string

  beforeAll(async () => {
    server = await startTestServer(kind, { env: { BRANDWAVE_RESOURCES: 'contacts' } })
    admin = await loginAdmin(server)
    const key = await createApiKey(server, admin.accessToken, { name: 'automation', scopes: ['api_keys:read', 'api_keys:write', 'api_keys:delete', 'api_keys:workflow', 'contacts:read'] })
    token = key.token
    const organization = await server.request('POST', '/v1/auth/signup', { body: { email: 'probe@example.com', password: 'a long enough passphrase', name: 'Probe', organizationName: 'Probe' } })
    // The admin's organization was created first: account 1.
    expect(organization.body.data.organization.accountId).toBe(2)
    base = '/api/accounts/1/api_tokens'
  })
  afterAll(() => server?.close())

  const call = (method: string, path: string, body?: unknown) => server.request(method, path, { token, via: 'api-token', ...(body !== undefined && { body }) })

  it('create (200, token once), get, list — snake_case, integer ids, bare bodies', async () => {
    const created = await call('POST', base, { name: 'Reporting', permissions: ['contacts:read'] })
    expect(created.status).toBe(200)
    expect(created.body).toEqual({ id: expect.any(Number), name: 'Reporting', last_4_digits: created.body.token.slice(-4), created_by: 'automation', expires_at: null, token: expect.stringMatching(/^bw_live_/) })
    const me = await server.request('GET', '/v1/me', { token: created.body.token, via: 'api-token' })
    expect(me.body.data.scopes).toEqual(['contacts:read'])

    const fetched = await call('GET', `${base}/${created.body.id}`)
    expect(fetched.body).toEqual({ id: created.body.id, name: 'Reporting', last_4_digits: created.body.last_4_digits, created_by: 'automation', expires_at: null })
    const list = await call('GET', base)
    expect(Array.isArray(list.body)).toBe(true)
    expect(list.body).toContainEqual(fetched.body)
    expect(list.text).not.toContain(created.body.token)
  })

  it('without permissions, a token gets the creator’s own scopes', async () => {
    const created = await call('POST', base, { name: 'Everything I have' })
    const me = await server.request('GET', '/v1/me', { token: created.body.token })
    expect(me.body.data.scopes.sort()).toEqual(['api_keys:delete', 'api_keys:read', 'api_keys:workflow', 'api_keys:write', 'contacts:read'])
  })

  it('reset: a new token with the same permissions; the old one works for a short grace period, then not; a reset token cannot be reset again', async () => {
    const created = await call('POST', base, { name: 'Rolling', permissions: ['contacts:read'] })
    const reset = await call('POST', `${base}/${created.body.id}/reset`)
    expect(reset.status).toBe(200)
    expect(reset.body).toMatchObject({ name: 'Rolling', expires_at: null, token: expect.stringMatching(/^bw_live_/) })
    expect(reset.body.id).not.toBe(created.body.id)
    expect((await server.request('GET', '/v1/me', { token: reset.body.token })).body.data.scopes).toEqual(['contacts:read'])

    const old = await call('GET', `${base}/${created.body.id}`)
    expect(Date.parse(old.body.expires_at)).toBe(server.clock.now() + 300_000)
    expect((await server.request('GET', '/v1/me', { token: created.body.token })).status).toBe(200)
    expect((await call('POST', `${base}/${created.body.id}/reset`)).status).toBe(409)

    server.clock.advance(300_000)
    try {
      expect((await server.request('GET', '/v1/me', { token: created.body.token })).status).toBe(401)
    } finally {
      server.clock.advance(-300_000)
    }
  })

  it('delete: 204, the token stops working, and is gone from get and list', async () => {
    const created = await call('POST', base, { name: 'Doomed' })
    const deleted = await call('DELETE', `${base}/${created.body.id}`)
    expect(deleted.status).toBe(204)
    expect(deleted.text).toBe('')
    expect((await server.request('GET', '/v1/me', { token: created.body.token })).status).toBe(401)
    expect((await call('GET', `${base}/${created.body.id}`)).status).toBe(404)
    expect((await call('GET', base)).body.map((t: { id: number }) => t.id)).not.toContain(created.body.id)
  })

  it('404 for another account, an unknown id, a PAT id, or a non-integer id; errors keep the SPEC shape', async () => {
    expect((await call('GET', '/api/accounts/2/api_tokens')).status).toBe(404)
    expect((await call('GET', '/api/accounts/999/api_tokens')).status).toBe(404)
    const missing = await call('GET', `${base}/999999`)
    expect(missing.status).toBe(404)
    expect(missing.body.error.code).toBe('not_found')
    expect((await call('GET', `${base}/abc`)).status).toBe(404)
    const mine = await call('POST', base, { name: 'Mine' })
    const other = await signUp(server, 'Neighbour')
    const theirs = await createApiKey(server, other.accessToken)
    const neighbour = (path: string) => server.request('GET', path, { token: theirs.token, via: 'api-token' })
    expect((await neighbour(`${base}/${mine.body.id}`)).status).toBe(404)
    expect((await neighbour(base)).status).toBe(404)
    const own = await neighbour('/api/accounts/3/api_tokens')
    expect(own.status).toBe(200)
    expect(own.body.map((t: { name: string }) => t.name)).toEqual(['test key'])
  })
})
