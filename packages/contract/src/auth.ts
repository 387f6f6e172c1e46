import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '@brandwave/core'
import Type, { type Static } from 'typebox'
import { DisplayName, PlainText, Timestamp, Uuid } from './common.js'

export const Email = Type.String({ format: 'email', minLength: 3, maxLength: 254, examples: ['ada@example.com'] })
/** What a login accepts is looser than what a new password must be: old passwords keep working. */
const PresentedPassword = Type.String({ minLength: 1, maxLength: 1024 })
export const NewPassword = Type.String({
  minLength: PASSWORD_MIN_LENGTH,
  // JSON Schema counts UTF-16 units; a character is at most two. The exact bound is checked in code points.
  maxLength: PASSWORD_MAX_LENGTH * 2,
  description: `${PASSWORD_MIN_LENGTH}–${PASSWORD_MAX_LENGTH} characters; very common passwords, and passwords containing the account’s name, email address or organization name or “brandwave”, are refused.`,
})
export const Role = Type.Enum(['company_admin', 'member'])

export const LoginBody = Type.Object(
  {
    email: PlainText({ maxLength: 254 }),
    password: PresentedPassword,
    twoFactorCode: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'A TOTP code or a recovery code, when 2FA is on.' })),
    organizationId: Type.Optional(Uuid),
  },
  { additionalProperties: false },
)
export type LoginBody = Static<typeof LoginBody>

export const TokenPair = Type.Object(
  {
    accessToken: Type.String({ description: 'A JWT, valid for `expiresIn` seconds unless the session ends first.' }),
    refreshToken: Type.String({ description: 'Opaque `{prefix}_rt_…`; single use: each refresh returns a new one.' }),
    tokenType: Type.Literal('Bearer'),
    expiresIn: Type.Integer({ examples: [900] }),
    refreshExpiresIn: Type.Integer({ examples: [604_800] }),
  },
  { additionalProperties: false },
)
export type TokenPair = Static<typeof TokenPair>

export const RefreshBody = Type.Object({ refreshToken: Type.String({ minLength: 1, maxLength: 256 }) }, { additionalProperties: false })
export type RefreshBody = Static<typeof RefreshBody>

export const LogoutBody = Type.Object(
  {
    refreshToken: Type.Optional(
      Type.String({ minLength: 1, maxLength: 256, description: 'The session’s refresh token: ends the session without an access token (for instance once it expired).' }),
    ),
  },
  { additionalProperties: false },
)
export type LogoutBody = Static<typeof LogoutBody>

export const LogoutResult = Type.Object({ sessionId: Uuid, endedAt: Timestamp }, { additionalProperties: false })

export const SignupBody = Type.Object(
  {
    email: Email,
    password: NewPassword,
    name: DisplayName,
    organizationName: Type.Optional(DisplayName),
    invitationToken: Type.Optional(
      Type.String({ minLength: 1, maxLength: 256, description: 'The token from an invitation link (after `#token=`): joins the inviting organization instead of creating one.' }),
    ),
  },
  { additionalProperties: false, description: 'Exactly one of `organizationName` and `invitationToken`.' },
)
export type SignupBody = Static<typeof SignupBody>

export const User = Type.Object({ id: Uuid, email: Type.String(), name: Type.String(), createdAt: Timestamp }, { additionalProperties: false })
export const Organization = Type.Object(
  { id: Uuid, accountId: Type.Integer({ minimum: 1 }), name: Type.String(), createdAt: Timestamp },
  { additionalProperties: false },
)

export const SignupResult = Type.Object({ user: User, organization: Organization, role: Role }, { additionalProperties: false })

/**
 * Proof, in the request itself, that the caller is the account's owner and not only the
 * holder of its access token (which a leaked log line or a script on a page can give away):
 * the current password, or with 2FA on, the code the authenticator shows now (or an unused
 * recovery code). Changes that could take an account over need it, however recent the sign-in.
 */
export const StepUpProof = {
  currentPassword: Type.Optional(
    Type.String({ minLength: 1, maxLength: 1024, description: 'Your current password. Required unless `twoFactorCode` is sent.' }),
  ),
  twoFactorCode: Type.Optional(
    Type.String({
      minLength: 6,
      maxLength: 64,
      pattern: '^[^\\u0000-\\u001F\\u007F]+$',
      description: 'With 2FA on: the code your authenticator shows now, or an unused recovery code, instead of `currentPassword`.',
    }),
  ),
} as const

export const PasswordChangeBody = Type.Object(
  { ...StepUpProof, newPassword: NewPassword },
  { additionalProperties: false, description: 'Confirm with `currentPassword` (or, with 2FA on, `twoFactorCode`).' },
)
export type PasswordChangeBody = Static<typeof PasswordChangeBody>

export const EmailChangeBody = Type.Object(
  { ...StepUpProof, email: Email },
  { additionalProperties: false, description: 'Confirm with `currentPassword` (or, with 2FA on, `twoFactorCode`).' },
)
export type EmailChangeBody = Static<typeof EmailChangeBody>

export const EmailChangeRequested = Type.Object(
  {
    email: Type.String({ description: 'The new address: it becomes the account’s once the link sent there is opened.' }),
    expiresAt: Timestamp,
  },
  { additionalProperties: false },
)

export const EmailChangeConfirmBody = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 256, description: 'The token from the confirmation link (after `#token=`).' }) },
  { additionalProperties: false },
)

export const EmailChanged = Type.Object({ email: Type.String(), changedAt: Timestamp }, { additionalProperties: false })

export const TwoFactorSetup = Type.Object(
  {
    secret: Type.String({ description: 'Base32 TOTP secret, for typing into an authenticator app.' }),
    otpauthUrl: Type.String({ description: '`otpauth://totp/…` URI: render it as a QR code for the authenticator app to scan.' }),
  },
  { additionalProperties: false },
)

export const TotpCode = Type.String({ pattern: '^[0-9]{6}$', description: 'The 6-digit code the authenticator app shows now.' })

export const SetUpTwoFactorBody = Type.Object(
  { currentPassword: StepUpProof.currentPassword },
  { additionalProperties: false, description: 'Confirm with `currentPassword`: required, however recent the sign-in.' },
)

export const EnableTwoFactorBody = Type.Object(
  { code: TotpCode, currentPassword: StepUpProof.currentPassword },
  { additionalProperties: false, description: '`code` from the new authenticator, and `currentPassword`: required, however recent the sign-in.' },
)

export const RegenerateRecoveryCodesBody = Type.Object(StepUpProof, {
  additionalProperties: false,
  description: 'Confirm with `currentPassword` or `twoFactorCode`.',
})

export const RecoveryCodes = Type.Object(
  {
    recoveryCodes: Type.Array(Type.String(), {
      minItems: 10,
      maxItems: 10,
      description: 'Ten one-time codes that sign in when the authenticator is lost. Shown only here; store them safely.',
    }),
  },
  { additionalProperties: false },
)

export const DisableTwoFactorBody = Type.Object(
  { code: Type.String({ minLength: 6, maxLength: 64, pattern: '^[^\\u0000-\\u001F\\u007F]+$', description: 'A current TOTP code or an unused recovery code.' }) },
  { additionalProperties: false },
)

/** What a browser session's page script may hold: the access token only (SPEC §12). */
export const BrowserAccessToken = Type.Object(
  {
    accessToken: Type.String({ description: 'A JWT, valid for `expiresIn` seconds unless the session ends first. Keep it in memory only.' }),
    tokenType: Type.Literal('Bearer'),
    expiresIn: Type.Integer({ examples: [900] }),
  },
  { additionalProperties: false },
)
