import { VERIFICATION_CODES } from '@brandwave/core'
import Type, { type Static } from 'typebox'
import { Nullable } from './common.js'
import { Credential, ScopeString } from './credentials.js'

export const VerificationCodeSchema = Type.Enum(
  [...VERIFICATION_CODES],
  { description: 'Why the key is (not) valid. A key of another organization is NOT_FOUND: its existence is never revealed.' },
)

export const VerifyKeyBody = Type.Object(
  {
    key: Type.String({ minLength: 1, maxLength: 512, description: 'The key your customer presented to your service.' }),
    requiredScopes: Type.Optional(Type.Array(ScopeString, { maxItems: 50, uniqueItems: true })),
    ip: Type.Optional(Type.String({ minLength: 2, maxLength: 64, description: 'The customer’s address, checked against the key’s allowlist. A key with an allowlist fails without it.' })),
    cost: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 1_000_000,
        description: 'How many of the key’s remaining uses this verification spends (default 1; 0 checks without spending). Ignored for a key without `remaining`.',
      }),
    ),
  },
  { additionalProperties: false },
)
export type VerifyKeyBody = Static<typeof VerifyKeyBody>

export const VerificationResult = Type.Object(
  {
    valid: Type.Boolean(),
    code: VerificationCodeSchema,
    credential: Nullable(Credential),
    remaining: Nullable(Type.Integer({ description: 'Uses the key has left after this verification; null: unlimited (or the key was not found).' })),
    rateLimit: Nullable(
      Type.Object(
        {
          limit: Type.Integer(),
          remaining: Type.Integer(),
          reset: Type.Integer({ description: 'Seconds until the window resets.' }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
)
