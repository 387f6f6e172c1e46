import Type from 'typebox'
import {
  DisableTwoFactorBody,
  EnableTwoFactorBody,
  LoginBody,
  LogoutBody,
  LogoutResult,
  PasswordChangeBody,
  RecoveryCodes,
  RefreshBody,
  SignupBody,
  SetUpTwoFactorBody,
  SignupResult,
  TokenPair,
  TwoFactorSetup,
} from '../auth.js'
import { Data } from '../common.js'
import { defineOperation } from '../operation.js'

const tag = 'Authentication'

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
  summary: 'Create a user and a new organization',
  description: 'Only when the operator set `BRANDWAVE_SIGNUP=open`; the new user is the organization’s `company_admin`.',
  tag,
  authentication: 'none',
  body: SignupBody,
  responses: { 201: Data(SignupResult) },
  errors: ['validation_failed', 'forbidden', 'conflict'],
})

export const changePassword = defineOperation({
  operationId: 'changePassword',
  method: 'POST',
  path: '/v1/auth/password',
  summary: 'Change your password',
  description: 'Ends every other session of yours at once.',
  tag,
  authentication: 'session',
  body: PasswordChangeBody,
  responses: { 200: Data(Type.Object({ changedAt: Type.String({ format: 'date-time' }), endedSessions: Type.Integer() }, { additionalProperties: false })) },
  errors: ['validation_failed', 'rate_limited'],
})

export const setUpTwoFactor = defineOperation({
  operationId: 'setUpTwoFactor',
  method: 'POST',
  path: '/v1/auth/2fa/setup',
  summary: 'Start enrolling a TOTP authenticator',
  description:
    'Returns a new secret and its `otpauth://` URI (issuer Brandwave, account your email). Nothing changes at sign-in until `/v1/auth/2fa/enable` confirms a code. ' +
    'Needs a sign-in from the last 10 minutes, or `currentPassword`.',
  tag,
  authentication: 'session',
  body: SetUpTwoFactorBody,
  bodyOptional: true,
  responses: { 200: Data(TwoFactorSetup) },
  errors: ['validation_failed', 'conflict', 'rate_limited'],
})

export const enableTwoFactor = defineOperation({
  operationId: 'enableTwoFactor',
  method: 'POST',
  path: '/v1/auth/2fa/enable',
  summary: 'Turn on two-factor authentication',
  description:
    'Confirms a code from the authenticator set up with `/v1/auth/2fa/setup`, turns 2FA on, and returns ten one-time recovery codes (shown only here). ' +
    'Needs a sign-in from the last 10 minutes, or `currentPassword`.',
  tag,
  authentication: 'session',
  body: EnableTwoFactorBody,
  responses: { 200: Data(RecoveryCodes) },
  errors: ['validation_failed', 'conflict', 'rate_limited'],
})

export const disableTwoFactor = defineOperation({
  operationId: 'disableTwoFactor',
  method: 'POST',
  path: '/v1/auth/2fa/disable',
  summary: 'Turn off two-factor authentication',
  description: 'Needs a current TOTP code or an unused recovery code, from a session signed in within the last 10 minutes.',
  tag,
  authentication: 'session',
  body: DisableTwoFactorBody,
  responses: { 200: Data(Type.Object({ disabledAt: Type.String({ format: 'date-time' }) }, { additionalProperties: false })) },
  errors: ['validation_failed', 'forbidden', 'conflict', 'rate_limited'],
})
