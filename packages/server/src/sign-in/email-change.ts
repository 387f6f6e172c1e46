import { randomBytes } from 'node:crypto'
import { ApiError, hashToken, randomBase62 } from '@brandwave/core'
import { isoAt, type Clock } from '../clock.js'
import { newId } from '../ids.js'
import type { MailQueue } from '../mail/queue.js'
import { mailTemplates } from '../mail/templates.js'
import type { RequestContext } from '../request-context.js'
import type { AuditLog } from '../services/audit.js'
import { ANONYMOUS } from '../services/audit-record.js'
import type { AccessVersion } from '../shared-state/access-version.js'
import type { Storage } from '../storage/index.js'
import type { ConfirmedOwner } from './step-up.js'

/** A confirmation link works for one hour, like a password reset. */
export const EMAIL_CHANGE_TTL_MS = 3600_000
const TOKEN_LENGTH = 32

export interface EmailChangeServiceDependencies {
  readonly storage: Storage
  readonly tokenHashKey: Buffer
  readonly publicUrl: string
  readonly mail: MailQueue
  readonly accessVersion: AccessVersion
  readonly audit: AuditLog
  readonly clock: Clock
}

/**
 * Changing the address an account's password resets go to. The owner asks for it with proof
 * in the request (step-up); the new address becomes the account's only when the link sent
 * there is opened, so nobody can point an account at a mailbox they do not read. The old
 * address is told at both steps: it is the one place the owner still hears from if the
 * session was taken over.
 */
export class EmailChangeService {
  constructor(private readonly deps: EmailChangeServiceDependencies) {}

  private tokenHash(token: string): string {
    return hashToken(this.deps.tokenHashKey, `email-change:${token}`)
  }

  async request(owner: ConfirmedOwner, email: string, context: RequestContext): Promise<{ email: string; expiresAt: string }> {
    const { principal, user } = owner
    if (!this.deps.mail.enabled) {
      throw new ApiError('conflict', 'This server sends no email, so a new address cannot be confirmed. Ask an operator to configure BRANDWAVE_SMTP_URL.')
    }
    const newEmail = email.trim().toLowerCase()
    if (newEmail === user.email) throw new ApiError('validation_failed', 'This is already your address.', { details: [{ field: '/email', message: 'is your current address' }] })
    if ((await this.deps.storage.users.findByEmail(newEmail)) !== undefined) throw new ApiError('conflict', 'Another account uses this address.')

    const now = this.deps.clock.now()
    const token = randomBase62(TOKEN_LENGTH, randomBytes)
    const expiresAt = isoAt(now + EMAIL_CHANGE_TTL_MS)
    await this.deps.storage.transaction(async (repos) => {
      await repos.emailChanges.replace({ id: newId(), userId: user.id, newEmail, tokenHash: this.tokenHash(token), createdAt: isoAt(now), expiresAt }, isoAt(now))
      await this.deps.mail.enqueue(repos, {
        to: newEmail,
        template: 'email_change_confirm',
        message: mailTemplates.emailChangeConfirm({ confirmUrl: `${this.deps.publicUrl}/confirm-email#token=${token}`, expiresAt }),
      })
      await this.deps.mail.enqueue(repos, { to: user.email, template: 'email_change_requested', message: mailTemplates.emailChangeRequested({ newEmail, at: isoAt(now) }) })
      await this.deps.audit.record(
        repos,
        { organizationId: principal.organizationId, action: 'auth.email_change_requested', actor: { type: 'user', id: user.id, name: user.name }, target: { type: 'user', id: user.id, name: user.email }, details: { newEmail } },
        context,
      )
    })
    this.deps.mail.wake()
    return { email: newEmail, expiresAt }
  }

  async confirm(token: string, context: RequestContext): Promise<{ email: string; changedAt: string }> {
    const invalid = new ApiError('validation_failed', 'This confirmation link is not valid: it was used, replaced by a newer one, or has expired. Ask for the change again.', {
      details: [{ field: '/token', message: 'is not a valid confirmation token' }],
    })
    const changedAt = isoAt(this.deps.clock.now())
    const changed = await this.deps.storage.transaction(async (repos) => {
      const change = await repos.emailChanges.use(this.tokenHash(token), changedAt)
      if (change === undefined) throw invalid
      const user = await repos.users.find(change.userId)
      if (user === undefined) throw invalid
      if ((await repos.users.findByEmail(change.newEmail)) !== undefined) throw new ApiError('conflict', 'Another account uses this address now.')
      await repos.users.setEmail(user.id, change.newEmail, changedAt)
      const memberships = await repos.memberships.ofUser(user.id)
      for (const organizationId of memberships.length === 0 ? [null] : memberships.map((m) => m.organizationId)) {
        await this.deps.audit.record(
          repos,
          { organizationId, action: 'auth.email_changed', actor: ANONYMOUS, target: { type: 'user', id: user.id, name: change.newEmail }, details: { from: user.email, to: change.newEmail } },
          context,
        )
      }
      await this.deps.mail.enqueue(repos, { to: user.email, template: 'email_changed', message: mailTemplates.emailChanged({ newEmail: change.newEmail, at: changedAt }) })
      return change.newEmail
    })
    this.deps.mail.wake()
    // Sessions carry the address (`/v1/me`): every instance reads them afresh.
    await this.deps.accessVersion.bump()
    return { email: changed, changedAt }
  }
}
