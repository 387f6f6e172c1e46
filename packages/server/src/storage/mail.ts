import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

/** The outgoing mail queue, as changes write to it (the worker that sends reads it itself). */
export function mailRepository(db: Kysely<Database>) {
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
  }
}

export type MailRepository = ReturnType<typeof mailRepository>
