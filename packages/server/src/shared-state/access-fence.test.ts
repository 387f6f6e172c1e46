import { randomBytes } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import type { FastifyBaseLogger } from 'fastify'
import type { Redis } from 'ioredis'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { AccessFence, LEASE_MS } from './access-fence.js'
import { connectRedis, type RedisHandle } from './redis-connection.js'

const redisUrl = process.env.TEST_REDIS_URL

const until = async (condition: () => boolean, timeoutMs = 5000) => {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** One instance: its connection, its fence, and the warnings it logged. */
function instance(prefix: string) {
  const warnings: string[] = []
  const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) }) as unknown as FastifyBaseLogger
  const redis = connectRedis(redisUrl!, logger)
  const fence = new AccessFence(redis, prefix, logger)
  return { redis, fence, warnings }
}

/** Delays every reply to a `MULTI` on this connection: the answers, on the subscription's connection, then come first. */
function delayTransactions(redis: RedisHandle, ms: number): void {
  const multi = redis.client.multi.bind(redis.client)
  redis.client.multi = ((...args: Parameters<typeof multi>) => {
    const transaction = multi(...args)
    const exec = transaction.exec.bind(transaction)
    transaction.exec = (async () => {
      const results = await exec()
      await new Promise((resolve) => setTimeout(resolve, ms))
      return results
    })
    return transaction
  }) as typeof redis.client.multi
}

describe.runIf(redisUrl)('the access version in process (Redis)', () => {
  const started: Array<ReturnType<typeof instance>> = []
  const deployment = async (count: number) => {
    const prefix = `bwfence:${randomBytes(4).toString('hex')}:`
    const instances = Array.from({ length: count }, () => instance(prefix))
    started.push(...instances)
    await until(() => instances.every(({ fence }) => fence.current() !== null))
    return instances
  }
  afterEach(async () => {
    for (const { fence, redis } of started.splice(0)) {
      fence.stop()
      await redis.close()
    }
  })

  it('a change moves every instance’s version before its writer goes on, even when the answers arrive before Redis’s reply', async () => {
    const [writer, other] = await deployment(2)
    delayTransactions(writer!.redis, 100)
    const before = [writer!.fence.current(), other!.fence.current()]
    const startedAt = performance.now()
    await writer!.fence.announce(`${randomBytes(4).toString('hex')}:version`, 'v2')
    const took = performance.now() - startedAt
    expect(writer!.fence.current()).not.toBe(before[0])
    expect(other!.fence.current()).not.toBe(before[1])
    // Answered by both, so not held until the lease ran out.
    expect(took).toBeLessThan(LEASE_MS / 2)
    expect(writer!.warnings).toEqual([])
  })

  it('an instance that does not answer holds the writer until its lease has run out, and is logged', async () => {
    const [writer, silent] = await deployment(2)
    // It hears the change (its version moves) but its answer never goes out.
    silent!.redis.client.publish = (() => new Promise(() => undefined))
    const startedAt = performance.now()
    await writer!.fence.announce(`${randomBytes(4).toString('hex')}:version`, 'v2')
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(LEASE_MS)
    expect(writer!.warnings.join('')).toContain('did not confirm an access change')
  })

  it('trusts its version only while subscribed: a lost connection drops it at once, and it comes back moved', async () => {
    const [one] = await deployment(1)
    const before = one!.fence.current()
    expect(before).not.toBeNull()
    // The subscription's connection is the fence's own: its socket goes, as in a network failure (ioredis reconnects).
    ;(one!.fence as unknown as { subscriber: Redis }).subscriber.stream.destroy()
    await until(() => one!.fence.current() === null, 2000)
    await until(() => one!.fence.current() !== null, 5000)
    expect(one!.fence.current()).not.toBe(before)
  })
})
