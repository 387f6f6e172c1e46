import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

/** An open password reset: whose it is and until when; only the keyed hash of its token is kept. */
export interface PasswordReset {
  readonly id: string
  readonly userId: string
  readonly tokenHash: string
  readonly createdAt: string
  readonly expiresAt: string
}

/** Single-use password reset tokens, by keyed hash (SPEC §9). */
export function passwordResetRepository(db: Kysely<Database>) {
  return {
    async create(reset: PasswordReset): Promise<void> {
      await db
        .insertInto('password_resets')
        .values({ id: reset.id, user_id: reset.userId, token_hash: reset.tokenHash, created_at: reset.createdAt, expires_at: reset.expiresAt, used_at: null })
        .execute()
    },

    async latestCreatedAt(userId: string): Promise<string | undefined> {
      const row = await db.selectFrom('password_resets').select('created_at').where('user_id', '=', userId).orderBy('created_at', 'desc').limit(1).executeTakeFirst()
      return row?.created_at
    },

    async findUsable(tokenHash: string, now: string): Promise<PasswordReset | undefined> {
      const row = await db.selectFrom('password_resets').selectAll().where('token_hash', '=', tokenHash).where('used_at', 'is', null).where('expires_at', '>', now).executeTakeFirst()
      return row && { id: row.id, userId: row.user_id, tokenHash: row.token_hash, createdAt: row.created_at, expiresAt: row.expires_at }
    },

    /** Uses every open reset of the user: one reset voids the links sent before it. */
    async useAllOfUser(userId: string, now: string): Promise<number> {
      const result = await db.updateTable('password_resets').set({ used_at: now }).where('user_id', '=', userId).where('used_at', 'is', null).executeTakeFirst()
      return Number(result.numUpdatedRows)
    },
  }
}

export type PasswordResetRepository = ReturnType<typeof passwordResetRepository>
