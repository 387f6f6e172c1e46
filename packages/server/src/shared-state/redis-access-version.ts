import { randomUUID } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import { lastArrival, type AccessVersion, type Version } from './access-version.js'
import type { AccessFence } from './access-fence.js'
import type { RedisHandle } from './redis-connection.js'

/** One GET of the version: it answers every request numbered up to `after`. */
interface SharedRead {
  /** The highest arrival number given out when the GET was sent. */
  readonly after: number
  readonly answer: Promise<Version | null>
}

/**
 * The access version, shared through Redis by every instance. A bump *replaces* it with a
 * random value rather than incrementing it: a Redis that restarted empty, or any value
 * seen before, can never make an old cache entry valid again. While this instance has a
 * bump it could not publish, or cannot reach Redis, it answers null: no cache is used and
 * every check reads the database.
 *
 * One GET serves every request that had arrived when it was sent, as one `data_version`
 * read does on the embedded database: a change acknowledged before such a request was sent
 * was SET in Redis before the request reached us, so before that GET, and Redis answers
 * each command after every command it acknowledged before (docs/architecture.md, "One
 * Redis read for many requests"). A request that arrived after the GET in flight was sent
 * waits for the next one, sent as soon as that one returns; a call without an arrival
 * number (from inside the process) always sends its own.
 *
 * With a fence (`AccessFence`), none of that is asked while the fence holds: the version
 * kept in process, moved by every instance's announced changes, answers without I/O.
 * Versions from the fence are numbers,
 * the shared ones strings: an entry filed under one is never taken for the other.
 */
export class RedisAccessVersion implements AccessVersion {
  private pending = false
  private retry: NodeJS.Timeout | undefined
  /** The last GET that answered, and what it said: reused for requests it covers. */
  private answered: { readonly after: number; readonly version: Version } | undefined
  private inFlight: SharedRead | undefined
  /** The GET to send once `inFlight` returns, for the requests it does not cover. */
  private queued: Promise<Version | null> | undefined

  constructor(
    private readonly redis: RedisHandle,
    private readonly key: string,
    private readonly logger: FastifyBaseLogger,
    private readonly fence: AccessFence | null = null,
  ) {
    // What Redis said before the connection dropped says nothing about after it.
    redis.onLost(() => this.forget())
  }

  /**
   * Checked at the end of the poll phase, in batches, fence or not: without it, one `GET`
   * serves the batch; with it, the checks need no I/O, and the turn's answers going out
   * together cost Node's HTTP writer and the kernel less than answering each request as it
   * is parsed (bench/README.md, "The access version in process").
   */
  readonly perBatch = true

  readonly readNow = (): Version | null => (this.pending ? null : (this.fence?.current() ?? null))

  readonly inProcess = (version: Version): boolean => typeof version === 'number' && version === this.readNow()

  read(arrival?: number): Version | null | Promise<Version | null> {
    if (this.pending || this.redis.client.status !== 'ready') return null
    const fenced = this.fence?.current()
    if (fenced != null) return fenced
    if (arrival === undefined) return this.get()
    const answered = this.answered
    if (answered !== undefined && arrival <= answered.after) return answered.version
    const inFlight = this.inFlight
    if (inFlight === undefined) return this.send().answer
    if (arrival <= inFlight.after) return inFlight.answer
    this.queued ??= inFlight.answer.then(
      () => this.sendQueued(),
      () => this.sendQueued(),
    )
    return this.queued
  }

  private sendQueued(): Promise<Version | null> {
    this.queued = undefined
    if (this.pending || this.redis.client.status !== 'ready') return Promise.resolve(null)
    // Another request may have sent one meanwhile (the in-flight one ended first): it was sent after every waiter arrived.
    return (this.inFlight ?? this.send()).answer
  }

  private send(): SharedRead {
    const read: SharedRead = { after: lastArrival(), answer: this.get() }
    this.inFlight = read
    void read.answer.then((version) => {
      if (this.inFlight === read) this.inFlight = undefined
      // A later GET's answer, or a lost connection since, wins; only a real version is reused.
      if (version !== null && this.inFlight === undefined && (this.answered === undefined || this.answered.after < read.after)) {
        this.answered = { after: read.after, version }
      }
    })
    return read
  }

  private async get(): Promise<Version | null> {
    try {
      const value = await this.redis.client.get(this.key)
      // A bump that failed meanwhile: this instance holds a change the value does not reflect.
      if (this.pending) return null
      if (value !== null) return value
      // No version yet (a fresh Redis): start one; this request reads storage.
      await this.redis.client.set(this.key, randomUUID(), 'NX')
      return null
    } catch {
      return null
    }
  }

  readonly sharedKey = (): string | null => (this.pending || this.redis.client.status !== 'ready' ? null : this.key)

  private forget(): void {
    this.answered = undefined
    this.inFlight = undefined
  }

  /** Whether this instance holds a change the others have not heard of (it then reads storage every time). */
  get unpublished(): boolean {
    return this.pending
  }

  async bump(): Promise<void> {
    try {
      if (this.fence === null) await this.redis.client.set(this.key, randomUUID())
      else await this.fence.announce(this.key, randomUUID())
      this.pending = false
    } catch (error) {
      // The change is committed; until other instances hear of it through Redis, this one
      // trusts no cache, and keeps trying to tell them.
      this.pending = true
      this.forget()
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
    this.fence?.stop()
  }
}
