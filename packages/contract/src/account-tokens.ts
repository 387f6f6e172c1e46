import Type, { type Static } from 'typebox'
import { DisplayName, Nullable, Timestamp } from './common.js'
import { ScopeList } from './credentials.js'

/*
 * The account-scoped surface over organization API keys: integer ids, snake_case
 * fields, bodies at the top level (as that document shows them), `Api-Token` header.
 */

export const AccountParams = Type.Object({ accountId: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) }, { additionalProperties: false })
export const AccountTokenParams = Type.Object(
  { accountId: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }), id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) },
  { additionalProperties: false },
)

export const AccountToken = Type.Object(
  {
    id: Type.Integer({ description: 'API token ID' }),
    name: Type.String(),
    last_4_digits: Type.String({ description: 'Last 4 characters of the token (full token is only shown on create or reset)' }),
    created_by: Type.String({ description: 'Name of the user or token that created this token' }),
    expires_at: Nullable(Timestamp),
  },
  { additionalProperties: false },
)
export type AccountToken = Static<typeof AccountToken>

export const AccountTokenWithSecret = Type.Object(
  { ...AccountToken.properties, token: Type.String({ description: 'Full token value (only returned on create or reset; store securely)' }) },
  { additionalProperties: false },
)

export const CreateAccountTokenBody = Type.Object(
  {
    name: DisplayName,
    permissions: Type.Optional(ScopeList),
  },
  { additionalProperties: false },
)
export type CreateAccountTokenBody = Static<typeof CreateAccountTokenBody>
