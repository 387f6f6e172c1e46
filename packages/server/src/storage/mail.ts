import { sql, type Kysely } from 'kysely'
import type { Dialect } from './database.js'
import type { Database } from './schema.js'

/** A mail claimed for sending: its lease is `lockedUntil`, its message still sealed. */
export interface ClaimedMail {
  readonly id: string
  readonly recipient: string
  readonly sealedMessage: string
  readonly attempts: number
  readonly lockedUntil: string | null
}

/** The outgoing mail queue: changes write to it in their transaction; workers claim and settle. */
export function mailRepository(db: Kysely<Database>, dialect: Dialect) {
  /** Only while the lease is still ours: a worker that outlived its lease changes nothing. */
  const leased = (mail: ClaimedMail) => db.updateTable('mail_queue').where('id', '=', mail.id).where('locked_until', '=', mail.lockedUntil)
  return {
    /** Queues a sealed message, due now. */
    async enqueue(row: { id: string; recipient: string; template: string; sealedMessage: string; createdAt: string }): Promise<void> {
      await db
        .insertInto('mail_queue')
        .values({
          id: row.id,
          recipient: row.recipient,
          template: row.template,
          message: row.sealedMessage,
          created_at: row.createdAt,
          next_attempt_at: row.createdAt,
          locked_until: null,
          sent_at: null,
          failed_at: null,
          last_error: null,
        })
        .execute()
    },

    /**
     * Claims up to `limit` mails due at `now`, leasing them until `leaseUntil` and counting
     * the attempt. Several workers may claim at once: each mail goes to one of them.
     */
    async claimDue(now: string, leaseUntil: string, limit: number): Promise<ClaimedMail[]> {
      const rows = await db
        .updateTable('mail_queue')
        .set({ locked_until: leaseUntil, attempts: sql<number>`attempts + 1` })
        .where('id', 'in', (eb) => {
          const due = eb
            .selectFrom('mail_queue')
            .select('id')
            .where('sent_at', 'is', null)
            .where('failed_at', 'is', null)
            .where('next_attempt_at', '<=', now)
            .where((w) => w.or([w('locked_until', 'is', null), w('locked_until', '<=', now)]))
            .orderBy('next_attempt_at')
            .limit(limit)
          // SQLite serializes writers, so its single UPDATE is atomic already.
          return dialect === 'postgres' ? due.forUpdate().skipLocked() : due
        })
        .returning(['id', 'recipient', 'message', 'attempts', 'locked_until'])
        .execute()
      return rows.map((row) => ({ id: row.id, recipient: row.recipient, sealedMessage: row.message, attempts: row.attempts, lockedUntil: row.locked_until }))
    },

    async markSent(mail: ClaimedMail, at: string): Promise<void> {
      await leased(mail).set({ sent_at: at, locked_until: null, last_error: null }).execute()
    },

    /** A failed attempt: retried at `nextAttemptAt`, or given up for good when `failedAt` is set. */
    async markFailed(mail: ClaimedMail, outcome: { nextAttemptAt: string; lastError: string; failedAt: string | null }): Promise<void> {
      await leased(mail)
        .set({ locked_until: null, next_attempt_at: outcome.nextAttemptAt, last_error: outcome.lastError, ...(outcome.failedAt !== null && { failed_at: outcome.failedAt }) })
        .execute()
    },
  }
}

export type MailRepository = ReturnType<typeof mailRepository>
