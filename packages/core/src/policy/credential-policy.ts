/**
 * An organization's rules for the credentials (PATs and API keys) created in it. Pure: the
 * server reads the policy, asks these functions, and refuses or reports what they return.
 */
export interface CredentialPolicy {
  /** The longest a credential may live from its creation, in seconds; null: no bound. */
  readonly maxLifetimeSeconds: number | null
  /** Whether every credential must have an expiry. */
  readonly expiryRequired: boolean
  /** The environments credentials may be created in; never empty. */
  readonly allowedEnvironments: readonly ('live' | 'test')[]
  /** Whether `live` credentials must carry an IP allowlist. */
  readonly liveRequiresAllowedIps: boolean
}

/** No rules: what an organization has until an admin sets a policy. */
export const OPEN_CREDENTIAL_POLICY: CredentialPolicy = {
  maxLifetimeSeconds: null,
  expiryRequired: false,
  allowedEnvironments: ['live', 'test'],
  liveRequiresAllowedIps: false,
}

/** The rules, as `details[].reason` names them when a request breaks one. */
export const POLICY_RULES = ['POLICY_MAX_LIFETIME', 'POLICY_EXPIRY_REQUIRED', 'POLICY_ENVIRONMENT', 'POLICY_LIVE_ALLOWED_IPS'] as const
export type PolicyRule = (typeof POLICY_RULES)[number]

/** The longest lifetime a policy may set: ten years. */
export const MAX_POLICY_LIFETIME_SECONDS = 10 * 366 * 24 * 3600

/** A credential as the policy judges it. */
export interface PolicyCandidate {
  readonly environment: 'live' | 'test'
  /** Epoch milliseconds; null: never expires. */
  readonly expiresAt: number | null
  /** Null or empty: any address. */
  readonly allowedIps: readonly string[] | null
  /** When its lifetime starts (creation or rotation), epoch milliseconds. */
  readonly issuedAt: number
}

export interface PolicyViolation {
  readonly rule: PolicyRule
  /** The request field that would have to change. */
  readonly field: '/expiresAt' | '/environment' | '/allowedIps'
  readonly message: string
}

/**
 * Which rules a credential breaks, in a stable order. Only the rules in `rules` are judged
 * (an update judges just what it changes); by default, all of them.
 *
 * @example
 * policyViolations({ ...OPEN_CREDENTIAL_POLICY, expiryRequired: true }, { environment: 'live', expiresAt: null, allowedIps: null, issuedAt: Date.now() })
 * // [{ rule: 'POLICY_EXPIRY_REQUIRED', field: '/expiresAt', … }]
 */
export function policyViolations(policy: CredentialPolicy, candidate: PolicyCandidate, rules: readonly PolicyRule[] = POLICY_RULES): PolicyViolation[] {
  const judged = new Set(rules)
  const violations: PolicyViolation[] = []
  if (judged.has('POLICY_ENVIRONMENT') && !policy.allowedEnvironments.includes(candidate.environment)) {
    violations.push({ rule: 'POLICY_ENVIRONMENT', field: '/environment', message: `the organization allows only ${policy.allowedEnvironments.map((e) => `"${e}"`).join(' or ')} credentials` })
  }
  if (judged.has('POLICY_EXPIRY_REQUIRED') && policy.expiryRequired && candidate.expiresAt === null) {
    violations.push({ rule: 'POLICY_EXPIRY_REQUIRED', field: '/expiresAt', message: 'the organization requires every credential to have an expiry' })
  }
  const max = policy.maxLifetimeSeconds
  if (judged.has('POLICY_MAX_LIFETIME') && max !== null && (candidate.expiresAt === null || candidate.expiresAt - candidate.issuedAt > max * 1000)) {
    violations.push({ rule: 'POLICY_MAX_LIFETIME', field: '/expiresAt', message: `must be at most ${max} seconds after the credential is issued (${new Date(candidate.issuedAt + max * 1000).toISOString()} for one issued now)` })
  }
  if (judged.has('POLICY_LIVE_ALLOWED_IPS') && policy.liveRequiresAllowedIps && candidate.environment === 'live' && (candidate.allowedIps === null || candidate.allowedIps.length === 0)) {
    violations.push({ rule: 'POLICY_LIVE_ALLOWED_IPS', field: '/allowedIps', message: 'the organization requires live credentials to have an IP allowlist' })
  }
  return violations
}

/** What a proposed policy gets wrong: each problem names the field and what would be right. */
export interface PolicyProblem {
  readonly field: '/maxLifetimeSeconds' | '/expiryRequired' | '/allowedEnvironments'
  readonly reason: 'POLICY_CONTRADICTION' | 'OUT_OF_RANGE'
  readonly message: string
}

/**
 * Whether a policy is coherent: a positive lifetime of at most ten years, at least one
 * environment, and a lifetime bound only together with required expiry (a bound on lifetime
 * is a requirement to expire; saying otherwise contradicts it).
 *
 * @example
 * policyProblems({ ...OPEN_CREDENTIAL_POLICY, maxLifetimeSeconds: 86_400 }) // [{ field: '/expiryRequired', … }]
 */
export function policyProblems(policy: CredentialPolicy): PolicyProblem[] {
  const problems: PolicyProblem[] = []
  const max = policy.maxLifetimeSeconds
  if (max !== null && (!Number.isInteger(max) || max < 1 || max > MAX_POLICY_LIFETIME_SECONDS)) {
    problems.push({ field: '/maxLifetimeSeconds', reason: 'OUT_OF_RANGE', message: `must be a whole number of seconds from 1 to ${MAX_POLICY_LIFETIME_SECONDS}, or null for no bound` })
  }
  if (max !== null && !policy.expiryRequired) {
    problems.push({ field: '/expiryRequired', reason: 'POLICY_CONTRADICTION', message: 'must be true when maxLifetimeSeconds is set: a credential without expiry would outlive any bound' })
  }
  if (policy.allowedEnvironments.length === 0) {
    problems.push({ field: '/allowedEnvironments', reason: 'POLICY_CONTRADICTION', message: 'must allow at least one of "live" and "test", or no credential could ever be created' })
  }
  return problems
}
