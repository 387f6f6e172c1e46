import { randomUUID } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import type { AccessVersion, Version } from './access-version.js'
import type { RedisHandle } from './redis-connection.js'

/**
 * The access version, shared through Redis by every instance. A bump *replaces* it with a
 * random value rather than incrementing it: a Redis that restarted empty, or any value
 * seen before, can never make an old cache entry valid again. While this instance has a
 * bump it could not publish, or cannot reach Redis, it answers null: no cache is used and
 * every check reads the database.
 */
export class RedisAccessVersion implements AccessVersion {
  private pending = false
  private retry: NodeJS.Timeout | undefined

  constructor(
    private readonly redis: RedisHandle,
    private readonly key: string,
    private readonly logger: FastifyBaseLogger,
  ) {}

  async read(): Promise<Version | null> {
    if (this.pending || this.redis.client.status !== 'ready') return null
    try {
      const value = await this.redis.client.get(this.key)
      if (value !== null) return value
      // No version yet (a fresh Redis): start one; this request reads storage.
      await this.redis.client.set(this.key, randomUUID(), 'NX')
      return null
    } catch {
      return null
    }
  }

  /** Whether this instance holds a change the others have not heard of (it then reads storage every time). */
  get unpublished(): boolean {
    return this.pending
  }

  async bump(): Promise<void> {
    try {
      await this.redis.client.set(this.key, randomUUID())
      this.pending = false
    } catch (error) {
      // The change is committed; until other instances hear of it through Redis, this one
      // trusts no cache, and keeps trying to tell them.
      this.pending = true
      this.logger.error({ err: error }, 'could not publish an access change to Redis; retrying')
      this.retry ??= setTimeout(() => {
        this.retry = undefined
        void this.bump()
      }, 250)
      this.retry.unref()
    }
  }

  stop(): void {
    if (this.retry !== undefined) clearTimeout(this.retry)
  }
}
