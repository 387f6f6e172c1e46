/** What a credential's lifecycle looks like to a caller (SPEC §5, list facets). */
export type CredentialStatus = 'active' | 'expired' | 'revoked'
export const CREDENTIAL_STATUSES: readonly CredentialStatus[] = ['active', 'expired', 'revoked']

export interface Lifetime {
  /** Epoch milliseconds, or null when the credential does not expire. */
  readonly expiresAt: number | null
  /** Epoch milliseconds, or null while not revoked. */
  readonly revokedAt: number | null
}

/**
 * Revocation wins over expiry: a revoked key reads as revoked even after its expiry passed.
 * A credential is expired from the instant `expiresAt` is reached.
 *
 * @example
 * credentialStatus({ expiresAt: Date.parse('2020-01-01'), revokedAt: null }, Date.now()) // 'expired'
 */
export function credentialStatus(lifetime: Lifetime, now: number): CredentialStatus {
  if (lifetime.revokedAt !== null) return 'revoked'
  if (lifetime.expiresAt !== null && lifetime.expiresAt <= now) return 'expired'
  return 'active'
}
