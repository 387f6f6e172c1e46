import Type, { type Static } from 'typebox'
import { Timestamp, Uuid } from './common.js'

export const USAGE_GRANULARITIES = ['hour', 'day'] as const

export const CredentialUsageQuery = Type.Object(
  {
    from: Type.Optional(Type.String({ format: 'date-time', description: 'Start of the range (ISO 8601), rounded down to the hour or UTC day. Default: `to` minus 1 day (hour) or 30 days (day).' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'End of the range, exclusive (ISO 8601). Default: now.' })),
    granularity: Type.Optional(Type.Enum([...USAGE_GRANULARITIES], { default: 'day', description: 'One bucket per hour (at most 744) or per UTC day (at most 91). Default `day`.' })),
  },
  { additionalProperties: false },
)
export type CredentialUsageQuery = Static<typeof CredentialUsageQuery>

const RefusedByReason = Type.Record(Type.String({ pattern: '^[A-Z_]+$' }), Type.Integer({ minimum: 0 }), {
  description: 'Refused requests by the reason they were refused with, e.g. `REVOKED`, `EXPIRED`, `IP_NOT_ALLOWED`, `INSUFFICIENT_SCOPE`, `RATE_LIMITED`; reasons with none are left out.',
})

const tallyProperties = {
  accepted: Type.Integer({ minimum: 0, description: 'Requests the credential authenticated, and successful verifications of it.' }),
  refused: Type.Integer({ minimum: 0, description: 'Requests with this credential that were refused.' }),
  refusedByReason: RefusedByReason,
}

export const UsageBucket = Type.Object({ start: Timestamp, ...tallyProperties }, { additionalProperties: false })

export const ClientAddress = Type.Object(
  {
    ip: Type.String({ description: 'The client address the request came from (with `TRUST_PROXY`, the one the proxy reported).' }),
    firstSeenAt: Timestamp,
    lastSeenAt: Timestamp,
  },
  { additionalProperties: false },
)

export const CredentialUsage = Type.Object(
  {
    credentialId: Uuid,
    granularity: Type.Enum([...USAGE_GRANULARITIES]),
    from: Timestamp,
    to: Timestamp,
    totals: Type.Object(tallyProperties, { additionalProperties: false, description: 'Sums over the whole range.' }),
    buckets: Type.Array(UsageBucket, { description: 'Every hour or day of the range, oldest first, including those without requests.' }),
    addresses: Type.Array(ClientAddress, { maxItems: 10, description: 'The last 10 addresses the credential was accepted from, most recent first, whatever the range.' }),
    retentionDays: Type.Integer({ description: 'How long counts are kept: older buckets read as zero.' }),
  },
  { additionalProperties: false },
)
export type CredentialUsage = Static<typeof CredentialUsage>
