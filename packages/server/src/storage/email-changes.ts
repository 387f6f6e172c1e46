import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

/** An address change waiting for its link: whose, to what, until when; only the token's keyed hash is kept. */
export interface EmailChange {
  readonly id: string
  readonly userId: string
  readonly newEmail: string
  readonly tokenHash: string
  readonly createdAt: string
  readonly expiresAt: string
}

/** Single-use confirmation tokens of email address changes, by keyed hash. */
export function emailChangeRepository(db: Kysely<Database>) {
  return {
    /** Records a change and voids the user's earlier ones: only the latest link works. */
    async replace(change: EmailChange, now: string): Promise<void> {
      await db.updateTable('email_changes').set({ used_at: now }).where('user_id', '=', change.userId).where('used_at', 'is', null).execute()
      await db
        .insertInto('email_changes')
        .values({ id: change.id, user_id: change.userId, new_email: change.newEmail, token_hash: change.tokenHash, created_at: change.createdAt, expires_at: change.expiresAt, used_at: null })
        .execute()
    },

    /** Spends a usable token: of two concurrent confirmations, exactly one gets the change. */
    async use(tokenHash: string, now: string): Promise<EmailChange | undefined> {
      const row = await db.selectFrom('email_changes').selectAll().where('token_hash', '=', tokenHash).where('used_at', 'is', null).where('expires_at', '>', now).executeTakeFirst()
      if (row === undefined) return undefined
      const spent = await db.updateTable('email_changes').set({ used_at: now }).where('id', '=', row.id).where('used_at', 'is', null).executeTakeFirst()
      if (spent.numUpdatedRows === 0n) return undefined
      return { id: row.id, userId: row.user_id, newEmail: row.new_email, tokenHash: row.token_hash, createdAt: row.created_at, expiresAt: row.expires_at }
    },
  }
}

export type EmailChangeRepository = ReturnType<typeof emailChangeRepository>
