import { credentialStatus, type CredentialPolicy } from '@brandwave/core'
import { REVOCATION_REASONS, type CreatedCredential, type Credential } from '@brandwave/contract'
import type { Static } from 'typebox'
import type { IssuedCredential } from '../services/credentials.js'
import type { CredentialRecord } from '../services/credentials.js'
import { violationsOf } from '../services/credential-policy.js'

/** Stored reasons as the API names them; rows written before the names settled are read alike. */
function revocationReason(stored: string | null): Static<typeof Credential>['revocationReason'] {
  if (stored === null) return null
  if (stored === 'family_reuse_detected') return 'reuse_detected'
  return (REVOCATION_REASONS as readonly string[]).includes(stored) ? (stored as (typeof REVOCATION_REASONS)[number]) : 'revoked'
}

/** A stored credential as every endpoint shows it (SPEC §5): never the secret or its hash. */
export function credentialResponse(record: CredentialRecord, now: number, policy?: CredentialPolicy): Static<typeof Credential> {
  return {
    ...(policy !== undefined && { policyViolations: violationsOf(policy, record, now) }),
    id: record.id,
    name: record.name,
    type: record.ownerKind === 'user' ? 'personal_access_token' : 'api_key',
    environment: record.environment,
    start: record.start,
    last4: record.last4,
    scopes: record.scopes === null ? null : [...record.scopes],
    allowedIps: record.allowedIps === null ? null : [...record.allowedIps],
    rateLimit: record.rateLimitPerMinute === null ? null : { requestsPerMinute: record.rateLimitPerMinute },
    createdBy: { ...record.createdBy },
    createdAt: record.createdAt,
    expiresAt: record.expiresAt,
    lastUsedAt: record.lastUsedAt,
    lastUsedIp: record.lastUsedIp,
    revokedAt: record.revokedAt,
    revocationReason: revocationReason(record.revokedReason),
    rotatedToId: record.rotatedToId,
    exposure: record.exposedAt === null ? null : { reportedAt: record.exposedAt, url: record.exposedUrl },
    status: credentialStatus(
      { expiresAt: record.expiresAt === null ? null : Date.parse(record.expiresAt), revokedAt: record.revokedAt === null ? null : Date.parse(record.revokedAt) },
      now,
    ),
  }
}

/** The create and rotate responses: the record plus the secret, this once. */
export function issuedCredentialResponse(issued: IssuedCredential, now: number): Static<typeof CreatedCredential> {
  return { ...credentialResponse(issued.credential, now), token: issued.token }
}
