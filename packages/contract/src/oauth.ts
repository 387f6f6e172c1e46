import Type, { type Static } from 'typebox'
import { Nullable, Timestamp } from './common.js'

const ClientId = Type.String({ minLength: 1, maxLength: 255, description: 'The OAuth client id the app registered with.' })

/** An app the user let act for them (SPEC §6). */
export const AuthorizedApp = Type.Object(
  {
    clientId: Type.String(),
    clientName: Nullable(Type.String({ description: 'The name the app registered with (`client_name`).' })),
    scopes: Type.Array(Type.String(), { description: 'Every scope the user granted it in this organization.' }),
    createdAt: Timestamp,
    lastUsedAt: Nullable(Timestamp),
  },
  { additionalProperties: false },
)
export type AuthorizedApp = Static<typeof AuthorizedApp>

export const AuthorizedAppFacets = Type.Object({}, { additionalProperties: false })
export const AuthorizedAppParams = Type.Object({ clientId: ClientId }, { additionalProperties: false })

export const RevokedAuthorizedApp = Type.Object(
  { clientId: Type.String(), revokedGrants: Type.Integer({ minimum: 0, description: 'How many consents (each with its tokens) ended.' }) },
  { additionalProperties: false },
)

export const OAuthInteractionParams = Type.Object({ uid: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_-]+$' }) }, { additionalProperties: false })

/** What the consent page shows: the app, and each scope it asks for in words. */
export const OAuthInteraction = Type.Object(
  {
    clientId: Type.String(),
    clientName: Nullable(Type.String()),
    clientUri: Nullable(Type.String()),
    redirectUri: Type.String(),
    signInRequired: Type.Boolean({ description: 'The app asked for a fresh sign-in (`prompt=login`, `max_age`) that this session is too old for: sign in again first.' }),
    organization: Type.Object({ id: Type.String(), name: Type.String() }, { additionalProperties: false, description: 'Where the app will act: the signed-in session’s organization.' }),
    scopes: Type.Array(
      Type.Object(
        {
          scope: Type.String(),
          description: Type.String(),
          grantable: Type.Boolean({ description: 'False when the user does not hold it: it will not be granted.' }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
)

export const OAuthDecisionBody = Type.Object({ decision: Type.Enum(['allow', 'deny']) }, { additionalProperties: false })
export const OAuthDecision = Type.Object(
  { redirectTo: Type.String({ description: 'Where the browser goes next: back through the authorization endpoint to the app.' }) },
  { additionalProperties: false },
)
