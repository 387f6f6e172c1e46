import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'

const TEST_PREFIX = /^bw[a-z]*:[0-9a-f]{8,}:$/

/** A key prefix of its own in the shared Redis (`bw<label>:<random>:`), so runs never see each other's keys. */
export function testRedisPrefix(label = 'test'): string {
  return `bw${label}:${randomBytes(6).toString('hex')}:`
}

async function withRedis<T>(url: string, use: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 })
  await client.connect()
  try {
    return await use(client)
  } finally {
    client.disconnect()
  }
}

async function scanPrefix(client: Redis, prefix: string, onKeys: (keys: string[]) => Promise<void> | void): Promise<void> {
  let cursor = '0'
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
    cursor = next
    if (keys.length > 0) await onKeys(keys)
  } while (cursor !== '0')
}

/**
 * Deletes every key under `prefix`: what a stopped test deployment leaves behind (access
 * version, counters). Only prefixes from `testRedisPrefix`, never a deployment's own.
 */
export async function deleteRedisPrefix(url: string, prefix: string): Promise<void> {
  if (!TEST_PREFIX.test(prefix)) throw new Error(`refusing to delete keys under "${prefix}": not a test prefix`)
  await withRedis(url, (client) => scanPrefix(client, prefix, async (keys) => void (await client.del(...keys))))
}

/** How many keys live under `prefix`. */
export function countRedisKeys(url: string, prefix: string): Promise<number> {
  let count = 0
  return withRedis(url, async (client) => {
    await scanPrefix(client, prefix, (keys) => void (count += keys.length))
    return count
  })
}
