import { randomBytes } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loginAdmin, type TestUser } from '@brandwave/testing/actors'
import { createPostgresDatabase } from '@brandwave/testing/databases'
import { request } from '@brandwave/testing/http'
import { storageLookups } from '@brandwave/testing/metrics'
import { built, PrivateRedis, startInstance, TcpProxy, type Instance } from '@brandwave/testing/processes'
import { ADMIN_ENV, TEST_SECRET } from '@brandwave/testing/server'
import { LEASE_MS } from '../shared-state/access-fence.js'

const postgres = Boolean(process.env.TEST_DATABASE_URL)
/** What a writer logs when an instance did not answer its announcement in time. */
const UNANSWERED = 'did not confirm an access change'


async function until(condition: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

interface Sent {
  readonly sentAt: number
  readonly status: number
}

/**
 * `connections` clients each sending `GET /v1/me` one after another until `stop()`: many
 * requests in flight at once, so that instances check them in batches that share one
 * read of the access version. Each request records when it was sent. Each client waits a
 * random few milliseconds before each request, so that requests do not all arrive just as
 * the instance hears back from Redis, but at any moment, read in flight or not.
 */
function loadWith(url: string, token: string, connections = 16) {
  const sent: Sent[] = []
  let running = true
  const loops = Array.from({ length: connections }, async () => {
    while (running) {
      await pause(Math.random() * 8)
      const sentAt = performance.now()
      const response = await request(url, 'GET', '/v1/me', { token })
      sent.push({ sentAt, status: response.status })
    }
  })
  return {
    sent,
    async stop() {
      running = false
      await Promise.all(loops)
    },
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Instances share one read of the access version among the requests that arrived before
 * it was sent (docs/architecture.md, "One Redis read for many requests"). Instance B talks
 * to Redis through a proxy the test slows down or cuts; A talks to it directly.
 */
describe.runIf(postgres && built)('one access-version read for many requests, on PostgreSQL and Redis', () => {
  const redis = new PrivateRedis()
  let redisUrl: string
  let proxy: TcpProxy
  let database: Awaited<ReturnType<typeof createPostgresDatabase>>
  let a: Instance
  let b: Instance
  let admin: TestUser

  beforeAll(async () => {
    redisUrl = await redis.start()
    proxy = new TcpProxy({ host: '127.0.0.1', port: redis.port })
    const proxied = await proxy.start()
    database = await createPostgresDatabase()
    const env = { DATABASE_URL: database.url, BRANDWAVE_REDIS_PREFIX: `bwshared:${randomBytes(4).toString('hex')}:`, BRANDWAVE_SECRET: TEST_SECRET, ...ADMIN_ENV }
    ;[a, b] = await Promise.all([startInstance({ ...env, REDIS_URL: redisUrl }), startInstance({ ...env, REDIS_URL: `redis://127.0.0.1:${proxied}` })])
    admin = await loginAdmin(a.url)
  })
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()])
    await proxy?.cut()
    await redis.kill()
    await database?.drop()
  })

  const createKey = async (name: string, requestsPerMinute = 1_000_000) =>
    (await request(a.url, 'POST', '/v1/api-keys', { token: admin.accessToken, body: { name, scopes: ['api_keys:read'], rateLimit: { requestsPerMinute } } })).body.data as { id: string; token: string }
  const revoke = async (id: string, on = a.url) => expect((await request(on, 'DELETE', `/v1/api-keys/${id}`, { token: admin.accessToken })).status).toBe(200)
  const me = (url: string, token: string) => request(url, 'GET', '/v1/me', { token })
  const commandStats = async () => {
    const client = new Redis(redisUrl)
    try {
      return await client.info('commandstats')
    } finally {
      client.disconnect()
    }
  }
  const redisGets = async () => Number(/cmdstat_get:calls=(\d+)/.exec(await commandStats())?.[1] ?? 0)
  const redisCommands = async () => [...(await commandStats()).matchAll(/:calls=(\d+)/g)].reduce((sum, [, calls]) => sum + Number(calls), 0)
  /** Once B trusts its cache again: a warm key reads no storage on B, and its revocation on A is refused there at once. */
  const warmAgainOnBAndStrict = async (key: { id: string; token: string }) => {
    await me(b.url, key.token)
    const lookups = await storageLookups(b.url)
    for (let i = 0; i < 5; i++) expect((await me(b.url, key.token)).status).toBe(200)
    expect(await storageLookups(b.url)).toBe(lookups)
    await revoke(key.id)
    expect((await me(b.url, key.token)).status).toBe(401)
  }
  const timed = async (work: () => Promise<void>) => {
    const started = performance.now()
    await work()
    return performance.now() - started
  }

  it('under load and a slow link to Redis, every request sent after a revocation on A was acknowledged is refused on B', async () => {
    // Answers come back late: a GET Redis answered before the revocation is still on its way when requests sent after it arrive.
    proxy.lag(0, 30)
    try {
      for (let round = 0; round < 5; round++) {
        const key = await createKey(`concurrent ${round}`)
        expect((await me(b.url, key.token)).status).toBe(200)
        const load = loadWith(b.url, key.token)
        await pause(400)
        await revoke(key.id)
        const acknowledgedAt = performance.now()
        await pause(300)
        await load.stop()
        const before = load.sent.filter(({ sentAt }) => sentAt < acknowledgedAt)
        const after = load.sent.filter(({ sentAt }) => sentAt > acknowledgedAt)
        expect(before.filter(({ status }) => status === 200).length, `round ${round}: served while warm`).toBeGreaterThan(0)
        expect(after.length).toBeGreaterThan(0)
        expect(
          after.filter(({ status }) => status !== 401),
          `round ${round}: sent after the acknowledgement, yet not refused`,
        ).toEqual([])
      }
    } finally {
      proxy.lag(0)
    }
  })

  it('one GET of the version answers many requests that arrived together, and a warm key reads no storage', async () => {
    const key = await createKey('shared read')
    expect((await me(b.url, key.token)).status).toBe(200)
    proxy.lag(10)
    try {
      const gets = await redisGets()
      const lookups = await storageLookups(b.url)
      const load = loadWith(b.url, key.token)
      await pause(1000)
      await load.stop()
      expect(load.sent.every(({ status }) => status === 200)).toBe(true)
      // With 16 requests in flight and 10 ms each way to Redis, they arrive in batches: far fewer reads than requests.
      expect((await redisGets()) - gets).toBeLessThan(load.sent.length / 4)
      expect(await storageLookups(b.url)).toBe(lookups)
    } finally {
      proxy.lag(0)
    }
  })

  it('a warm key asks Redis almost nothing: the version is kept in process and the count comes from a share', async () => {
    const key = await createKey('in process')
    expect((await me(b.url, key.token)).status).toBe(200)
    const commands = await redisCommands()
    const load = loadWith(b.url, key.token)
    await pause(1500)
    await load.stop()
    expect(load.sent.every(({ status }) => status === 200)).toBe(true)
    // Besides the lease's PINGs (four a second per instance), one count for many requests.
    expect((await redisCommands()) - commands).toBeLessThan(load.sent.length / 10)
  })

  it('with every instance answering, a revocation never waits for a lease', async () => {
    for (let i = 0; i < 5; i++) {
      const key = await createKey(`answered ${i}`)
      for (const url of [a.url, b.url]) expect((await me(url, key.token)).status).toBe(200)
      await revoke(key.id, i % 2 === 0 ? a.url : b.url)
      for (const url of [a.url, b.url]) expect((await me(url, key.token)).status).toBe(401)
    }
    // The writer's own answer, and B's, can come before Redis's reply to the announcement: they count all the same.
    expect(a.output() + b.output()).not.toContain(UNANSWERED)
  })

  it('with B hearing Redis 400 ms late, a revocation on A is answered only once B has heard it, and B refuses every request sent after', async () => {
    const key = await createKey('heard late')
    expect((await me(b.url, key.token)).status).toBe(200)
    proxy.lag(0, 400)
    try {
      // Long enough for the lease to be renewed through the lag: B still trusts its version in process.
      await pause(1200)
      const load = loadWith(b.url, key.token, 8)
      await pause(300)
      const took = await timed(() => revoke(key.id))
      const acknowledgedAt = performance.now()
      await pause(300)
      await load.stop()
      expect(took).toBeGreaterThanOrEqual(380)
      expect(took).toBeLessThan(LEASE_MS)
      expect(load.sent.filter(({ sentAt, status }) => sentAt > acknowledgedAt && status !== 401)).toEqual([])
    } finally {
      proxy.lag(0)
    }
  })

  it('a partition that leaves B’s connection open: A waits at most for B’s lease, B then asks the database and refuses', async () => {
    const steady = await createKey('steady through the silent partition')
    const doomed = await createKey('revoked during the silent partition')
    for (const key of [steady, doomed]) expect((await me(b.url, key.token)).status).toBe(200)
    // Nothing B sends or receives arrives for three seconds: to both ends, the connection looks open.
    proxy.lag(3000)
    try {
      const took = await timed(() => revoke(doomed.id))
      expect(took).toBeGreaterThanOrEqual(LEASE_MS - 300)
      expect(took).toBeLessThan(LEASE_MS + 1000)
      expect(a.output()).toContain(UNANSWERED)
      // B's lease has run out: nothing vouches for its cache. Its command to Redis times out, and the database decides.
      let refused: Awaited<ReturnType<typeof me>> | undefined
      expect(await timed(async () => void (refused = await me(b.url, doomed.token)))).toBeLessThan(2500)
      expect(refused?.status).toBe(401)
      expect((await me(b.url, steady.token)).status).toBe(200)
    } finally {
      proxy.lag(0)
    }
    // The late bytes arrive, the lease is renewed, and B is warm again, and strict.
    await pause(3500)
    await me(b.url, steady.token)
    await warmAgainOnBAndStrict(steady)
  })

  it('requests of one key checked together are counted together, exactly: a limit of 10 gives 10 across instances', async () => {
    const key = await createKey('limited together', 10)
    const responses = await Promise.all(Array.from({ length: 40 }, (_, i) => me(i % 2 === 0 ? a.url : b.url, key.token)))
    const served = responses.filter(({ status }) => status === 200)
    expect(served).toHaveLength(10)
    expect(responses.filter(({ status }) => status === 429)).toHaveLength(30)
    // Each request learns the count it would have got alone.
    const remaining = served.map(({ headers }) => Number(headers.get('ratelimit-remaining'))).sort((x, y) => x - y)
    expect(remaining).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
  })

  it('a busy key counted in shares on both instances never gets more than its limit, and gets all of it once shares go back', async () => {
    const limit = 400
    const key = await createKey('limited in shares', limit)
    let served = 0
    const counted = (response: { status: number }) => {
      if (response.status === 200) served += 1
      else expect(response.status).toBe(429)
    }
    // Sixteen at a time on both instances, past the limit.
    for (let i = 0; i < 600; i += 16) {
      const responses = await Promise.all(Array.from({ length: 16 }, (_, j) => me((i + j) % 2 === 0 ? a.url : b.url, key.token)))
      responses.forEach(counted)
    }
    expect(served).toBeLessThanOrEqual(limit)
    // What either instance still holds goes back within a second or so; then A alone takes the rest, exactly.
    await pause(2000)
    for (let i = 0; i < 100 && served < limit + 1; i++) counted(await me(a.url, key.token))
    expect(served).toBe(limit)
    expect((await me(a.url, key.token)).status).toBe(429)
  })

  it('cut off from Redis, B trusts no cache yet stays strict; a revocation B could not publish is heard once the link returns', async () => {
    const steady = await createKey('steady through the partition')
    const doomed = await createKey('revoked on A during the partition')
    const local = await createKey('revoked on B during the partition')
    for (const key of [steady, doomed, local]) for (const url of [a.url, b.url]) expect((await me(url, key.token)).status).toBe(200)

    await proxy.cut()
    await until(async () => (await request(b.url, 'GET', '/readyz')).body.checks?.redis === 'unavailable')
    const load = loadWith(b.url, steady.token, 8)
    try {
      // Every check reads the database: nothing vouches for a warm entry.
      const lookups = await storageLookups(b.url)
      expect((await me(b.url, steady.token)).status).toBe(200)
      expect(await storageLookups(b.url)).toBeGreaterThan(lookups)

      await revoke(doomed.id)
      expect((await me(b.url, doomed.token)).status).toBe(401)
      await revoke(local.id, b.url)
      expect((await me(b.url, local.token)).status).toBe(401)
    } finally {
      await load.stop()
    }
    expect(load.sent.every(({ status }) => status === 200)).toBe(true)

    await proxy.restore()
    // B publishes what it changed, then reports Redis ready again; A then refuses too.
    await until(async () => (await request(b.url, 'GET', '/readyz')).body.status === 'ok')
    expect((await me(a.url, local.token)).status).toBe(401)
    expect((await me(b.url, doomed.token)).status).toBe(401)

    await warmAgainOnBAndStrict(steady)
  })

  it('Redis restarts empty under load: nothing is served from a cache it no longer vouches for, and caching resumes', async () => {
    const steady = await createKey('steady through the restart')
    const doomed = await createKey('revoked while Redis is down')
    for (const key of [steady, doomed]) for (const url of [a.url, b.url]) expect((await me(url, key.token)).status).toBe(200)
    const load = loadWith(b.url, doomed.token, 8)
    await pause(200)
    await redis.kill()
    await revoke(doomed.id)
    const acknowledgedAt = performance.now()
    await pause(200)
    await redis.start(redis.port)
    await until(async () => (await request(b.url, 'GET', '/readyz')).body.status === 'ok' && (await request(a.url, 'GET', '/readyz')).body.status === 'ok')
    await load.stop()
    expect(load.sent.filter(({ sentAt, status }) => sentAt > acknowledgedAt && status !== 401)).toEqual([])

    await me(b.url, steady.token)
    await me(b.url, steady.token)
    const lookups = await storageLookups(b.url)
    for (let i = 0; i < 5; i++) expect((await me(b.url, steady.token)).status).toBe(200)
    expect(await storageLookups(b.url)).toBe(lookups)
  })
})
