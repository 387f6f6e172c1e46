import Type from 'typebox'
import {
  DisableTwoFactorBody,
  EmailChangeBody,
  EmailChangeConfirmBody,
  EmailChanged,
  EmailChangeRequested,
  EnableTwoFactorBody,
  LoginBody,
  LogoutBody,
  LogoutResult,
  PasswordChangeBody,
  RecoveryCodes,
  RefreshBody,
  RegenerateRecoveryCodesBody,
  SignupBody,
  SetUpTwoFactorBody,
  SignupResult,
  TokenPair,
  TwoFactorSetup,
} from '../auth.js'
import { Data } from '../common.js'
import { defineOperation } from '../operation.js'

const tag = 'Authentication'

/** Said of every change that needs proof of the account's owner in the request itself. */
const STEP_UP =
  'A recent sign-in alone is not enough: without the proof the answer is 403 `forbidden` (`details[].reason: "STEP_UP_REQUIRED"`), with a wrong one 401 `invalid_credentials` (`WRONG_PASSWORD` or `WRONG_CODE`); wrong proofs are throttled like sign-ins (429).'
const STEP_UP_ERRORS = ['validation_failed', 'invalid_credentials', 'forbidden', 'rate_limited'] as const

export const login = defineOperation({
  operationId: 'login',
  method: 'POST',
  path: '/v1/auth/login',
  summary: 'Sign in with email and password',
  description: 'Returns a 15-minute access JWT and a 7-day single-use refresh token. With 2FA on and no `twoFactorCode`, answers 401 `two_factor_required`. Unknown email and wrong password both answer 401 `invalid_credentials`.',
  tag,
  authentication: 'none',
  body: LoginBody,
  responses: { 200: Data(TokenPair) },
  errors: ['validation_failed', 'invalid_credentials', 'two_factor_required', 'forbidden', 'rate_limited'],
})

export const refreshSession = defineOperation({
  operationId: 'refreshSession',
  method: 'POST',
  path: '/v1/auth/refresh',
  summary: 'Exchange a refresh token for a new token pair',
  description: 'The refresh token is single use. Presenting one that was already used ends the whole session (it was probably stolen).',
  tag,
  authentication: 'none',
  body: RefreshBody,
  responses: { 200: Data(TokenPair) },
  errors: ['validation_failed', 'unauthorized'],
})

export const logout = defineOperation({
  operationId: 'logout',
  method: 'POST',
  path: '/v1/auth/logout',
  summary: 'End the current session',
  description:
    'The access token and refresh token of this session stop working on the very next request. Send the access token, or the session’s `refreshToken` in the body (which works after the access token expired), or both.',
  tag,
  authentication: 'optional-session',
  body: LogoutBody,
  bodyOptional: true,
  responses: { 200: Data(LogoutResult) },
  errors: ['unauthorized'],
})

export const signup = defineOperation({
  operationId: 'signup',
  method: 'POST',
  path: '/v1/auth/signup',
  summary: 'Create a user and a new organization, or join through an invitation',
  description:
    'With `organizationName`: only when the operator set `BRANDWAVE_SIGNUP=open`; the new user is the new organization’s `company_admin`. With `invitationToken` (whatever `BRANDWAVE_SIGNUP` says): `email` must be the invited address; the user joins the inviting organization only, with the invited role, and the address counts as verified.',
  tag,
  authentication: 'none',
  body: SignupBody,
  responses: { 201: Data(SignupResult) },
  errors: ['validation_failed', 'forbidden', 'conflict', 'rate_limited'],
})

export const changePassword = defineOperation({
  operationId: 'changePassword',
  method: 'POST',
  path: '/v1/auth/password',
  summary: 'Change your password',
  description: `Needs \`currentPassword\` (or, with 2FA on, \`twoFactorCode\`) in the request. ${STEP_UP} Ends every other session of yours at once.`,
  tag,
  authentication: 'session',
  body: PasswordChangeBody,
  responses: { 200: Data(Type.Object({ changedAt: Type.String({ format: 'date-time' }), endedSessions: Type.Integer() }, { additionalProperties: false })) },
  errors: [...STEP_UP_ERRORS],
})

export const setUpTwoFactor = defineOperation({
  operationId: 'setUpTwoFactor',
  method: 'POST',
  path: '/v1/auth/2fa/setup',
  summary: 'Start enrolling a TOTP authenticator',
  description:
    'Returns a new secret and its `otpauth://` URI (issuer Brandwave, account your email). Nothing changes at sign-in until `/v1/auth/2fa/enable` confirms a code. ' +
    `Needs \`currentPassword\`. ${STEP_UP}`,
  tag,
  authentication: 'session',
  body: SetUpTwoFactorBody,
  bodyOptional: true,
  responses: { 200: Data(TwoFactorSetup) },
  errors: [...STEP_UP_ERRORS, 'conflict'],
})

export const enableTwoFactor = defineOperation({
  operationId: 'enableTwoFactor',
  method: 'POST',
  path: '/v1/auth/2fa/enable',
  summary: 'Turn on two-factor authentication',
  description:
    'Confirms a code from the authenticator set up with `/v1/auth/2fa/setup`, turns 2FA on, and returns ten one-time recovery codes (shown only here). ' +
    `Needs \`currentPassword\`. ${STEP_UP}`,
  tag,
  authentication: 'session',
  body: EnableTwoFactorBody,
  responses: { 200: Data(RecoveryCodes) },
  errors: [...STEP_UP_ERRORS, 'conflict'],
})

export const disableTwoFactor = defineOperation({
  operationId: 'disableTwoFactor',
  method: 'POST',
  path: '/v1/auth/2fa/disable',
  summary: 'Turn off two-factor authentication',
  description: `Needs \`code\`: the code your authenticator shows now, or an unused recovery code, which is the proof this change needs. ${STEP_UP}`,
  tag,
  authentication: 'session',
  body: DisableTwoFactorBody,
  responses: { 200: Data(Type.Object({ disabledAt: Type.String({ format: 'date-time' }) }, { additionalProperties: false })) },
  errors: [...STEP_UP_ERRORS, 'conflict'],
})

export const regenerateRecoveryCodes = defineOperation({
  operationId: 'regenerateRecoveryCodes',
  method: 'POST',
  path: '/v1/auth/2fa/recovery-codes',
  summary: 'Replace your recovery codes',
  description: `Returns ten new one-time recovery codes (shown only here); every earlier one stops working. Needs 2FA on, and \`currentPassword\` or \`twoFactorCode\`. ${STEP_UP}`,
  tag,
  authentication: 'session',
  body: RegenerateRecoveryCodesBody,
  responses: { 200: Data(RecoveryCodes) },
  errors: [...STEP_UP_ERRORS, 'conflict'],
})

export const requestEmailChange = defineOperation({
  operationId: 'requestEmailChange',
  method: 'POST',
  path: '/v1/auth/email',
  summary: 'Change your email address',
  description:
    'Sends a confirmation link (`{PUBLIC_URL}/confirm-email#token=…`, valid for one hour) to the new address and a notice to the current one; the address changes only when the link is opened. ' +
    `Needs \`currentPassword\` (or, with 2FA on, \`twoFactorCode\`) in the request. ${STEP_UP} ` +
    'Answers 409 when another account uses the address, or when the server sends no email (an address nobody confirmed must not become the one password resets go to).',
  tag,
  authentication: 'session',
  body: EmailChangeBody,
  responses: { 202: Data(EmailChangeRequested) },
  errors: [...STEP_UP_ERRORS, 'conflict'],
})

export const confirmEmailChange = defineOperation({
  operationId: 'confirmEmailChange',
  method: 'POST',
  path: '/v1/auth/email/confirm',
  summary: 'Confirm a new email address',
  description:
    'Takes the token from the confirmation link. Holding it proves the new address; the change itself was confirmed with the password when it was asked for. ' +
    'The link works once, for one hour; asking for another change voids it. The old address is told.',
  tag,
  authentication: 'none',
  body: EmailChangeConfirmBody,
  responses: { 200: Data(EmailChanged) },
  errors: ['validation_failed', 'conflict', 'rate_limited'],
})
