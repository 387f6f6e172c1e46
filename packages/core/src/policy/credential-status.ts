import { decideCredential } from './credential-decision.js'

/** What a credential's lifecycle looks like to a caller (SPEC §5, list facets). */
export type CredentialStatus = 'active' | 'disabled' | 'expired' | 'revoked'
export const CREDENTIAL_STATUSES: readonly CredentialStatus[] = ['active', 'disabled', 'expired', 'revoked']

export interface Lifetime {
  /** Epoch milliseconds, or null when the credential does not expire. */
  readonly expiresAt: number | null
  /** Epoch milliseconds, or null while not revoked. */
  readonly revokedAt: number | null
  /** Epoch milliseconds, or null (or absent) while enabled. */
  readonly disabledAt?: number | null
}

/**
 * The lifecycle part of {@link decideCredential}, for display: revocation wins over expiry,
 * expiry over being disabled, and a credential is expired from the instant `expiresAt` is reached.
 *
 * @example
 * credentialStatus({ expiresAt: Date.parse('2020-01-01'), revokedAt: null }, Date.now()) // 'expired'
 */
export function credentialStatus(lifetime: Lifetime, now: number): CredentialStatus {
  const decision = decideCredential(
    { organizationId: '', revoked: lifetime.revokedAt !== null, expiresAtMs: lifetime.expiresAt, ownerGone: false, allowlist: null, disabled: (lifetime.disabledAt ?? null) !== null },
    { now, ip: null },
  )
  if (decision.usable) return 'active'
  if (decision.code === 'DISABLED') return 'disabled'
  return decision.code === 'REVOKED' ? 'revoked' : 'expired'
}
