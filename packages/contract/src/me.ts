import Type, { type Static } from 'typebox'
import { Role } from './auth.js'
import { Nullable, Timestamp, Uuid } from './common.js'
import { CredentialType, Environment, ExternalId, Metadata } from './credentials.js'

/** `/me` for a PAT or API key: its id, name, organization, scopes, environment, expiry, and the owner and metadata you gave it. */
export const CredentialPrincipal = Type.Object(
  {
    type: CredentialType,
    keyId: Uuid,
    keyName: Type.String(),
    tenantId: Uuid,
    scopes: Type.Array(Type.String(), { description: 'What the credential may do now: its scopes bounded by its owner’s current role.' }),
    environment: Environment,
    expiresAt: Nullable(Timestamp),
    externalId: Nullable(ExternalId),
    metadata: Nullable(Metadata),
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

/** `/me` for an OAuth access token (SPEC §5): the app, the user it acts for, and what it may do now. */
export const OAuthPrincipal = Type.Object(
  {
    type: Type.Literal('oauth'),
    clientId: Type.String(),
    userId: Uuid,
    scopes: Type.Array(Type.String(), { description: 'What the token may do now: the scopes granted, bounded by the user’s current role.' }),
  },
  { additionalProperties: false },
)

export const Me = Type.Union([CredentialPrincipal, SessionPrincipal, OAuthPrincipal])
export type Me = Static<typeof Me>
