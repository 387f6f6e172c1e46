import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loginAdmin, type TestUser } from '@brandwave/testing/actors'
import { createPostgresDatabase } from '@brandwave/testing/databases'
import { request } from '@brandwave/testing/http'
import { deleteRedisPrefix, testRedisPrefix } from '@brandwave/testing/redis'
import { built, startInstance, type Instance } from '@brandwave/testing/processes'
import { ADMIN_ENV, TEST_SECRET } from '@brandwave/testing/server'

const scaleOut = Boolean(process.env.TEST_DATABASE_URL && process.env.TEST_REDIS_URL)

/** 300 requests at once, spread over `urls` in turn: how many were let through, and how many refused for usage. */
async function spendConcurrently(urls: readonly string[], token: string, count: number): Promise<{ ok: number; exceeded: number; other: string[] }> {
  // A new connection per request, so a cluster's primary spreads them over its workers.
  const responses = await Promise.all(
    Array.from({ length: count }, (_, i) => request(urls[i % urls.length]!, 'GET', '/v1/me', { token, headers: { connection: 'close' } })),
  )
  const exceeded = responses.filter((response) => response.status === 429 && response.body.error.details[0]?.reason === 'USAGE_EXCEEDED').length
  const ok = responses.filter((response) => response.status === 200).length
  return { ok, exceeded, other: responses.filter((response) => response.status !== 200 && response.status !== 429).map((response) => `${response.status} ${response.text.slice(0, 200)}`) }
}

async function meteredKey(url: string, admin: TestUser, remaining: number, requestsPerMinute = 100_000): Promise<{ id: string; token: string }> {
  const created = await request(url, 'POST', '/v1/api-keys', {
    token: admin.accessToken,
    body: { name: 'metered', scopes: ['api_keys:read'], remaining, rateLimit: { requestsPerMinute } },
  })
  expect(created.status, created.text).toBe(201)
  return created.body.data
}

/** Issue 24 across instances: a budget is spent exactly once in total, and a disable holds everywhere at once. */
describe.runIf(scaleOut && built)('metered credentials on two instances (PostgreSQL + Redis)', () => {
  let database: Awaited<ReturnType<typeof createPostgresDatabase>>
  let a: Instance
  let b: Instance
  let admin: TestUser
  const prefix = testRedisPrefix('metering')

  beforeAll(async () => {
    database = await createPostgresDatabase()
    const env = { DATABASE_URL: database.url, REDIS_URL: process.env.TEST_REDIS_URL!, BRANDWAVE_REDIS_PREFIX: prefix, BRANDWAVE_SECRET: TEST_SECRET, ...ADMIN_ENV }
    ;[a, b] = await Promise.all([startInstance(env), startInstance(env)])
    admin = await loginAdmin(a.url)
  })
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()])
    await database?.drop()
    await deleteRedisPrefix(process.env.TEST_REDIS_URL!, prefix)
  })

  const me = (url: string, token: string) => request(url, 'GET', '/v1/me', { token })
  const remainingOf = async (id: string) => (await request(a.url, 'GET', `/v1/api-keys/${id}`, { token: admin.accessToken })).body.data.remaining as number

  it('with 100 left, exactly 100 of 300 concurrent requests over both instances succeed; the rest get USAGE_EXCEEDED', async () => {
    const cold = await meteredKey(a.url, admin, 100)
    expect(await spendConcurrently([a.url, b.url], cold.token, 300)).toEqual({ ok: 100, exceeded: 200, other: [] })
    expect(await remainingOf(cold.id)).toBe(0)
    // Warm on both first: each request is then counted and spent in one script.
    const warm = await meteredKey(a.url, admin, 102)
    for (const url of [a.url, b.url]) expect((await me(url, warm.token)).status).toBe(200)
    expect(await spendConcurrently([a.url, b.url], warm.token, 300)).toEqual({ ok: 100, exceeded: 200, other: [] })
    expect(await remainingOf(warm.id)).toBe(0)
  })

  it('a warm metered key over its rate limit is refused without spending, on one counter with its cold requests', async () => {
    const key = await meteredKey(a.url, admin, 100, 5)
    // The first is counted the usual way (cold), the rest with their spends (warm): one count.
    const statuses = []
    for (let i = 0; i < 3; i++) statuses.push((await me(b.url, key.token)).status)
    const together = await Promise.all(Array.from({ length: 6 }, () => me(b.url, key.token)))
    expect(statuses).toEqual([200, 200, 200])
    expect(together.filter((response) => response.status === 200)).toHaveLength(2)
    expect(together.filter((response) => response.status === 429 && response.body.error.code === 'rate_limited' && response.body.error.details.length === 0)).toHaveLength(4)
    expect(await remainingOf(key.id)).toBe(95)
  })

  it('a warm metered key revoked or disabled on A is refused on B on the very next request, and spends nothing', async () => {
    for (const action of ['disable', 'revoke'] as const) {
      const key = await meteredKey(a.url, admin, 10)
      for (let i = 0; i < 3; i++) expect((await me(b.url, key.token)).status).toBe(200)
      const path = action === 'disable' ? `/v1/api-keys/${key.id}/disable` : `/v1/api-keys/${key.id}`
      expect((await request(a.url, action === 'disable' ? 'POST' : 'DELETE', path, { token: admin.accessToken })).status).toBeLessThan(300)
      const refused = await me(b.url, key.token)
      expect(refused.status, action).toBe(401)
      expect(refused.body.error.details[0].reason).toBe(action === 'disable' ? 'DISABLED' : 'REVOKED')
      expect(await remainingOf(key.id)).toBe(7)
    }
  })

  it('verifications on both instances spend the same budget', async () => {
    const key = await meteredKey(a.url, admin, 10)
    const verifier = (await request(a.url, 'POST', '/v1/api-keys', { token: admin.accessToken, body: { name: 'gateway', scopes: ['api_keys:workflow'] } })).body.data
    const verdicts = await Promise.all(
      Array.from({ length: 12 }, (_, i) => request(i % 2 === 0 ? a.url : b.url, 'POST', '/v1/keys/verify', { token: verifier.token, body: { key: key.token, cost: 1 } })),
    )
    expect(verdicts.filter((verdict) => verdict.body.data.valid === true)).toHaveLength(10)
    expect(verdicts.filter((verdict) => verdict.body.data.code === 'USAGE_EXCEEDED')).toHaveLength(2)
  })

  it('disabled on A is refused on B on the very next request, and enabled on B works on A at once', async () => {
    const key = (await request(a.url, 'POST', '/v1/api-keys', { token: admin.accessToken, body: { name: 'switch', scopes: ['api_keys:read'] } })).body.data
    for (let round = 0; round < 10; round++) {
      for (let warm = 0; warm < 2; warm++) expect((await request(b.url, 'GET', '/v1/me', { token: key.token })).status).toBe(200)
      expect((await request(a.url, 'POST', `/v1/api-keys/${key.id}/disable`, { token: admin.accessToken })).status).toBe(200)
      const refused = await request(b.url, 'GET', '/v1/me', { token: key.token })
      expect(refused.status, `round ${round}`).toBe(401)
      expect(refused.body.error.details[0].reason).toBe('DISABLED')
      expect((await request(b.url, 'POST', `/v1/api-keys/${key.id}/enable`, { token: admin.accessToken })).status).toBe(200)
      expect((await request(a.url, 'GET', '/v1/me', { token: key.token })).status, `round ${round}`).toBe(200)
    }
  })
})

describe.runIf(built)('metered credentials on two workers (embedded database, --workers 2)', () => {
  it('with 100 left, exactly 100 of 300 concurrent requests succeed', { timeout: 120_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'brandwave-metering-'))
    const cluster = await startInstance({ BRANDWAVE_DATA_DIR: dataDir, ...ADMIN_ENV }, { args: ['--workers', '2'] })
    try {
      const admin = await loginAdmin(cluster.url)
      const key = await meteredKey(cluster.url, admin, 100)
      expect(await spendConcurrently([cluster.url], key.token, 300)).toEqual({ ok: 100, exceeded: 200, other: [] })
      expect((await request(cluster.url, 'GET', `/v1/api-keys/${key.id}`, { token: admin.accessToken })).body.data.remaining).toBe(0)
    } finally {
      await cluster.stop()
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})
