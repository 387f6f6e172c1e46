import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiKey, createPat, loginAdmin, type TestUser } from '@brandwave/testing/actors'
import { storageKinds } from '@brandwave/testing/databases'
import { startTestServer, type TestServer } from '@brandwave/testing/server'
import { up as backfillTokenPrefixes } from '../../storage/migrations/0008_token_prefixes.js'
import { describeTokenPrefixes } from '../../server.js'

describe.each(storageKinds)('changing BRANDWAVE_TOKEN_PREFIX (%s)', (kind) => {
  let server: TestServer
  let admin: TestUser
  let oldKey: { id: string; token: string }
  let oldPat: { id: string; token: string }
  let oldRefreshToken: string

  beforeAll(async () => {
    server = await startTestServer(kind, { env: { BRANDWAVE_TOKEN_PREFIX: 'bwp' } })
    admin = await loginAdmin(server)
    oldKey = await createApiKey(server, admin.accessToken, { scopes: ['api_keys:read', 'api_keys:write'] })
    oldPat = await createPat(server, admin)
    oldRefreshToken = admin.refreshToken
    expect(oldKey.token).toMatch(/^bwp_live_/)
    expect(oldRefreshToken).toMatch(/^bwp_rt_/)
    expect(server.running.tokenPrefixes).toEqual({ current: 'bwp', earlier: [], accepted: ['bwp'] })
    await server.restartWith({ BRANDWAVE_TOKEN_PREFIX: 'bw' })
  })
  afterAll(() => server?.close())

  it('keys, PATs and refresh tokens issued under the earlier prefix keep working', async () => {
    expect((await server.request('GET', '/v1/me', { token: oldKey.token })).status).toBe(200)
    expect((await server.request('GET', '/v1/me', { token: oldPat.token })).status).toBe(200)
    const refreshed = await server.request('POST', '/v1/auth/refresh', { body: { refreshToken: oldRefreshToken } })
    expect(refreshed.status, refreshed.text).toBe(200)
    expect(refreshed.body.data.refreshToken).toMatch(/^bw_rt_/)
  })

  it('new keys, rotations and refresh tokens use the current prefix', async () => {
    const key = await createApiKey(server, oldKey.token, { scopes: ['api_keys:read'] })
    expect(key.token).toMatch(/^bw_live_/)
    expect((await server.request('GET', '/v1/me', { token: key.token })).status).toBe(200)
    const rotated = await server.request('POST', `/v1/api-keys/${oldKey.id}/rotate`, { token: admin.accessToken, body: { gracePeriodSeconds: 60 } })
    expect(rotated.status, rotated.text).toBe(201)
    expect(rotated.body.data.token).toMatch(/^bw_live_/)
    const session = await loginAdmin(server)
    expect(session.refreshToken).toMatch(/^bw_rt_/)
  })

  it('says so at start, and a token of the earlier prefix in a URL is still refused', async () => {
    expect(server.running.tokenPrefixes).toEqual({ current: 'bw', earlier: ['bwp'], accepted: ['bw', 'bwp'] })
    expect(describeTokenPrefixes(server.running.tokenPrefixes)).toContain('bwp_')
    const leaked = await server.request('GET', `/v1/me?q=${oldPat.token}`, { token: admin.accessToken })
    expect(leaked.status).toBe(400)
    expect(leaked.body.error.code).toBe('validation_failed')
  })

  it('a prefix this deployment never issued is still not accepted', async () => {
    const foreign = oldPat.token.replace(/^bwp_/, 'zz_')
    const response = await server.request('GET', '/v1/me', { token: foreign })
    expect(response.status).toBe(401)
  })

  it('upgrading a deployment that issued credentials before prefixes were recorded remembers their prefixes', async () => {
    const db = server.running.database.db
    await db.deleteFrom('settings').where('key', 'in', ['token_prefix:bwp', 'token_prefix:bw']).execute()
    await backfillTokenPrefixes(db, server.running.database.dialect)
    const keys = (await db.selectFrom('settings').select('key').execute()).map((row) => row.key).filter((key) => key.startsWith('token_prefix:'))
    expect(keys.sort()).toEqual(['token_prefix:bw', 'token_prefix:bwp'])
  })
})
