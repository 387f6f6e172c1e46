import { isoAt, type Clock } from '../clock.js'
import type { MailQueue } from '../mail/queue.js'
import { mailTemplates } from '../mail/templates.js'
import type { Storage } from '../storage/index.js'

/**
 * Tells users by email when something guarding their account changed (SPEC §9), so that
 * someone who took over a session cannot change it silently. No secret is ever in them.
 */
export class SecurityNotices {
  constructor(private readonly deps: { readonly storage: Storage; readonly mail: MailQueue; readonly clock: Clock }) {}

  passwordChanged(userId: string): Promise<void> {
    return this.send(userId, 'password_changed', (at) => mailTemplates.passwordChanged({ at, how: 'changed' }))
  }

  twoFactorChanged(userId: string, enabled: boolean): Promise<void> {
    return this.send(userId, enabled ? 'two_factor_enabled' : 'two_factor_disabled', (at) => mailTemplates.twoFactorChanged({ at, enabled }))
  }

  /**
   * Queued after the change commits, outside its transaction: the services that make these
   * changes know nothing of email, and a notice lost to a crash in between is only a notice.
   */
  private async send(userId: string, template: 'password_changed' | 'two_factor_enabled' | 'two_factor_disabled', message: (at: string) => ReturnType<typeof mailTemplates.passwordChanged>): Promise<void> {
    if (!this.deps.mail.enabled) return
    const user = await this.deps.storage.users.find(userId)
    if (user === undefined) return
    await this.deps.mail.enqueue(this.deps.storage, { to: user.email, template, message: message(isoAt(this.deps.clock.now())) })
    this.deps.mail.wake()
  }
}
