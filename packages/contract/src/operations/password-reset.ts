import { Data } from '../common.js'
import { defineOperation } from '../operation.js'
import { PasswordResetConfirmBody, PasswordResetDone, PasswordResetRequestBody, PasswordResetRequested } from '../password-reset.js'

const tag = 'Authentication'

export const requestPasswordReset = defineOperation({
  operationId: 'requestPasswordReset',
  method: 'POST',
  path: '/v1/auth/password-reset',
  summary: 'Email a password reset link',
  description:
    'Answers 202 with the same body whether or not the address has an account. When it has, an email with `{BRANDWAVE_PUBLIC_URL}/reset-password#token=…` goes out; the link works once, for one hour.',
  tag,
  authentication: 'none',
  body: PasswordResetRequestBody,
  responses: { 202: Data(PasswordResetRequested) },
  errors: ['validation_failed'],
})

export const confirmPasswordReset = defineOperation({
  operationId: 'confirmPasswordReset',
  method: 'POST',
  path: '/v1/auth/password-reset/confirm',
  summary: 'Set a new password with a reset token',
  description: 'Ends every session of the user at once, and tells them by email that the password changed.',
  tag,
  authentication: 'none',
  body: PasswordResetConfirmBody,
  responses: { 200: Data(PasswordResetDone) },
  errors: ['validation_failed'],
})
