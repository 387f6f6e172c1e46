import { credentialStatus } from '@brandwave/core'
import type { CreatedCredential, Credential } from '@brandwave/contract'
import type { Static } from 'typebox'
import type { IssuedCredential } from '../services/credentials.js'
import type { CredentialRecord } from '../storage/credentials.js'

/** A stored credential as every endpoint shows it (SPEC §5): never the secret or its hash. */
export function credentialResponse(record: CredentialRecord, now: number): Static<typeof Credential> {
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
    rotatedToId: record.rotatedToId,
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
