import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loginAdmin } from '@brandwave/testing/actors'
import { createPostgresDatabase } from '@brandwave/testing/databases'
import { request } from '@brandwave/testing/http'
import { storageLookups } from '@brandwave/testing/metrics'
import { built, PrivateRedis, startInstance, TcpProxy, type Instance } from '@brandwave/testing/processes'
import { ADMIN_ENV, ADMIN_PASSWORD, TEST_SECRET } from '@brandwave/testing/server'

const postgres = Boolean(process.env.TEST_DATABASE_URL)

async function until(condition: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe.runIf(postgres && built)('Redis goes away and comes back', () => {
  const redis = new PrivateRedis()
  let database: Awaited<ReturnType<typeof createPostgresDatabase>>
  let a: Instance
  let b: Instance
  let token: string

  beforeAll(async () => {
    const redisUrl = await redis.start()
    database = await createPostgresDatabase()
    const env = { DATABASE_URL: database.url, REDIS_URL: redisUrl, BRANDWAVE_REDIS_PREFIX: `bwfault:${randomBytes(4).toString('hex')}:`, BRANDWAVE_SECRET: TEST_SECRET, ...ADMIN_ENV }
    ;[a, b] = await Promise.all([startInstance(env), startInstance(env)])
    token = (await loginAdmin(a.url)).accessToken
  })
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()])
    await redis.kill()
    await database?.drop()
  })

  const createKey = async (name: string, requestsPerMinute?: number) =>
    (await request(a.url, 'POST', '/v1/api-keys', { token, body: { name, scopes: ['api_keys:read'], ...(requestsPerMinute !== undefined && { rateLimit: { requestsPerMinute } }) } })).body.data
  const me = (url: string, key: string) => request(url, 'GET', '/v1/me', { token: key })

  it('keeps serving, stays strict, reports it, and resumes without a restart', async () => {
    const steady = await createKey('steady')
    const doomed = await createKey('doomed')
    const limited = await createKey('limited', 4)
    for (const key of [steady, doomed]) for (const url of [a.url, b.url]) expect((await me(url, key.token)).status).toBe(200)

    await redis.kill()

    // Served, from the database.
    expect((await me(b.url, steady.token)).status).toBe(200)
    // Reported, but still ready: a 503 would take every instance out of the load balancer.
    const readiness = await request(b.url, 'GET', '/readyz')
    expect(readiness.status).toBe(200)
    expect(readiness.body).toEqual({ status: 'degraded', checks: { database: 'ok', redis: 'unavailable' } })

    // Still strict: revoked on A, refused on B on the next request.
    expect((await request(a.url, 'DELETE', `/v1/api-keys/${doomed.id}`, { token })).status).toBe(200)
    expect((await me(b.url, doomed.token)).status).toBe(401)

    // Limits fall back to each instance's own counters (documented): 4 on B alone.
    const statuses: number[] = []
    for (let i = 0; i < 6; i++) statuses.push((await me(b.url, limited.token)).status)
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429])

    // Redis returns (empty: it kept nothing): everything resumes by itself.
    await redis.start(redis.port)
    await until(async () => (await request(b.url, 'GET', '/readyz')).body.status === 'ok')
    await until(async () => (await request(a.url, 'GET', '/readyz')).body.status === 'ok')
    expect((await me(b.url, doomed.token)).status).toBe(401)
    await me(b.url, steady.token)
    await me(b.url, steady.token)
    const before = await storageLookups(b.url)
    for (let i = 0; i < 5; i++) expect((await me(b.url, steady.token)).status).toBe(200)
    expect(await storageLookups(b.url)).toBe(before) // warm again: no storage reads

    const late = await createKey('late')
    expect((await me(b.url, late.token)).status).toBe(200)
    await request(a.url, 'DELETE', `/v1/api-keys/${late.id}`, { token })
    expect((await me(b.url, late.token)).status).toBe(401)
  })

  it('remaining uses: spent in the database while Redis is away, exactly; counted in Redis again from the row when it returns', async () => {
    const key = (await request(a.url, 'POST', '/v1/api-keys', { token, body: { name: 'metered', scopes: ['api_keys:read'], remaining: 6 } })).body.data
    for (const url of [a.url, b.url]) expect((await me(url, key.token)).status).toBe(200)

    await redis.kill()
    // What Redis granted reaches the row within a second, Redis or not.
    await new Promise((resolve) => setTimeout(resolve, 1500))
    const during: number[] = []
    for (let i = 0; i < 6; i++) during.push((await me(i % 2 === 0 ? a.url : b.url, key.token)).status)
    expect(during).toEqual([200, 200, 200, 200, 429, 429])

    await redis.start(redis.port)
    await until(async () => (await request(a.url, 'GET', '/readyz')).body.status === 'ok')
    await until(async () => (await request(b.url, 'GET', '/readyz')).body.status === 'ok')
    expect((await me(b.url, key.token)).status).toBe(429)
    expect((await request(a.url, 'PATCH', `/v1/api-keys/${key.id}`, { token, body: { remaining: 3 } })).status).toBe(200)
    const after = await Promise.all(Array.from({ length: 8 }, (_, i) => me(i % 2 === 0 ? a.url : b.url, key.token)))
    expect(after.filter((response) => response.status === 200)).toHaveLength(3)
    expect((await request(b.url, 'GET', `/v1/api-keys/${key.id}`, { token })).body.data.remaining).toBe(0)
  })
})

describe.runIf(postgres && built)('PostgreSQL goes away and comes back', () => {
  it('answers 503 quickly (never 500, never a hang), reports it, and recovers without a restart', async () => {
    const database = await createPostgresDatabase()
    const url = new URL(database.url)
    const proxy = new TcpProxy({ host: url.hostname, port: Number(url.port || 5432) })
    const port = await proxy.start()
    url.host = `127.0.0.1:${port}`
    const instance = await startInstance({ DATABASE_URL: url.toString(), BRANDWAVE_SECRET: TEST_SECRET, ...ADMIN_ENV })
    try {
      const token = (await loginAdmin(instance.url)).accessToken
      const pat = (await request(instance.url, 'POST', '/v1/personal-access-tokens', { token, body: { currentPassword: ADMIN_PASSWORD, name: 'outage' } })).body.data
      expect((await request(instance.url, 'GET', '/v1/me', { token: pat.token })).status).toBe(200)

      await proxy.cut()
      for (const [method, path, body] of [['GET', '/v1/me', undefined], ['POST', '/v1/personal-access-tokens', { currentPassword: ADMIN_PASSWORD, name: 'during' }], ['GET', '/v1/personal-access-tokens', undefined]] as const) {
        const started = Date.now()
        const response = await request(instance.url, method, path, { token: pat.token, ...(body !== undefined && { body }) })
        expect(Date.now() - started, `${method} ${path}`).toBeLessThan(3000)
        expect(response.status, `${method} ${path} → ${response.text}`).toBe(503)
        expect(response.body.error.code).toBe('unavailable')
        expect(response.headers.get('retry-after')).toBe('1')
      }
      const started = Date.now()
      const readiness = await request(instance.url, 'GET', '/readyz')
      expect(readiness.status).toBe(503)
      expect(readiness.body.checks.database).toBe('unavailable')
      expect(Date.now() - started).toBeLessThan(3000)

      await proxy.restore()
      await until(async () => (await request(instance.url, 'GET', '/v1/me', { token: pat.token })).status === 200)
      expect((await request(instance.url, 'GET', '/readyz')).status).toBe(200)
      expect(await instance.stop()).toBe(0)
    } finally {
      await instance.stop()
      await proxy.cut()
      await database.drop()
    }
  })
})
