import { open, seal } from '@brandwave/core'
import { isoAt, type Clock } from '../clock.js'
import { newId } from '../ids.js'
import type { Repositories, Storage } from '../storage/index.js'
import type { ClaimedMail } from '../storage/mail.js'
import type { Mailer } from './mailer.js'
import type { MailMessage, MailTemplate } from './templates.js'

/** Waits before each retry, in seconds: about a day in all, then the mail is given up. */
export const MAIL_RETRY_SECONDS = [30, 120, 600, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600] as const
/** How long a worker holds the mails it claimed; a crashed worker's claim lapses after it. */
const LEASE_MS = 2 * 60_000
const BATCH = 10
const SEAL_CONTEXT = 'mail/v1'

export interface OutgoingMail {
  readonly to: string
  readonly template: MailTemplate
  readonly message: MailMessage
}

/**
 * The outgoing mail queue, kept in the database so that it survives restarts and is
 * written in the same transaction as the change the email is about. Requests only
 * enqueue; `MailWorker` sends. Without SMTP (`enabled` false) nothing is queued.
 */
export class MailQueue {
  private readonly listeners = new Set<() => void>()

  constructor(
    private readonly deps: { readonly enabled: boolean; readonly sealKey: Buffer; readonly clock: Clock },
  ) {}

  get enabled(): boolean {
    return this.deps.enabled
  }

  /** Queues a mail (pass the repositories of the change's transaction). Call `wake()` after it commits. */
  async enqueue(repositories: Pick<Repositories, 'mail'>, mail: OutgoingMail): Promise<void> {
    if (!this.deps.enabled) return
    const id = newId()
    await repositories.mail.enqueue({
      id,
      recipient: mail.to,
      template: mail.template,
      sealedMessage: seal(this.deps.sealKey, JSON.stringify(mail.message), `${SEAL_CONTEXT}:${id}`),
      createdAt: isoAt(this.deps.clock.now()),
    })
  }

  /** Tells the worker there is mail now, rather than at its next poll. Never waits. */
  wake(): void {
    for (const listener of this.listeners) listener()
  }

  onWake(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** @internal the worker reads what `enqueue` sealed. */
  openMessage(mail: Pick<ClaimedMail, 'id' | 'sealedMessage'>): MailMessage {
    return JSON.parse(open(this.deps.sealKey, mail.sealedMessage, `${SEAL_CONTEXT}:${mail.id}`)) as MailMessage
  }
}

export interface MailWorkerDependencies {
  readonly storage: Pick<Storage, 'mail'>
  readonly queue: MailQueue
  readonly mailer: Mailer
  readonly clock: Clock
  readonly pollIntervalMs: number
  readonly onError: (error: unknown, context: { mailId: string; attempts: number; givenUp: boolean }) => void
}

/**
 * Sends queued mail in the background of the server process, with retries and backoff.
 * Several instances may run one each: a mail is claimed atomically (with SKIP LOCKED on
 * PostgreSQL) before it is sent, so each goes out once.
 */
export class MailWorker {
  private timer: NodeJS.Timeout | null = null
  private running: Promise<void> | null = null
  private again = false
  private stopped = false
  private readonly unsubscribe: () => void

  constructor(private readonly deps: MailWorkerDependencies) {
    this.unsubscribe = deps.queue.onWake(() => this.kick())
  }

  start(): void {
    this.timer = setInterval(() => this.kick(), this.deps.pollIntervalMs)
    this.timer.unref()
    this.kick()
  }

  /** Stops polling and waits for a send in progress (bounded by the SMTP timeouts). */
  async stop(): Promise<void> {
    this.stopped = true
    this.unsubscribe()
    if (this.timer !== null) clearInterval(this.timer)
    await this.running
    this.deps.mailer.close()
  }

  private kick(): void {
    if (this.stopped) return
    if (this.running !== null) {
      this.again = true
      return
    }
    this.running = this.drain()
      .catch((error: unknown) => this.deps.onError(error, { mailId: '', attempts: 0, givenUp: false }))
      .finally(() => {
        this.running = null
        if (this.again) {
          this.again = false
          this.kick()
        }
      })
  }

  /** Sends everything due now. */
  async drain(): Promise<void> {
    for (;;) {
      if (this.stopped) return
      const claimed = await this.claim()
      for (const row of claimed) await this.deliver(row)
      if (claimed.length < BATCH) return
    }
  }

  private claim(): Promise<ClaimedMail[]> {
    const now = this.deps.clock.now()
    return this.deps.storage.mail.claimDue(isoAt(now), isoAt(now + LEASE_MS), BATCH)
  }

  private async deliver(mail: ClaimedMail): Promise<void> {
    try {
      await this.deps.mailer.send(mail.recipient, this.deps.queue.openMessage(mail))
      await this.deps.storage.mail.markSent(mail, isoAt(this.deps.clock.now()))
    } catch (error) {
      const givenUp = mail.attempts > MAIL_RETRY_SECONDS.length
      const now = this.deps.clock.now()
      const delay = MAIL_RETRY_SECONDS[Math.min(mail.attempts, MAIL_RETRY_SECONDS.length) - 1] ?? 0
      await this.deps.storage.mail.markFailed(mail, { nextAttemptAt: isoAt(now + delay * 1000), lastError: describe(error), failedAt: givenUp ? isoAt(now) : null })
      this.deps.onError(error, { mailId: mail.id, attempts: mail.attempts, givenUp })
    }
  }
}

/** What the mail server said, short; SMTP errors carry no message content. */
function describe(error: unknown): string {
  const text = error instanceof Error ? `${(error as { code?: string }).code ?? error.name}: ${error.message}` : String(error)
  return text.slice(0, 500)
}
