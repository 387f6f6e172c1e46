import type { Kysely, Selectable } from 'kysely'
import type { Database, PasswordResetsTable } from './schema.js'

export type PasswordResetRow = Selectable<PasswordResetsTable>

/** Single-use password reset tokens, by keyed hash (SPEC §9). */
export function passwordResetRepository(db: Kysely<Database>) {
  return {
    async create(row: Omit<PasswordResetRow, 'used_at'>): Promise<void> {
      await db.insertInto('password_resets').values({ ...row, used_at: null }).execute()
    },

    async latestCreatedAt(userId: string): Promise<string | undefined> {
      const row = await db.selectFrom('password_resets').select('created_at').where('user_id', '=', userId).orderBy('created_at', 'desc').limit(1).executeTakeFirst()
      return row?.created_at
    },

    async findUsable(tokenHash: string, now: string): Promise<PasswordResetRow | undefined> {
      return db.selectFrom('password_resets').selectAll().where('token_hash', '=', tokenHash).where('used_at', 'is', null).where('expires_at', '>', now).executeTakeFirst()
    },

    /** Uses every open reset of the user: one reset voids the links sent before it. */
    async useAllOfUser(userId: string, now: string): Promise<number> {
      const result = await db.updateTable('password_resets').set({ used_at: now }).where('user_id', '=', userId).where('used_at', 'is', null).executeTakeFirst()
      return Number(result.numUpdatedRows)
    },
  }
}

export type PasswordResetRepository = ReturnType<typeof passwordResetRepository>
