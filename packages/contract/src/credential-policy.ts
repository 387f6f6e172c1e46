import Type, { type Static } from 'typebox'
import { Nullable, Timestamp } from './common.js'
import { Actor, Environment } from './credentials.js'

const policyProperties = {
  maxLifetimeSeconds: Nullable(
    Type.Integer({
      description: 'The longest a new or rotated credential may live, from its creation, in seconds (1 to 10 years); null: no bound. Needs `expiryRequired: true`.',
      examples: [7_776_000],
    }),
  ),
  expiryRequired: Type.Boolean({ description: 'Whether every new or rotated credential must have `expiresAt`.' }),
  allowedEnvironments: Type.Array(Environment, { maxItems: 2, uniqueItems: true, description: 'The environments credentials may be created in; at least one.' }),
  liveRequiresAllowedIps: Type.Boolean({ description: 'Whether `live` credentials must have an IP allowlist (`allowedIps`).' }),
}

/** The body of `PUT /v1/organization/credential-policy`: the whole policy, replaced. */
export const CredentialPolicyBody = Type.Object(policyProperties, {
  additionalProperties: false,
  description: 'Rules for the personal access tokens and API keys created, rotated or changed from now on. Credentials that already exist are not changed; those that break a rule are listed with `policyViolations`.',
})
export type CredentialPolicyBody = Static<typeof CredentialPolicyBody>

export const CredentialPolicy = Type.Object(
  {
    ...policyProperties,
    updatedAt: Nullable(Timestamp),
    updatedBy: Nullable(Actor),
  },
  { additionalProperties: false, description: 'The organization’s credential policy. Never set: no rules (`updatedAt` null).' },
)
export type CredentialPolicy = Static<typeof CredentialPolicy>
