import { CREDENTIAL_STATUSES, METADATA_MAX_BYTES, METADATA_MAX_DEPTH, POLICY_RULES, REFILL_INTERVALS, SCOPE_PATTERN } from '@brandwave/core'
import Type, { type Static } from 'typebox'
import { Cursor, DisplayName, Limit, Nullable, PlainText, Timestamp, Uuid } from './common.js'
import { StepUpProof } from './auth.js'

export const Environment = Type.Enum(['live', 'test'], {
  description: '`live` keys start with `{prefix}_live_`, `test` keys with `{prefix}_test_`. Both behave the same today; the environment is recorded, filterable and shown.',
})
export const CredentialStatusSchema = Type.Enum([...CREDENTIAL_STATUSES])
/** The kinds of credential this service issues: what `type` says in every response and event. */
export const CREDENTIAL_TYPES = ['personal_access_token', 'api_key'] as const
export type CredentialTypeName = (typeof CREDENTIAL_TYPES)[number]
export const CredentialType = Type.Enum([...CREDENTIAL_TYPES])

export const ScopeString = Type.String({ pattern: SCOPE_PATTERN.source, maxLength: 80, examples: ['contacts:read'] })
export const ScopeList = Type.Array(ScopeString, { minItems: 1, maxItems: 200, uniqueItems: true })

export const AllowedIps = Nullable(
  Type.Array(Type.String({ minLength: 2, maxLength: 64, examples: ['203.0.113.0/24', '2001:db8::/32'] }), {
    minItems: 1,
    maxItems: 100,
    description: 'IPv4/IPv6 addresses or CIDR ranges the credential may be used from; null allows any address.',
  }),
)

export const RateLimit = Nullable(
  Type.Object(
    { requestsPerMinute: Type.Integer({ minimum: 1, maximum: 1_000_000 }) },
    { additionalProperties: false, description: 'Per-credential limit shared by every instance; null uses the deployment default.' },
  ),
)

export const ExternalId = PlainText({
  maxLength: 255,
  description: 'Who the credential is for in your own system (a customer or user id), so you need no table of your own beside it; lists filter by it.',
})

export const Metadata = Type.Record(Type.String(), Type.Unknown(), {
  description: `Your own JSON object, returned wherever the credential is (verify, \`/v1/me\`, lists): at most ${METADATA_MAX_BYTES} bytes serialized, nesting at most ${METADATA_MAX_DEPTH} levels deep. Not for secrets.`,
  examples: [{ plan: 'pro', region: 'eu' }],
})

export const Remaining = Type.Integer({
  minimum: 0,
  maximum: 2_147_483_647,
  description: 'How many more uses the credential has: every accepted request with it, and every successful verification of it, spends one (a verification may say `cost`). At 0 it is refused with 429 `USAGE_EXCEEDED` until a refill.',
})

export const Refill = Type.Object(
  {
    interval: Type.Enum([...REFILL_INTERVALS], { description: '`daily`: at 00:00 UTC each day; `monthly`: at 00:00 UTC on `day` of each month.' }),
    amount: Type.Integer({ minimum: 1, maximum: 2_147_483_647, description: 'What `remaining` is set to at each refill.' }),
    day: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 31, description: 'Monthly only: the day of the month (in shorter months, their last day). Default 1.' }))),
  },
  { additionalProperties: false, description: 'Puts `remaining` back to `amount` on schedule; no job of yours needed. Needs `remaining`.' },
)

export const REVOCATION_REASONS = ['revoked', 'rotated', 'reuse_detected', 'exposed', 'owner_removed'] as const
export const RevocationReason = Type.Enum([...REVOCATION_REASONS], {
  description:
    'Why it stopped working: `revoked` by a person or key, `rotated` (replaced without a grace period), `reuse_detected` (a retired secret of its rotation family came back, so the whole family was revoked), `exposed` (reported as leaked), `owner_removed` (its owner left the organization).',
})

export const Actor = Type.Object(
  {
    type: Type.Enum(['user', 'api_key', 'system']),
    id: Nullable(Type.String()),
    name: Type.String(),
  },
  { additionalProperties: false, description: 'Who did it: a user (directly or through one of their tokens), an API key, or Brandwave itself.' },
)

/** A PAT or API key as every endpoint shows it: never the secret, never its hash. */
export const Credential = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    type: CredentialType,
    environment: Environment,
    start: Type.String({ description: 'Prefix, kind and the first four body characters, e.g. `bw_live_3kTM`.' }),
    last4: Type.String({ description: 'The last four characters of the token.' }),
    scopes: Nullable(Type.Array(Type.String(), {
      description: 'The scopes granted at creation. null (personal access tokens only): every permission the owner has, evaluated on each request.',
    })),
    allowedIps: AllowedIps,
    rateLimit: RateLimit,
    createdBy: Nullable(Actor),
    createdAt: Timestamp,
    expiresAt: Nullable(Timestamp),
    lastUsedAt: Nullable(Timestamp),
    lastUsedIp: Nullable(Type.String()),
    revokedAt: Nullable(Timestamp),
    revocationReason: Nullable(RevocationReason),
    rotatedToId: Nullable(Uuid),
    status: CredentialStatusSchema,
    externalId: Nullable(ExternalId),
    metadata: Nullable(Metadata),
    remaining: Nullable(
      Type.Integer({
        description:
          'Uses left; null: unlimited. A rotated credential still in its grace period shares its successor’s budget: both spend the one figure, shown on both (change it on the successor).',
      }),
    ),
    refill: Nullable(
      Type.Object(
        { interval: Type.Enum([...REFILL_INTERVALS]), amount: Type.Integer(), day: Nullable(Type.Integer()) },
        { additionalProperties: false, description: 'How `remaining` comes back; null: it does not.' },
      ),
    ),
    disabledAt: Nullable(Timestamp),
    policyViolations: Type.Optional(
      Type.Array(Type.Enum([...POLICY_RULES]), {
        description: 'In lists and gets: the rules of the organization’s credential policy this active credential breaks (it predates them); empty when it meets them all.',
      }),
    ),
    exposure: Nullable(
      Type.Object(
        {
          reportedAt: Timestamp,
          url: Nullable(Type.String({ description: 'Where the token was found, as the report said (a scanner gives the commit or file URL).' })),
        },
        {
          additionalProperties: false,
          description: 'Set when the token was first reported as leaked (GitHub or GitLab secret scanning, or `POST /v1/credentials/revoke`); null otherwise.',
        },
      ),
    ),
  },
  { additionalProperties: false },
)
export type Credential = Static<typeof Credential>

/** The create and rotate responses: the one time the plaintext token is shown. */
export const CreatedCredential = Type.Object(
  {
    ...Credential.properties,
    token: Type.String({ description: 'The secret. Returned only here (and on an idempotent replay of this request); store it securely.' }),
  },
  { additionalProperties: false },
)
export type CreatedCredential = Static<typeof CreatedCredential>

const ExpiresAtInput = Nullable(Type.String({ format: 'date-time', description: 'When the credential should expire (ISO 8601, in the future); null or absent: never.' }))

export const CreatePersonalAccessTokenBody = Type.Object(
  {
    name: DisplayName,
    expiresAt: Type.Optional(ExpiresAtInput),
    scopes: Type.Optional(ScopeList),
    environment: Type.Optional(Environment),
    allowedIps: Type.Optional(AllowedIps),
    rateLimit: Type.Optional(RateLimit),
    externalId: Type.Optional(Nullable(ExternalId)),
    metadata: Type.Optional(Nullable(Metadata)),
    remaining: Type.Optional(Nullable(Remaining)),
    refill: Type.Optional(Nullable(Refill)),
    ...StepUpProof,
  },
  {
    additionalProperties: false,
    description:
      'A token that would carry scopes only a `company_admin` holds (every token of an admin created without `scopes` does) needs, from a signed-in user, `currentPassword` or `twoFactorCode` in the request.',
  },
)
export type CreatePersonalAccessTokenBody = Static<typeof CreatePersonalAccessTokenBody>

export const CreateApiKeyBody = Type.Object(
  {
    name: DisplayName,
    scopes: ScopeList,
    expiresAt: Type.Optional(ExpiresAtInput),
    environment: Type.Optional(Environment),
    allowedIps: Type.Optional(AllowedIps),
    rateLimit: Type.Optional(RateLimit),
    externalId: Type.Optional(Nullable(ExternalId)),
    metadata: Type.Optional(Nullable(Metadata)),
    remaining: Type.Optional(Nullable(Remaining)),
    refill: Type.Optional(Nullable(Refill)),
  },
  { additionalProperties: false },
)
export type CreateApiKeyBody = Static<typeof CreateApiKeyBody>

export const UpdateCredentialBody = Type.Object(
  {
    name: Type.Optional(DisplayName),
    allowedIps: Type.Optional(AllowedIps),
    rateLimit: Type.Optional(RateLimit),
    externalId: Type.Optional(Nullable(ExternalId)),
    metadata: Type.Optional(Nullable(Metadata)),
    remaining: Type.Optional(Nullable(Remaining)),
    refill: Type.Optional(Nullable(Refill)),
  },
  {
    additionalProperties: false,
    minProperties: 1,
    description: 'Only what is sent changes; null clears `externalId`, `metadata`, `remaining` (unlimited) or `refill`. Setting `remaining` or `refill` starts the budget afresh from now.',
  },
)
export type UpdateCredentialBody = Static<typeof UpdateCredentialBody>

export const RotateCredentialBody = Type.Object(
  {
    gracePeriodSeconds: Type.Optional(Type.Integer({
      minimum: 0,
      maximum: 604_800,
      default: 0,
      description: 'How long the old credential keeps working (up to 7 days); 0 revokes it at once.',
    })),
    expiresAt: Type.Optional(Nullable(Type.String({ format: 'date-time', description: 'Expiry of the new credential; by default it keeps the old one’s.' }))),
    graceStartsOnFirstUse: Type.Optional(
      Type.Boolean({
        description:
          'With `true`, the grace period starts when the new credential is first used, not now: the old one keeps working until then plus `gracePeriodSeconds`, and at most 30 days from now.',
      }),
    ),
    ...StepUpProof,
  },
  {
    additionalProperties: false,
    description:
      'A signed-in user rotating a personal access token with scopes only a `company_admin` holds confirms with `currentPassword` or `twoFactorCode`: a new secret is as good as a new token.',
  },
)
export type RotateCredentialBody = Static<typeof RotateCredentialBody>

export const CredentialIdParams = Type.Object({ id: Uuid }, { additionalProperties: false })

export const ListCredentialsQuery = Type.Object(
  {
    status: Type.Optional(CredentialStatusSchema),
    environment: Type.Optional(Environment),
    search: Type.Optional(PlainText({ maxLength: 100, description: 'Case-insensitive match on the name or the displayed start.' })),
    externalId: Type.Optional(PlainText({ maxLength: 255, description: 'Only credentials with exactly this `externalId`.' })),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
)
export type ListCredentialsQuery = Static<typeof ListCredentialsQuery>

export const CredentialFacets = Type.Object(
  {
    status: Type.Object({ active: Type.Integer(), disabled: Type.Integer(), expired: Type.Integer(), revoked: Type.Integer() }, { additionalProperties: false }),
    environment: Type.Object({ live: Type.Integer(), test: Type.Integer() }, { additionalProperties: false }),
  },
  { additionalProperties: false, description: 'Counts over the filtered set: each facet sums to totalCount.' },
)
export type CredentialFacets = Static<typeof CredentialFacets>
