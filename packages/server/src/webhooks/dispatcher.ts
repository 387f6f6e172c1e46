import { open } from '@brandwave/core'
import type { FastifyBaseLogger } from 'fastify'
import { isoAt, type Clock } from '../clock.js'
import { type AuditLog } from '../services/audit.js'
import { NO_REQUEST } from '../request-context.js'
import type { ExpiryReminders } from '../services/expiry-reminders.js'
import type { Repositories, Storage } from '../storage/index.js'
import { byteOrder } from '../storage/lock-order.js'
import type { ClaimedDelivery } from '../storage/webhooks.js'
import { DELIVERY_TIMEOUT_MS, type SendResult, type WebhookSender } from './sender.js'

/** Deliveries claimed and sent at once by one instance. */
const BATCH = 50
/** How long a claim keeps other instances off a delivery: longer than an attempt can take. */
const CLAIM_MS = DELIVERY_TIMEOUT_MS + 5_000
/**
 * The longest the scheduler sleeps with nothing due: it then looks for expiry reminders
 * and for events written by other processes (the CLI, another instance's retries).
 */
const MAX_SLEEP_MS = 60_000

interface Attempt {
  readonly delivery: ClaimedDelivery
  readonly result: SendResult
  readonly at: number
}

/** The additional data a sealed webhook secret is bound to: it opens only for its endpoint. */
export function webhookSecretBinding(endpointId: string): string {
  return `webhook-endpoint:${endpointId}`
}

export interface DispatcherDependencies {
  readonly storage: Storage
  readonly clock: Clock
  readonly secretKey: Buffer
  /** Seconds before each retry (`BRANDWAVE_WEBHOOK_RETRY_SECONDS`). */
  readonly retrySeconds: readonly number[]
  readonly sender: WebhookSender
  readonly reminders: ExpiryReminders
  readonly audit: AuditLog
  readonly logger: FastifyBaseLogger
}

/**
 * Sends the outbox's deliveries and the expiry reminders from inside the server process.
 * All state is in the database, so a restart resumes where the last process stopped. It
 * sleeps until the next delivery is due (at most a minute), and wakes at once when a
 * request of this process commits an event.
 */
export class WebhookDispatcher {
  private timer: NodeJS.Timeout | undefined
  private loop: Promise<void> | null = null
  private requested = false
  private stopped = false

  constructor(private readonly deps: DispatcherDependencies) {}

  start(): void {
    void this.wake()
  }

  /** Runs a full pass soon; resolves when a pass that started after this call has finished. */
  wake(): Promise<void> {
    if (this.stopped) return Promise.resolve()
    this.requested = true
    this.loop ??= this.run().finally(() => {
      this.loop = null
    })
    return this.loop
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    await this.loop
    await this.deps.sender.close()
  }

  private async run(): Promise<void> {
    // A wake that lands while the next run is being scheduled joins this loop, so the loop
    // must look again before it ends: else that caller's promise resolves with nothing sent.
    do {
      clearTimeout(this.timer)
      while (this.requested && !this.stopped) {
        this.requested = false
        await this.pass()
      }
      if (!this.stopped) await this.scheduleNext()
    } while (this.requested && !this.stopped)
  }

  private async pass(): Promise<void> {
    try {
      await this.deps.reminders.run()
    } catch (error) {
      this.deps.logger.error({ err: error }, 'expiry reminders failed; will retry')
    }
    try {
      const repository = this.deps.storage.webhooks
      for (;;) {
        const now = this.deps.clock.now()
        const batch = await repository.claimDue(isoAt(now), isoAt(now + CLAIM_MS), BATCH)
        if (batch.length === 0) break
        const attempts = await Promise.all(batch.map((delivery) => this.send(delivery)))
        // One transaction for the batch: one disk sync on SQLite rather than one per delivery.
        // In delivery id order, as deleting an endpoint locks its deliveries (lock-order.ts).
        attempts.sort((a, b) => byteOrder(a.delivery.id, b.delivery.id))
        await this.deps.storage.transaction(async (repos) => {
          for (const attempt of attempts) await this.record(repos, attempt)
        })
      }
    } catch (error) {
      this.deps.logger.error({ err: error }, 'webhook delivery failed; will retry')
    }
  }

  private async scheduleNext(): Promise<void> {
    let delay = MAX_SLEEP_MS
    try {
      const now = this.deps.clock.now()
      const next = await this.deps.storage.webhooks.nextDueAt(isoAt(now))
      if (next !== null) delay = Math.min(MAX_SLEEP_MS, Math.max(Date.parse(next) - now, 0))
    } catch (error) {
      this.deps.logger.error({ err: error }, 'could not read when the next webhook is due')
    }
    if (this.stopped) return
    this.timer = setTimeout(() => void this.wake(), delay)
    this.timer.unref()
  }

  private secretsOf(delivery: ClaimedDelivery, now: number): string[] {
    const { endpoint } = delivery
    const binding = webhookSecretBinding(endpoint.id)
    const secrets = [open(this.deps.secretKey, endpoint.sealedSecret, binding)]
    if (endpoint.previousSealedSecret !== null && endpoint.previousSecretExpiresAt !== null && Date.parse(endpoint.previousSecretExpiresAt) > now) {
      secrets.push(open(this.deps.secretKey, endpoint.previousSealedSecret, binding))
    }
    return secrets
  }

  private async send(delivery: ClaimedDelivery): Promise<Attempt> {
    const sentAt = this.deps.clock.now()
    const result = await this.deps.sender.send(delivery.endpoint.url, this.secretsOf(delivery, sentAt), { id: delivery.eventId, timestamp: new Date(sentAt), body: delivery.payload })
    return { delivery, result, at: this.deps.clock.now() }
  }

  /** The outcome of one attempt: done, retried later on the schedule, or given up. */
  private async record(repos: Repositories, { delivery, result, at }: Attempt): Promise<void> {
    const repository = repos.webhooks
    const outcome = { lastStatus: result.status, lastError: result.error, at: isoAt(at) }
    if (result.error === null) {
      await repository.recordAttempt(delivery.id, { ...outcome, status: 'succeeded', nextAttemptAt: null })
      return
    }
    // 410 Gone: the receiver says it will never want these again (Standard Webhooks).
    if (result.status === 410) {
      await repository.recordAttempt(delivery.id, { ...outcome, status: 'failed', nextAttemptAt: null })
      if (!(await repository.disableEndpoint(delivery.endpoint.id, 'gone', isoAt(at)))) return
      await this.deps.audit.record(
        repos,
        {
          organizationId: delivery.endpoint.organizationId,
          action: 'webhook_endpoint.disabled',
          actor: { type: 'system', id: null, name: null },
          target: { type: 'webhook_endpoint', id: delivery.endpoint.id, name: new URL(delivery.endpoint.url).host },
          details: { reason: 'gone', deliveryId: delivery.id },
        },
        NO_REQUEST,
      )
      return
    }
    const wait = this.deps.retrySeconds[delivery.attempts]
    await repository.recordAttempt(delivery.id, wait === undefined ? { ...outcome, status: 'failed', nextAttemptAt: null } : { ...outcome, status: 'pending', nextAttemptAt: isoAt(at + wait * 1000) })
  }
}
