import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loginAdmin } from '@brandwave/testing/actors'
import { createPostgresDatabase } from '@brandwave/testing/databases'
import { request } from '@brandwave/testing/http'
import { deleteRedisPrefix, testRedisPrefix } from '@brandwave/testing/redis'
import { built, startInstance, type Instance } from '@brandwave/testing/processes'
import { scannerKey, ScannerKeyEndpoint, signAlert } from '@brandwave/testing/scanner-keys'
import { ADMIN_ENV, ADMIN_PASSWORD, TEST_SECRET } from '@brandwave/testing/server'

const scaleOut = Boolean(process.env.TEST_DATABASE_URL && process.env.TEST_REDIS_URL)

/** A leak reported to one instance is refused by every other on its very next request (SPEC §10, §7). */
describe.runIf(scaleOut && built)('leaked credentials across two instances on PostgreSQL and Redis', () => {
  let database: Awaited<ReturnType<typeof createPostgresDatabase>>
  let a: Instance
  let b: Instance
  let adminToken: string
  const keys = new ScannerKeyEndpoint()
  const key = scannerKey('gh-multi')
  const prefix = testRedisPrefix('leaks')

  beforeAll(async () => {
    database = await createPostgresDatabase()
    keys.keys = [key]
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL: process.env.TEST_REDIS_URL!,
      BRANDWAVE_REDIS_PREFIX: prefix,
      BRANDWAVE_SECRET: TEST_SECRET,
      ...ADMIN_ENV,
      BRANDWAVE_GITHUB_KEYS_URL: await keys.start(),
    }
    a = await startInstance(env)
    b = await startInstance(env)
    adminToken = (await loginAdmin(a.url)).accessToken
  })
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()])
    await database?.drop()
    await keys.close()
    await deleteRedisPrefix(process.env.TEST_REDIS_URL!, prefix)
  })

  const me = (url: string, token: string) => request(url, 'GET', '/v1/me', { token })
  const newPat = async (name: string) => (await request(a.url, 'POST', '/v1/personal-access-tokens', { token: adminToken, body: { currentPassword: ADMIN_PASSWORD, name } })).body.data as { token: string }

  it('a GitHub alert on A is refused on B, caches warm; revoke-by-value on B is refused on A', async () => {
    const alerted = await newPat('alerted')
    const reported = await newPat('reported')
    for (let warm = 0; warm < 3; warm++) {
      expect((await me(b.url, alerted.token)).status).toBe(200)
      expect((await me(a.url, reported.token)).status).toBe(200)
    }

    const body = JSON.stringify([{ token: alerted.token, type: 'brandwave_token', url: 'https://github.com/acme/app/blob/main/.env', source: 'commit' }])
    const alert = await request(a.url, 'POST', '/v1/secret-scanning/github', { body, headers: { 'github-public-key-identifier': key.identifier, 'github-public-key-signature': signAlert(key, body) } })
    expect(alert.status, alert.text).toBe(200)
    expect((await me(b.url, alerted.token)).status).toBe(401)

    expect((await request(b.url, 'POST', '/v1/credentials/revoke', { body: { credentials: [reported.token] } })).status).toBe(202)
    expect((await me(a.url, reported.token)).status).toBe(401)
  })
})
