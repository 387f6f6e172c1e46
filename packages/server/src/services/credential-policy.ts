import {
  ApiError,
  credentialStatus,
  OPEN_CREDENTIAL_POLICY,
  policyProblems,
  policyViolations,
  POLICY_RULES,
  type CredentialPolicy,
  type PolicyCandidate,
  type PolicyRule,
} from '@brandwave/core'
import { actorOf, type Principal } from '../auth/principal.js'
import { isoAt, type Clock } from '../clock.js'
import type { RequestContext } from '../request-context.js'
import type { StoredCredentialPolicy } from '../storage/credential-policies.js'
import type { CredentialRecord } from '../storage/credentials.js'
import type { Storage } from '../storage/index.js'
import type { AuditLog } from './audit.js'
import { auditActorOf } from './audit-record.js'

/** A policy as the API shows it: the rules, and who set them when (null while never set). */
export interface CredentialPolicyView extends CredentialPolicy {
  readonly updatedAt: string | null
  readonly updatedBy: StoredCredentialPolicy['updatedBy'] | null
}

/**
 * Each organization's rules for its credentials (issue: maximum lifetime, required expiry,
 * allowed environments, an allowlist for live keys). The decisions are core's
 * (`policyViolations`); this reads and writes the policy, audits changes, and turns a
 * broken rule into the 422 that names it.
 */
export class CredentialPolicyService {
  constructor(private readonly deps: { readonly storage: Storage; readonly audit: AuditLog; readonly clock: Clock }) {}

  async get(principal: Pick<Principal, 'organizationId'>): Promise<CredentialPolicyView> {
    const stored = await this.deps.storage.credentialPolicies.find(principal.organizationId)
    return stored ?? { ...OPEN_CREDENTIAL_POLICY, updatedAt: null, updatedBy: null }
  }

  /** The rules in force for an organization's credentials. */
  async policyOf(organizationId: string): Promise<CredentialPolicy> {
    return (await this.deps.storage.credentialPolicies.find(organizationId)) ?? OPEN_CREDENTIAL_POLICY
  }

  async put(principal: Principal, input: CredentialPolicy, context: RequestContext): Promise<CredentialPolicyView> {
    const policy: CredentialPolicy = {
      maxLifetimeSeconds: input.maxLifetimeSeconds,
      expiryRequired: input.expiryRequired,
      allowedEnvironments: [...new Set(input.allowedEnvironments)],
      liveRequiresAllowedIps: input.liveRequiresAllowedIps,
    }
    const problems = policyProblems(policy)
    if (problems.length > 0) {
      throw new ApiError('validation_failed', 'This policy contradicts itself or is out of range.', { details: problems.map(({ field, reason, message }) => ({ field, reason, message })) })
    }
    const previous = await this.get(principal)
    const stored: StoredCredentialPolicy = { ...policy, updatedAt: isoAt(this.deps.clock.now()), updatedBy: actorOf(principal) }
    await this.deps.storage.transaction(async (repos) => {
      await repos.credentialPolicies.put(principal.organizationId, stored)
      const { actor, via } = auditActorOf(principal)
      const rules = (p: CredentialPolicy) => ({
        maxLifetimeSeconds: p.maxLifetimeSeconds,
        expiryRequired: p.expiryRequired,
        allowedEnvironments: p.allowedEnvironments,
        liveRequiresAllowedIps: p.liveRequiresAllowedIps,
      })
      await this.deps.audit.record(
        repos,
        {
          organizationId: principal.organizationId,
          action: 'organization.credential_policy_updated',
          actor,
          target: { type: 'organization', id: principal.organizationId, name: null },
          details: { previous: rules(previous), policy: rules(policy), ...via },
        },
        context,
      )
    })
    return stored
  }

  /**
   * Refuses a credential that would break the organization's policy, naming each rule it
   * breaks (`details[].reason`). Only `rules` are judged: an update judges what it changes.
   */
  async enforce(organizationId: string, candidate: PolicyCandidate, rules: readonly PolicyRule[] = POLICY_RULES): Promise<void> {
    const violations = policyViolations(await this.policyOf(organizationId), candidate, rules)
    if (violations.length === 0) return
    throw new ApiError('policy_violation', `This breaks the organization’s credential policy (${violations.map((v) => v.rule).join(', ')}).`, {
      details: violations.map(({ field, rule, message }) => ({ field, reason: rule, message })),
    })
  }
}

/**
 * The rules an existing credential breaks under `policy`, judged as if it were issued when
 * it was created. Revoked and expired credentials no longer matter: none.
 */
export function violationsOf(policy: CredentialPolicy, record: CredentialRecord, now: number): PolicyRule[] {
  const expiresAt = record.expiresAt === null ? null : Date.parse(record.expiresAt)
  if (credentialStatus({ expiresAt, revokedAt: record.revokedAt === null ? null : Date.parse(record.revokedAt) }, now) !== 'active') return []
  return policyViolations(policy, { environment: record.environment, expiresAt, allowedIps: record.allowedIps, issuedAt: Date.parse(record.createdAt) }).map((v) => v.rule)
}
