import { randomBytes } from 'node:crypto'
import { ApiError, contextWords, hashToken, randomBase62 } from '@brandwave/core'
import type { AccessVersion } from '../shared-state/access-version.js'
import type { LoginThrottle } from './throttle.js'
import { hashPassword } from './passwords.js'
import { isoAt, type Clock } from '../clock.js'
import { newId } from '../ids.js'
import type { MailQueue } from '../mail/queue.js'
import { mailTemplates } from '../mail/templates.js'
import { type AuditLog } from '../services/audit.js'
import { ANONYMOUS } from '../services/audit-record.js'
import { type RequestContext } from '../request-context.js'
import { checkNewPassword } from './sessions.js'
import type { Storage } from '../storage/index.js'

/** SPEC §9: a reset link works for one hour. */
export const PASSWORD_RESET_TTL_MS = 3600_000
/** At most one reset email per account this often: the form cannot be used to flood a mailbox. */
const RESEND_INTERVAL_MS = 60_000
const TOKEN_LENGTH = 32

export interface PasswordResetServiceDependencies {
  readonly storage: Storage
  readonly tokenHashKey: Buffer
  readonly publicUrl: string
  readonly mail: MailQueue
  readonly accessVersion: AccessVersion
  readonly throttle: LoginThrottle
  readonly audit: AuditLog
  readonly clock: Clock
  readonly onError: (error: unknown) => void
}

/**
 * Forgotten passwords (SPEC §9). A request answers the same, after the same work, for any
 * address: whether the account exists is decided after the response, off the request path.
 */
export class PasswordResetService {
  private readonly pending = new Set<Promise<void>>()

  constructor(private readonly deps: PasswordResetServiceDependencies) {}

  private tokenHash(token: string): string {
    return hashToken(this.deps.tokenHashKey, `password-reset:${token}`)
  }

  /** Never fails and never waits on the database or the mail server. */
  request(email: string): void {
    const work = this.issue(email.trim().toLowerCase())
      .catch((error: unknown) => this.deps.onError(error))
      .finally(() => this.pending.delete(work))
    this.pending.add(work)
  }

  /** Waits for requests still being handled (shutdown, tests). */
  async drain(): Promise<void> {
    await Promise.all([...this.pending])
  }

  private async issue(email: string): Promise<void> {
    const user = await this.deps.storage.users.findByEmail(email)
    if (user === undefined) return
    const now = this.deps.clock.now()
    const token = randomBase62(TOKEN_LENGTH, randomBytes)
    const expiresAt = isoAt(now + PASSWORD_RESET_TTL_MS)
    const queued = await this.deps.storage.transaction(async (repos) => {
      const resets = repos.passwordResets
      const latest = await resets.latestCreatedAt(user.id)
      if (latest !== undefined && Date.parse(latest) > now - RESEND_INTERVAL_MS) return false
      await resets.create({ id: newId(), userId: user.id, tokenHash: this.tokenHash(token), createdAt: isoAt(now), expiresAt })
      await this.deps.mail.enqueue(repos, {
        to: user.email,
        template: 'password_reset',
        message: mailTemplates.passwordReset({ resetUrl: `${this.deps.publicUrl}/reset-password#token=${token}`, expiresAt }),
      })
      return true
    })
    if (queued) this.deps.mail.wake()
  }

  async confirm(input: { token: string; newPassword: string }, context: RequestContext): Promise<{ userId: string; changedAt: string; endedSessions: number }> {
    checkNewPassword(input.newPassword, '/newPassword')
    const invalid = new ApiError('validation_failed', 'This reset link is not valid: it was used, or has expired. Ask for a new one.', {
      details: [{ field: '/token', message: 'is not a valid reset token' }],
    })
    const changedAt = isoAt(this.deps.clock.now())
    const reset = await this.deps.storage.passwordResets.findUsable(this.tokenHash(input.token), changedAt)
    if (reset === undefined) throw invalid
    // Now the account is known, its own details count too; the link stays usable for a better choice.
    const owner = await this.deps.storage.users.find(reset.userId)
    checkNewPassword(input.newPassword, '/newPassword', contextWords(owner?.email, owner?.name))
    const passwordHash = await hashPassword(input.newPassword)
    const result = await this.deps.storage.transaction(async (repos) => {
      // Spends this token and every other open one of the user; of two concurrent uses, one wins.
      if ((await repos.passwordResets.useAllOfUser(reset.userId, changedAt)) === 0) throw invalid
      const user = await repos.users.find(reset.userId)
      if (user === undefined) throw invalid
      await repos.users.setPassword(user.id, passwordHash, changedAt)
      // Whoever enrolled 2FA on an account whose address was never proven (registered ahead of
      // the real owner) must not keep the owner out after the owner proves the address.
      const clearedTwoFactor = user.emailVerifiedAt === null && user.twoFactorEnabledAt !== null
      if (clearedTwoFactor) await repos.users.disableTwoFactor(user.id)
      await repos.users.markEmailVerified(user.id, changedAt)
      const endedSessions = await repos.sessions.endAllOfUser(user.id, changedAt, 'password_reset')
      const memberships = await repos.memberships.ofUser(user.id)
      for (const organizationId of memberships.length === 0 ? [null] : memberships.map((m) => m.organizationId)) {
        await this.deps.audit.record(
          repos,
          { organizationId, action: 'auth.password_reset', actor: ANONYMOUS, target: { type: 'user', id: user.id, name: user.email }, details: { endedSessions, clearedTwoFactor } },
          context,
        )
      }
      await this.deps.mail.enqueue(repos, { to: user.email, template: 'password_changed', message: mailTemplates.passwordChanged({ at: changedAt, how: 'reset' }) })
      return { userId: user.id, email: user.email, endedSessions }
    })
    this.deps.mail.wake()
    // Every instance drops what it cached about the ended sessions at once.
    await this.deps.accessVersion.bump()
    // A lockout run up by someone guessing must not keep the owner out after a reset.
    await this.deps.throttle.succeeded(result.email, null)
    return { userId: result.userId, changedAt, endedSessions: result.endedSessions }
  }
}
