import { describe, expect, it } from 'vitest'
import { loginAdmin } from './actors.js'
import { countRedisKeys } from './redis.js'
import { startTestServer } from './server.js'

describe.runIf(Boolean(process.env.TEST_DATABASE_URL && process.env.TEST_REDIS_URL))('a test server on PostgreSQL and Redis', () => {
  it('leaves no key behind in the shared Redis once closed', async () => {
    const server = await startTestServer('postgres+redis')
    const redis = server.redis!
    try {
      // The access version exists from boot; a sign-in adds the sign-in counters.
      await loginAdmin(server)
      expect(await countRedisKeys(redis.url, redis.prefix)).toBeGreaterThan(0)
    } finally {
      await server.close()
    }
    expect(await countRedisKeys(redis.url, redis.prefix)).toBe(0)
  })
})
