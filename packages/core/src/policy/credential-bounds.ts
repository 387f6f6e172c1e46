import { allowlistWithin, type IpRange } from './ip-allowlist.js'

/** What a credential can do and where, as far as minting others is concerned. */
export interface CredentialReach {
  /** Epoch milliseconds; null: never expires. */
  readonly expiresAt: number | null
  /** Null: any address. */
  readonly allowlist: readonly IpRange[] | null
  readonly requestsPerMinute: number
}

export type ReachViolation = 'expiresAt' | 'allowedIps' | 'rateLimit'

/**
 * Which parts of `candidate` reach further than `bound`. A credential may only mint,
 * rotate or reshape credentials that stay within its own lifetime, allowlist and rate
 * limit — otherwise a restricted token could hand itself an unrestricted successor.
 * (Scopes are checked where they are granted: `checkGrantableScopes`.) Only the parts
 * present in `candidate` are checked.
 *
 * @example
 * reachViolations({ expiresAt: null }, boundOfATokenExpiringTomorrow) // ['expiresAt']
 */
export function reachViolations(candidate: Partial<CredentialReach>, bound: CredentialReach): ReachViolation[] {
  const violations: ReachViolation[] = []
  if (candidate.expiresAt !== undefined && bound.expiresAt !== null && (candidate.expiresAt === null || candidate.expiresAt > bound.expiresAt)) {
    violations.push('expiresAt')
  }
  if (candidate.allowlist !== undefined && !allowlistWithin(candidate.allowlist, bound.allowlist)) violations.push('allowedIps')
  if (candidate.requestsPerMinute !== undefined && candidate.requestsPerMinute > bound.requestsPerMinute) violations.push('rateLimit')
  return violations
}
