import Type from 'typebox'
import { Email, NewPassword } from './auth.js'
import { Timestamp, Uuid } from './common.js'

export const PasswordResetRequestBody = Type.Object({ email: Email }, { additionalProperties: false })

export const PasswordResetRequested = Type.Object(
  { message: Type.String({ description: 'The same text for every address, whether it has an account or not.' }) },
  { additionalProperties: false },
)

export const PasswordResetConfirmBody = Type.Object(
  {
    token: Type.String({ minLength: 1, maxLength: 256, description: 'The token from the reset link (after `#token=`).' }),
    newPassword: NewPassword,
  },
  { additionalProperties: false },
)

export const PasswordResetDone = Type.Object(
  { userId: Uuid, changedAt: Timestamp, endedSessions: Type.Integer({ description: 'Every session of the user ends with the reset.' }) },
  { additionalProperties: false },
)
