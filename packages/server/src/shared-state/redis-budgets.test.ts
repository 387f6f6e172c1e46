import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiKey, loginAdmin, type TestUser } from '@brandwave/testing/actors'
import { startTestServer, type TestServer } from '@brandwave/testing/server'

const scaleOut = Boolean(process.env.TEST_DATABASE_URL && process.env.TEST_REDIS_URL)

async function until<T>(read: () => Promise<T>, wanted: T, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let value = await read()
  while (value !== wanted && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    value = await read()
  }
  return value
}

/** Issue 24 with Redis: remaining uses are counted there, and the database row follows within a second. */
describe.runIf(scaleOut)('remaining uses counted in Redis (postgres+redis)', () => {
  let server: TestServer
  let admin: TestUser
  let redis: Redis

  beforeAll(async () => {
    server = await startTestServer('postgres+redis')
    admin = await loginAdmin(server)
    redis = new Redis(process.env.TEST_REDIS_URL!)
  })
  afterAll(async () => {
    redis?.disconnect()
    await server?.close()
  })

  const metered = (remaining: number) => createApiKey(server, admin.accessToken, { scopes: ['api_keys:read'], remaining })
  const me = (token: string) => server.request('GET', '/v1/me', { token })
  const shown = async (id: string) => (await server.request('GET', `/v1/api-keys/${id}`, { token: admin.accessToken })).body.data.remaining as number
  const counted = async (id: string) => Number(await redis.hget(`${server.redis!.prefix}budget:${id}`, 'r'))
  const row = async (id: string) => (await server.running.database.db.selectFrom('credentials').select('remaining').where('id', '=', id).executeTakeFirstOrThrow()).remaining

  it('spends are decided in Redis, shown at once, and written back to the row within a second', async () => {
    const key = await metered(10)
    for (let i = 0; i < 4; i++) expect((await me(key.token)).status).toBe(200)
    expect(await counted(key.id)).toBe(6)
    expect(await shown(key.id)).toBe(6)
    expect(await until(() => row(key.id), 6)).toBe(6)
  })

  it('a PATCH starts a new count: uses spent under the old budget are not taken off the new one, in Redis or in the row', async () => {
    const key = await metered(10)
    for (let i = 0; i < 3; i++) expect((await me(key.token)).status).toBe(200)
    // Straight away, while those 3 are still to be written back.
    const patched = await server.request('PATCH', `/v1/api-keys/${key.id}`, { token: admin.accessToken, body: { remaining: 2 } })
    expect(patched.body.data.remaining).toBe(2)
    expect((await me(key.token)).status).toBe(200)
    expect((await me(key.token)).status).toBe(200)
    const refused = await me(key.token)
    expect(refused.status).toBe(429)
    expect(refused.body.error.details[0].reason).toBe('USAGE_EXCEEDED')
    await new Promise((resolve) => setTimeout(resolve, 1500))
    expect(await row(key.id)).toBe(0)
    expect(await shown(key.id)).toBe(0)
  })

  it('a budget Redis lost (a restart without persistence) starts again from the row', async () => {
    const key = await metered(5)
    for (let i = 0; i < 2; i++) expect((await me(key.token)).status).toBe(200)
    expect(await until(() => row(key.id), 3)).toBe(3)
    await redis.del(`${server.redis!.prefix}budget:${key.id}`)
    expect(await shown(key.id)).toBe(3)
    const outcomes = []
    for (let i = 0; i < 5; i++) outcomes.push((await me(key.token)).status)
    expect(outcomes).toEqual([200, 200, 200, 429, 429])
    expect(await counted(key.id)).toBe(0)
  })
})
