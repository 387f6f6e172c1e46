/**
 * The emails Brandwave sends, as plain text and HTML. None holds a password or a
 * credential; the only secrets are single-use tokens, and those travel in the link's
 * fragment, which browsers never send to a server.
 */

export interface MailMessage {
  readonly subject: string
  readonly text: string
  readonly html: string
}

export type MailTemplate =
  | 'invitation'
  | 'password_reset'
  | 'password_changed'
  | 'two_factor_enabled'
  | 'two_factor_disabled'
  | 'credential_exposed'
  | 'email_change_confirm'
  | 'email_change_requested'
  | 'email_changed'

const escapeHtml = (value: string): string =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c)

/** Paragraphs of plain text, and the same as HTML with an optional call-to-action link. */
function compose(subject: string, paragraphs: readonly string[], action?: { label: string; url: string }): MailMessage {
  const text = [...paragraphs.slice(0, 1), ...(action ? [`${action.label}: ${action.url}`] : []), ...paragraphs.slice(1)].join('\n\n')
  const body = paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`)
  if (action) body.splice(1, 0, `<p><a href="${escapeHtml(action.url)}">${escapeHtml(action.label)}</a></p>`)
  const html = `<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">${body.join('')}</body></html>`
  return { subject, text: `${text}\n`, html }
}

const NOT_YOU = 'If this was not you, reset your password at once and check your account’s sessions and tokens; then tell your administrator.'

export const mailTemplates = {
  invitation(input: { organizationName: string; invitedBy: string; role: string; acceptUrl: string; expiresAt: string }): MailMessage {
    return compose(
      `You are invited to join ${input.organizationName} on Brandwave`,
      [
        `${input.invitedBy} invited you to join ${input.organizationName} as ${input.role}.`,
        `The link works once and expires at ${input.expiresAt}. If you already have an account with this address, sign in first; otherwise you create one from the link.`,
        'If you did not expect this invitation, ignore this email: nothing happens unless the link is used.',
      ],
      { label: 'Accept the invitation', url: input.acceptUrl },
    )
  },

  passwordReset(input: { resetUrl: string; expiresAt: string }): MailMessage {
    return compose(
      'Reset your Brandwave password',
      [
        'Someone asked to reset the password of the Brandwave account with this address.',
        `The link works once and expires at ${input.expiresAt}. Setting a new password signs you out everywhere.`,
        'If you did not ask for this, ignore this email: your password stays as it is.',
      ],
      { label: 'Choose a new password', url: input.resetUrl },
    )
  },

  passwordChanged(input: { at: string; how: 'changed' | 'reset' }): MailMessage {
    return compose('Your Brandwave password was changed', [
      `The password of your Brandwave account was ${input.how === 'reset' ? 'reset through an emailed link' : 'changed'} at ${input.at}, and your other sessions were ended.`,
      NOT_YOU,
    ])
  },

  twoFactorChanged(input: { at: string; enabled: boolean }): MailMessage {
    return compose(`Two-factor authentication was turned ${input.enabled ? 'on' : 'off'}`, [
      input.enabled
        ? `Two-factor authentication was turned on for your Brandwave account at ${input.at}. Signing in now needs a code from your authenticator app or a recovery code.`
        : `Two-factor authentication was turned off for your Brandwave account at ${input.at}. Signing in now needs only your password.`,
      NOT_YOU,
    ])
  },

  emailChangeConfirm(input: { confirmUrl: string; expiresAt: string }): MailMessage {
    return compose(
      'Confirm your new Brandwave email address',
      [
        'Someone signed in to a Brandwave account asked to make this its email address.',
        `The link works once and expires at ${input.expiresAt}. Until it is opened, the account keeps its current address.`,
        'If you did not ask for this, ignore this email: nothing changes unless the link is used.',
      ],
      { label: 'Confirm this address', url: input.confirmUrl },
    )
  },

  emailChangeRequested(input: { newEmail: string; at: string }): MailMessage {
    return compose('A change of your Brandwave email address was asked for', [
      `At ${input.at}, someone signed in to your Brandwave account asked to change its email address to ${input.newEmail}. It changes only once a link sent to that address is opened.`,
      NOT_YOU,
    ])
  },

  emailChanged(input: { newEmail: string; at: string }): MailMessage {
    return compose('Your Brandwave email address was changed', [
      `The email address of your Brandwave account was changed to ${input.newEmail} at ${input.at}. This address no longer receives its password resets or notices.`,
      NOT_YOU,
    ])
  },

  /** Names the credential by its display fields only (`start…last4`), never the secret. */
  credentialExposed(input: { kind: 'personal access token' | 'API key'; name: string; display: string; url: string | null; at: string; revoked: boolean }): MailMessage {
    return compose(`Your Brandwave ${input.kind} “${input.name}” was found exposed`, [
      `The ${input.kind} “${input.name}” (${input.display}) was reported as exposed at ${input.at}${input.url === null ? '' : `, found at ${input.url}`}.`,
      input.revoked
        ? 'It no longer works. Create a new one, update what used it, and remove the old value from where it was found.'
        : 'It still works: this deployment only reports leaks. Rotate or revoke it now, and remove the value from where it was found.',
      'Check the audit log for anything it was used for that you do not recognise.',
    ])
  },
}
