import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

/** A user's TOTP enrolment and recovery codes. */
export function twoFactorRepository(db: Kysely<Database>) {
  return {
    /** Stores a pending secret (sealed); 2FA stays off until enabled. */
    async setPendingSecret(userId: string, sealedSecret: string): Promise<void> {
      await db.updateTable('users').set({ totp_secret: sealedSecret, totp_last_step: null }).where('id', '=', userId).where('totp_enabled_at', 'is', null).execute()
    },

    /**
     * Records that `step` was used, unless it (or a later one) already was: of two
     * concurrent sign-ins with one code, exactly one succeeds.
     */
    async useStep(userId: string, step: number): Promise<boolean> {
      const result = await db
        .updateTable('users')
        .set({ totp_last_step: step })
        .where('id', '=', userId)
        .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
        .executeTakeFirst()
      return result.numUpdatedRows > 0n
    },

    async enable(userId: string, now: string, codeHashes: readonly { id: string; hash: string }[]): Promise<boolean> {
      const result = await db.updateTable('users').set({ totp_enabled_at: now }).where('id', '=', userId).where('totp_enabled_at', 'is', null).executeTakeFirst()
      if (result.numUpdatedRows === 0n) return false
      await db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute()
      await db.insertInto('recovery_codes').values(codeHashes.map(({ id, hash }) => ({ id, user_id: userId, code_hash: hash, created_at: now, used_at: null }))).execute()
      return true
    },

    async disable(userId: string): Promise<void> {
      await db.updateTable('users').set({ totp_secret: null, totp_enabled_at: null, totp_last_step: null }).where('id', '=', userId).execute()
      await db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute()
    },

    /** Spends a recovery code; true only for an unused code of this user. */
    async useRecoveryCode(userId: string, codeHash: string, now: string): Promise<boolean> {
      const result = await db
        .updateTable('recovery_codes')
        .set({ used_at: now })
        .where('user_id', '=', userId)
        .where('code_hash', '=', codeHash)
        .where('used_at', 'is', null)
        .executeTakeFirst()
      return result.numUpdatedRows > 0n
    },

    async unusedRecoveryCodes(userId: string): Promise<number> {
      const row = await db
        .selectFrom('recovery_codes')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('user_id', '=', userId)
        .where('used_at', 'is', null)
        .executeTakeFirstOrThrow()
      return Number(row.n)
    },
  }
}
