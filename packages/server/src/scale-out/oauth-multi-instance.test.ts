import * as client from 'openid-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loginAdmin } from '@brandwave/testing/actors'
import { createPostgresDatabase } from '@brandwave/testing/databases'
import { request } from '@brandwave/testing/http'
import { authorizeAndExchange, registerClient } from '@brandwave/testing/oauth'
import { built, freePort, startInstance, type Instance } from '@brandwave/testing/processes'
import { deleteRedisPrefix, testRedisPrefix } from '@brandwave/testing/redis'
import { ADMIN_ENV, TEST_SECRET } from '@brandwave/testing/server'

const scaleOut = Boolean(process.env.TEST_DATABASE_URL && process.env.TEST_REDIS_URL)

/**
 * Two instances behind one public URL (the issuer), on one PostgreSQL and one Redis: an OAuth
 * token revoked through one is refused by the other on the very next request, caches warm.
 */
describe.runIf(scaleOut && built)('OAuth across instances on PostgreSQL and Redis', () => {
  let database: Awaited<ReturnType<typeof createPostgresDatabase>>
  let a: Instance
  let b: Instance
  let session: string
  let config: client.Configuration
  const prefix = testRedisPrefix('oauth')

  beforeAll(async () => {
    database = await createPostgresDatabase()
    const portA = await freePort()
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL: process.env.TEST_REDIS_URL!,
      BRANDWAVE_REDIS_PREFIX: prefix,
      BRANDWAVE_SECRET: TEST_SECRET,
      ...ADMIN_ENV,
      BRANDWAVE_PUBLIC_URL: `http://127.0.0.1:${portA}`,
    }
    a = await startInstance({ ...env, PORT: String(portA) })
    b = await startInstance(env)
    session = (await loginAdmin(a.url)).accessToken
    config = await registerClient(a)
  })
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()])
    await database?.drop()
    await deleteRedisPrefix(process.env.TEST_REDIS_URL!, prefix)
  })

  const me = (url: string, token: string) => request(url, 'GET', '/v1/me', { token })

  it('Authorized apps → Revoke on A: the token is refused on B at once', async () => {
    const { tokens } = await authorizeAndExchange(a, config, { accessToken: session }, 'api_keys:read')
    for (let warm = 0; warm < 3; warm++) expect((await me(b.url, tokens.access_token)).status).toBe(200)
    const revoked = await request(a.url, 'DELETE', `/v1/authorized-apps/${encodeURIComponent(config.clientMetadata().client_id)}`, { token: session })
    expect(revoked.status, revoked.text).toBe(200)
    expect((await me(b.url, tokens.access_token)).status).toBe(401)
  })

  it('RFC 7009 revocation and a replayed refresh token on A: refused on B at once', async () => {
    const first = await authorizeAndExchange(a, config, { accessToken: session }, 'api_keys:read')
    expect((await me(b.url, first.tokens.access_token)).status).toBe(200)
    await client.tokenRevocation(config, first.tokens.access_token)
    expect((await me(b.url, first.tokens.access_token)).status).toBe(401)

    const second = await authorizeAndExchange(a, config, { accessToken: session }, 'api_keys:read')
    const refreshed = await client.refreshTokenGrant(config, second.tokens.refresh_token!)
    expect((await me(b.url, refreshed.access_token)).status).toBe(200)
    await expect(client.refreshTokenGrant(config, second.tokens.refresh_token!)).rejects.toThrow()
    expect((await me(b.url, refreshed.access_token)).status).toBe(401)
  })
})
