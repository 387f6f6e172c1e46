import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loginAdmin } from '@brandwave/testing/actors'
import { createPostgresDatabase, storageKinds, type TestDatabaseKind, testDatabaseKinds } from '@brandwave/testing/databases'
import { request } from '@brandwave/testing/http'
import { built, startInstance, type Instance } from '@brandwave/testing/processes'
import { deleteRedisPrefix, testRedisPrefix } from '@brandwave/testing/redis'
import { ADMIN_ENV, TEST_SECRET } from '@brandwave/testing/server'
import { WebhookReceiver } from '@brandwave/testing/webhook-receiver'

/** The environment of a real deployment of `kind`, with its own database and Redis prefix. */
async function deployment(kind: TestDatabaseKind): Promise<{ env: Record<string, string>; drop: () => Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'brandwave-webhooks-'))
  const postgres = kind === 'sqlite' ? null : await createPostgresDatabase()
  const redis = kind === 'postgres+redis' ? { url: process.env.TEST_REDIS_URL!, prefix: testRedisPrefix('hooks') } : null
  return {
    env: {
      BRANDWAVE_DATA_DIR: dataDir,
      ...ADMIN_ENV,
      BRANDWAVE_WEBHOOK_ALLOW_PRIVATE: 'true',
      ...(postgres !== null && { DATABASE_URL: postgres.url, BRANDWAVE_SECRET: TEST_SECRET }),
      ...(redis !== null && { REDIS_URL: redis.url, BRANDWAVE_REDIS_PREFIX: redis.prefix }),
    },
    async drop() {
      await postgres?.drop()
      if (redis !== null) await deleteRedisPrefix(redis.url, redis.prefix)
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  // Real processes on real clocks: there is no clock to move here, so poll briefly.
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe.runIf(built).each(storageKinds)('webhook durability across a crash (%s)', (kind) => {
  let setup: Awaited<ReturnType<typeof deployment>>
  const receiver = new WebhookReceiver()
  let instance: Instance | undefined

  beforeAll(async () => {
    setup = await deployment(kind)
    await receiver.start()
  })
  afterAll(async () => {
    await instance?.stop()
    await receiver.close()
    await setup?.drop()
  })

  it('an event committed right before SIGKILL is delivered after restart, with the same webhook-id', async () => {
    const env = { ...setup.env, BRANDWAVE_WEBHOOK_RETRY_SECONDS: '1' }
    // Down until the crash: whatever reaches it before then is not a delivery.
    receiver.respond = () => 503
    const first = await startInstance(env)
    instance = first
    const token = (await loginAdmin(first.url)).accessToken
    const endpoint = await request(first.url, 'POST', '/v1/webhook-endpoints', { token, body: { url: receiver.url, events: ['api_key.created'] } })
    expect(endpoint.status, endpoint.text).toBe(201)
    const created = await request(first.url, 'POST', '/v1/api-keys', { token, body: { name: 'just before the crash', scopes: ['api_keys:read'] } })
    expect(created.status).toBe(201)
    const exited = new Promise((resolve) => first.child.once('exit', resolve))
    first.child.kill('SIGKILL')
    await exited
    instance = undefined

    receiver.respond = () => 200
    instance = await startInstance(env)
    const forKey = () => receiver.received.filter((r) => (JSON.parse(r.body) as { data: { id: string } }).data.id === created.body.data.id)
    await until(() => forKey().some((r) => r.answered === 200), 45_000, 'the delivery after restart')
    expect(new Set(forKey().map((r) => r.headers['webhook-id'])).size).toBe(1)
  }, 90_000)
})

const scaleOut = testDatabaseKinds.includes('postgres+redis')

describe.runIf(built && scaleOut)('two instances on PostgreSQL + Redis', () => {
  let setup: Awaited<ReturnType<typeof deployment>>
  const receiver = new WebhookReceiver()
  let instances: Instance[] = []

  beforeAll(async () => {
    setup = await deployment('postgres+redis')
    await receiver.start()
    instances = await Promise.all([startInstance(setup.env), startInstance(setup.env)])
  })
  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.stop()))
    await receiver.close()
    await setup?.drop()
  })

  it('deliver each event of a burst of 200 changes exactly once', async () => {
    const [a, b] = instances as [Instance, Instance]
    const token = (await loginAdmin(a.url)).accessToken
    const endpoint = await request(a.url, 'POST', '/v1/webhook-endpoints', { token, body: { url: receiver.url } })
    expect(endpoint.status).toBe(201)

    const committedAt = new Map<string, number>()
    const started = performance.now()
    let next = 0
    // Eight clients at once, alternating instances: both write events and both deliver.
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < 200) {
          const i = next++
          const response = await request((i % 2 === 0 ? a : b).url, 'POST', '/v1/api-keys', { token, body: { name: `burst ${i}`, scopes: ['api_keys:read'] } })
          expect(response.status).toBe(201)
          committedAt.set(response.body.data.id, performance.now())
        }
      }),
    )
    await receiver.waitFor(200, 60_000)
    const finished = receiver.received[199]!.receivedAt
    // Anything sent twice would arrive within moments of the first copy.
    await new Promise((resolve) => setTimeout(resolve, 1500))

    expect(receiver.received).toHaveLength(200)
    const ids = receiver.received.map((r) => r.headers['webhook-id'])
    expect(new Set(ids).size).toBe(200)
    const keys = new Set(receiver.events().map((event) => event.data.id as string))
    expect([...committedAt.keys()].every((id) => keys.has(id))).toBe(true)

    const latencies = receiver.events().map((event, i) => receiver.received[i]!.receivedAt - committedAt.get(event.data.id as string)!).sort((x, y) => x - y)
    const seconds = (finished - started) / 1000
    console.info(
      `webhook throughput: 200 events from first request to last receipt in ${seconds.toFixed(2)} s = ${(200 / seconds).toFixed(0)} events/s; ` +
        `commit→receiver latency p50 ${latencies[100]!.toFixed(0)} ms, p95 ${latencies[190]!.toFixed(0)} ms`,
    )
  }, 120_000)
})
