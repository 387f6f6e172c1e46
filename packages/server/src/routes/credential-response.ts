import { credentialStatus, currentRemaining } from '@brandwave/core'
import { REVOCATION_REASONS, type CreatedCredential, type Credential } from '@brandwave/contract'
import type { Static } from 'typebox'
import type { IssuedCredential } from '../services/credentials.js'
import type { CredentialRecord } from '../services/credentials.js'

/** Stored reasons as the API names them; rows written before the names settled are read alike. */
function revocationReason(stored: string | null): Static<typeof Credential>['revocationReason'] {
  if (stored === null) return null
  if (stored === 'family_reuse_detected') return 'reuse_detected'
  return (REVOCATION_REASONS as readonly string[]).includes(stored) ? (stored as (typeof REVOCATION_REASONS)[number]) : 'revoked'
}

const parsedTime = (time: string | null): number | null => (time === null ? null : Date.parse(time))

/**
 * A stored credential as every endpoint shows it (SPEC §5): never the secret or its hash.
 * `remaining`: what a spend just left, when the caller knows better than the record read
 * before it (a warm entry's is as of its storage read).
 */
export function credentialResponse(record: CredentialRecord, now: number, remaining?: number | null): Static<typeof Credential> {
  const { refill } = record
  return {
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
    status: credentialStatus({ expiresAt: parsedTime(record.expiresAt), revokedAt: parsedTime(record.revokedAt), disabledAt: parsedTime(record.disabledAt) }, now),
    externalId: record.externalId,
    // Parsed here only: stored, cached and compared as the text it came in as.
    metadata: record.metadataJson === null ? null : (JSON.parse(record.metadataJson) as Record<string, unknown>),
    remaining: remaining !== undefined ? remaining : currentRemaining({ remaining: record.remaining, refill, refilledAt: parsedTime(record.refilledAt) }, now),
    refill: refill === null ? null : { interval: refill.interval, amount: refill.amount, day: refill.day },
    disabledAt: record.disabledAt,
  }
}

/** The create and rotate responses: the record plus the secret, this once. */
export function issuedCredentialResponse(issued: IssuedCredential, now: number): Static<typeof CreatedCredential> {
  return { ...credentialResponse(issued.credential, now), token: issued.token }
}
