import { randomUUID } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import type { FastifyBaseLogger } from 'fastify'
import type { Redis } from 'ioredis'
import type { RedisHandle } from './redis-connection.js'

/**
 * How long an instance may trust its in-process version after the PING that renewed its
 * lease was *sent*: also the longest a change waits for an instance that does not answer.
 */
export const LEASE_MS = 1000
const RENEW_EVERY_MS = LEASE_MS / 4
/** Timers fire late, not early, and clocks run at rates a few parts per million apart: a margin for both. */
const MARGIN_MS = 50

interface Waiting {
  answered: number
  /** How many instances Redis delivered the announcement to; unknown until it says. */
  expected: number
  finish: () => void
}

/**
 * The access version kept in this process, moved by messages from every instance's
 * changes, so that a warm request asks Redis nothing (docs/architecture.md, "The access
 * version in process: announced changes and a lease").
 *
 * A change is announced with the `SET` of the shared version, and its writer waits, before
 * it answers, until every instance Redis delivered the announcement to has moved its
 * version and said so, or until every lease that could have been taken without hearing it
 * has run out. An instance trusts its version only while its subscription is up and its
 * lease is current: a lease is renewed by a PING on the subscription's own connection, and
 * Redis answers that PING after every message it queued there before it, so a lease renewed
 * after an announcement was sent is renewed after the announcement was heard.
 */
export class AccessFence {
  private readonly subscriber: Redis
  private readonly changes: string
  private readonly acks: string
  private readonly ackPrefix: string
  /** Moves whenever a change is heard, and whenever hearing may have been interrupted. */
  private version = 0
  private leaseUntil = 0
  private subscribed = false
  private sequence = 0
  private readonly waiting = new Map<number, Waiting>()
  private readonly renewal: NodeJS.Timeout

  constructor(
    private readonly redis: RedisHandle,
    prefix: string,
    private readonly logger: FastifyBaseLogger,
  ) {
    this.changes = `${prefix}access-changes`
    this.ackPrefix = `${prefix}access-acks:`
    this.acks = `${this.ackPrefix}${randomUUID()}`
    // Its own connection: a subscribed connection carries nothing else. Subscribing again
    // is this class's to do after a reconnection, since that is when the version must move.
    this.subscriber = redis.client.duplicate({ enableAutoPipelining: false, autoResubscribe: false, autoResendUnfulfilledCommands: false, lazyConnect: false })
    this.subscriber.on('ready', () => void this.subscribe())
    for (const event of ['close', 'end', 'error', 'reconnecting']) this.subscriber.on(event, () => this.drop())
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.changes) this.heard(message)
      else if (channel === this.acks) this.acknowledged(message)
    })
    this.renewal = setInterval(() => this.renew(), RENEW_EVERY_MS)
    this.renewal.unref()
  }

  /** The in-process version while this instance is sure to hear every change; null when it may not be. */
  current(): number | null {
    return performance.now() < this.leaseUntil ? this.version : null
  }

  /** This instance made a change: nothing it cached before is used, whatever Redis says next. */
  moved(): void {
    this.version += 1
  }

  /**
   * `SET`s the shared version to `value` and announces the change in the same transaction,
   * then waits until every instance that received the announcement has moved its version, or
   * until the lease of any that did not answer has run out. Throws if Redis did not take it.
   */
  async announce(versionKey: string, value: string): Promise<void> {
    this.moved()
    this.sequence += 1
    const sequence = this.sequence
    // Answers come on another connection than Redis's reply, and may come first: counted from now.
    const waiting: Waiting = { answered: 0, expected: Infinity, finish: () => undefined }
    this.waiting.set(sequence, waiting)
    try {
      const results = await this.redis.client.multi().set(versionKey, value).publish(this.changes, `${this.acks} ${sequence}`).exec()
      // Every PING answered before this instant was answered before the announcement was queued.
      const announcedAt = performance.now()
      if (results === null) throw new Error('the access change was not applied')
      for (const [error] of results) if (error !== null) throw error
      waiting.expected = Number(results[1]![1])
      await this.answersOrLeasesOut(waiting, announcedAt + LEASE_MS + MARGIN_MS)
    } finally {
      this.waiting.delete(sequence)
    }
  }

  private answersOrLeasesOut(waiting: Waiting, deadline: number): Promise<void> {
    if (waiting.answered >= waiting.expected) return Promise.resolve()
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout
      waiting.finish = () => {
        clearTimeout(timer)
        resolve()
      }
      const expire = (): void => {
        const left = deadline - performance.now()
        // The event loop's clock can be a little behind: never finish before the deadline.
        if (left > 0) timer = setTimeout(expire, Math.ceil(left))
        else {
          this.logger.warn({ unanswered: waiting.expected - waiting.answered }, 'an instance did not confirm an access change; waited until its lease ran out')
          waiting.finish()
        }
      }
      timer = setTimeout(expire, Math.ceil(deadline - performance.now()))
    })
  }

  private heard(message: string): void {
    this.version += 1
    const space = message.lastIndexOf(' ')
    const replyTo = message.slice(0, space)
    if (space <= 0 || !replyTo.startsWith(this.ackPrefix)) return
    // An answer that fails to go out only makes the writer wait for this instance's lease.
    this.redis.client.publish(replyTo, message.slice(space + 1)).catch(() => undefined)
  }

  private acknowledged(message: string): void {
    const waiting = this.waiting.get(Number(message))
    if (waiting === undefined) return
    waiting.answered += 1
    if (waiting.answered === waiting.expected) waiting.finish()
  }

  private async subscribe(): Promise<void> {
    try {
      await this.subscriber.subscribe(this.changes, this.acks)
    } catch {
      return
    }
    // Changes made while this instance was not subscribed were not heard: nothing cached before counts.
    this.version += 1
    this.subscribed = true
    this.renew()
  }

  private drop(): void {
    if (this.subscribed) this.logger.warn('the access-change subscription is down: credential checks ask Redis until it is back')
    this.subscribed = false
    this.leaseUntil = 0
  }

  private renew(): void {
    if (!this.subscribed) return
    const sentAt = performance.now()
    this.subscriber.ping().then(
      () => {
        if (this.subscribed) this.leaseUntil = Math.max(this.leaseUntil, sentAt + LEASE_MS)
      },
      () => undefined,
    )
  }

  stop(): void {
    clearInterval(this.renewal)
    this.subscribed = false
    this.drop()
    for (const waiting of this.waiting.values()) waiting.finish()
    this.subscriber.disconnect()
  }
}
