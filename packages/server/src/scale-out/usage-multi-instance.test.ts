import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loginAdmin, type TestUser } from '@brandwave/testing/actors'
import { createPostgresDatabase } from '@brandwave/testing/databases'
import { request } from '@brandwave/testing/http'
import { deleteRedisPrefix, testRedisPrefix } from '@brandwave/testing/redis'
import { ADMIN_ENV, TEST_SECRET } from '@brandwave/testing/server'
import { loadConfig } from '../config.js'
import { startServer, type RunningServer } from '../server.js'

const scaleOut = Boolean(process.env.TEST_DATABASE_URL && process.env.TEST_REDIS_URL)

/** Two instances on one PostgreSQL count their own requests and add them: nothing lost, nothing twice. */
describe.runIf(scaleOut)('usage per key across instances (PostgreSQL + Redis)', () => {
  let database: Awaited<ReturnType<typeof createPostgresDatabase>>
  let a: RunningServer
  let b: RunningServer
  let admin: TestUser
  const prefix = testRedisPrefix('usage')

  beforeAll(async () => {
    database = await createPostgresDatabase()
    const env = {
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: database.url,
      REDIS_URL: process.env.TEST_REDIS_URL!,
      BRANDWAVE_REDIS_PREFIX: prefix,
      BRANDWAVE_SECRET: TEST_SECRET,
      ...ADMIN_ENV,
      // Flushed by the test, concurrently on both instances, rather than on a timer.
      BRANDWAVE_USAGE_FLUSH_MS: '600000',
    }
    const logger = pino({ level: 'silent' })
    a = await startServer(loadConfig(env), { logger })
    b = await startServer(loadConfig(env), { logger, bootstrap: false })
    admin = await loginAdmin(a.url)
  })
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()])
    await database?.drop()
    await deleteRedisPrefix(process.env.TEST_REDIS_URL!, prefix)
  })

  it('requests on both, flushed at the same moment in several rounds, add up exactly', async () => {
    const keys: Array<{ id: string; token: string }> = []
    for (let i = 0; i < 4; i++) {
      const created = await request(a.url, 'POST', '/v1/api-keys', { token: admin.accessToken, body: { name: `shared ${i}`, scopes: ['api_keys:read'] } })
      expect(created.status, created.text).toBe(201)
      keys.push(created.body.data)
    }
    const rounds = 3
    const perInstance = 25
    for (let round = 0; round < rounds; round++) {
      await Promise.all(
        keys.flatMap((key) => [a, b].map(async (instance) => {
          for (let i = 0; i < perInstance; i++) expect((await request(instance.url, 'GET', '/v1/me', { token: key.token })).status).toBe(200)
        })),
      )
      // Both write the same rows at once: the upserts add, and take their locks in one order.
      await Promise.all([a.app.usageCounts.flush(), b.app.usageCounts.flush()])
    }
    for (const key of keys) {
      const usage = await request(b.url, 'GET', `/v1/api-keys/${key.id}/usage?granularity=hour`, { token: admin.accessToken })
      expect(usage.status, usage.text).toBe(200)
      expect(usage.body.data.totals).toEqual({ accepted: rounds * perInstance * 2, refused: 0, refusedByReason: {} })
      expect(usage.body.data.addresses.map((address: { ip: string }) => address.ip)).toEqual(['127.0.0.1'])
    }
  })
})
