import type { Kysely, Selectable } from 'kysely'
import type { Database, UsersTable } from './schema.js'

/** A person who signs in: their password hash, two-factor enrolment and mailbox proof. */
export interface User {
  readonly id: string
  /** Lowercased: addresses compare case-insensitively. */
  readonly email: string
  readonly name: string
  readonly passwordHash: string
  readonly passwordChangedAt: string
  /** The TOTP secret, sealed (AES-256-GCM); null until 2FA setup starts. */
  readonly sealedTotpSecret: string | null
  readonly twoFactorEnabledAt: string | null
  /** The last TOTP time step accepted, so no code works twice. */
  readonly totpLastStep: number | null
  /** When someone proved they read this mailbox (an invitation or a password reset). */
  readonly emailVerifiedAt: string | null
  readonly createdAt: string
}

function toUser(row: Selectable<UsersTable>): User {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    passwordHash: row.password_hash,
    passwordChangedAt: row.password_changed_at,
    sealedTotpSecret: row.totp_secret,
    twoFactorEnabledAt: row.totp_enabled_at,
    totpLastStep: row.totp_last_step,
    emailVerifiedAt: row.email_verified_at,
    createdAt: row.created_at,
  }
}

/** Users, their passwords, and their TOTP enrolment and recovery codes. */
export function userRepository(db: Kysely<Database>) {
  return {
    async create(row: { id: string; email: string; name: string; passwordHash: string; createdAt: string }): Promise<User> {
      const created = await db
        .insertInto('users')
        .values({
          id: row.id,
          email: row.email,
          name: row.name,
          password_hash: row.passwordHash,
          password_changed_at: row.createdAt,
          totp_secret: null,
          totp_enabled_at: null,
          totp_last_step: null,
          created_at: row.createdAt,
        })
        .returningAll()
        .executeTakeFirstOrThrow()
      return toUser(created)
    },

    async findByEmail(email: string): Promise<User | undefined> {
      const row = await db.selectFrom('users').selectAll().where('email', '=', email.toLowerCase()).executeTakeFirst()
      return row && toUser(row)
    },

    async find(id: string): Promise<User | undefined> {
      const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst()
      return row && toUser(row)
    },

    async setPassword(userId: string, passwordHash: string, changedAt: string): Promise<void> {
      await db.updateTable('users').set({ password_hash: passwordHash, password_changed_at: changedAt }).where('id', '=', userId).execute()
    },

    /** The address changed through a confirmation link: opening it proved the mailbox. */
    async setEmail(userId: string, email: string, at: string): Promise<void> {
      await db.updateTable('users').set({ email: email.toLowerCase(), email_verified_at: at }).where('id', '=', userId).execute()
    },

    /** Someone proved they read this mailbox (an invitation or a password reset). */
    async markEmailVerified(userId: string, at: string): Promise<void> {
      await db.updateTable('users').set({ email_verified_at: at }).where('id', '=', userId).where('email_verified_at', 'is', null).execute()
    },

    /** Stores a pending TOTP secret (sealed); 2FA stays off until enabled. */
    async setPendingTotpSecret(userId: string, sealedSecret: string): Promise<void> {
      await db.updateTable('users').set({ totp_secret: sealedSecret, totp_last_step: null }).where('id', '=', userId).where('totp_enabled_at', 'is', null).execute()
    },

    /**
     * Records that TOTP `step` was used, unless it (or a later one) already was: of two
     * concurrent sign-ins with one code, exactly one succeeds.
     */
    async useTotpStep(userId: string, step: number): Promise<boolean> {
      const result = await db
        .updateTable('users')
        .set({ totp_last_step: step })
        .where('id', '=', userId)
        .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
        .executeTakeFirst()
      return result.numUpdatedRows > 0n
    },

    async enableTwoFactor(userId: string, now: string, codeHashes: readonly { id: string; hash: string }[]): Promise<boolean> {
      const result = await db.updateTable('users').set({ totp_enabled_at: now }).where('id', '=', userId).where('totp_enabled_at', 'is', null).executeTakeFirst()
      if (result.numUpdatedRows === 0n) return false
      await db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute()
      await db.insertInto('recovery_codes').values(codeHashes.map(({ id, hash }) => ({ id, user_id: userId, code_hash: hash, created_at: now, used_at: null }))).execute()
      return true
    },

    /** New recovery codes for a user with 2FA on; every earlier code stops working. */
    async replaceRecoveryCodes(userId: string, now: string, codeHashes: readonly { id: string; hash: string }[]): Promise<boolean> {
      const user = await db.selectFrom('users').select('id').where('id', '=', userId).where('totp_enabled_at', 'is not', null).executeTakeFirst()
      if (user === undefined) return false
      await db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute()
      await db.insertInto('recovery_codes').values(codeHashes.map(({ id, hash }) => ({ id, user_id: userId, code_hash: hash, created_at: now, used_at: null }))).execute()
      return true
    },

    async disableTwoFactor(userId: string): Promise<void> {
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

export type UserRepository = ReturnType<typeof userRepository>
