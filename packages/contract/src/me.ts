import Type, { type Static } from 'typebox'
import { Role } from './auth.js'
import { Nullable, Timestamp, Uuid } from './common.js'
import { CredentialType, Environment } from './credentials.js'

/** `/me` for a PAT or API key: its id, name, organization, scopes, environment and expiry. */
export const CredentialPrincipal = Type.Object(
  {
    type: CredentialType,
    keyId: Uuid,
    keyName: Type.String(),
    tenantId: Uuid,
    scopes: Type.Array(Type.String(), { description: 'What the credential may do now: its scopes bounded by its owner’s current role.' }),
    environment: Environment,
    expiresAt: Nullable(Timestamp),
  },
  { additionalProperties: false },
)

export const SessionPrincipal = Type.Object(
  {
    type: Type.Literal('session'),
    userId: Uuid,
    email: Type.String(),
    name: Type.String(),
    tenantId: Uuid,
    role: Role,
    twoFactorEnabled: Type.Boolean(),
  },
  { additionalProperties: false },
)

export const Me = Type.Union([CredentialPrincipal, SessionPrincipal])
export type Me = Static<typeof Me>
