import { describe, expect, it } from 'vitest'
import { OPEN_CREDENTIAL_POLICY, policyProblems, policyViolations, type CredentialPolicy } from './credential-policy.js'

const NOW = Date.parse('2026-12-01T00:00:00Z')
const DAY = 86_400_000
const strict: CredentialPolicy = { maxLifetimeSeconds: 7 * 86_400, expiryRequired: true, allowedEnvironments: ['live'], liveRequiresAllowedIps: true }
const rules = (policy: CredentialPolicy, candidate: Parameters<typeof policyViolations>[1]) => policyViolations(policy, candidate).map((v) => v.rule)

describe('policyViolations', () => {
  it('an open policy allows anything', () => {
    expect(rules(OPEN_CREDENTIAL_POLICY, { environment: 'test', expiresAt: null, allowedIps: null, issuedAt: NOW })).toEqual([])
  })

  it('names every rule broken, in a stable order, with the field to change', () => {
    const violations = policyViolations(strict, { environment: 'test', expiresAt: null, allowedIps: null, issuedAt: NOW })
    expect(violations.map((v) => [v.rule, v.field])).toEqual([
      ['POLICY_ENVIRONMENT', '/environment'],
      ['POLICY_EXPIRY_REQUIRED', '/expiresAt'],
      ['POLICY_MAX_LIFETIME', '/expiresAt'],
    ])
  })

  it('measures lifetime from issue: exactly the bound is allowed, a millisecond more is not', () => {
    const candidate = { environment: 'live' as const, allowedIps: ['10.0.0.0/8'], issuedAt: NOW }
    expect(rules(strict, { ...candidate, expiresAt: NOW + 7 * DAY })).toEqual([])
    expect(rules(strict, { ...candidate, expiresAt: NOW + 7 * DAY + 1 })).toEqual(['POLICY_MAX_LIFETIME'])
  })

  it('an allowlist is required of live credentials only; an empty one counts as none', () => {
    const policy = { ...OPEN_CREDENTIAL_POLICY, liveRequiresAllowedIps: true }
    expect(rules(policy, { environment: 'live', expiresAt: null, allowedIps: [], issuedAt: NOW })).toEqual(['POLICY_LIVE_ALLOWED_IPS'])
    expect(rules(policy, { environment: 'test', expiresAt: null, allowedIps: null, issuedAt: NOW })).toEqual([])
  })

  it('judges only the rules asked for', () => {
    expect(policyViolations(strict, { environment: 'test', expiresAt: null, allowedIps: null, issuedAt: NOW }, ['POLICY_ENVIRONMENT']).map((v) => v.rule)).toEqual(['POLICY_ENVIRONMENT'])
  })
})

describe('policyProblems', () => {
  it('accepts a coherent policy', () => {
    expect(policyProblems(strict)).toEqual([])
    expect(policyProblems(OPEN_CREDENTIAL_POLICY)).toEqual([])
  })

  it('refuses no environments, a lifetime out of range, and a lifetime bound without required expiry', () => {
    expect(policyProblems({ ...strict, allowedEnvironments: [] }).map((p) => p.field)).toEqual(['/allowedEnvironments'])
    for (const max of [0, -1, 1.5, 11 * 366 * 86_400]) expect(policyProblems({ ...strict, maxLifetimeSeconds: max }).map((p) => p.reason)).toEqual(['OUT_OF_RANGE'])
    expect(policyProblems({ ...strict, expiryRequired: false })).toEqual([expect.objectContaining({ field: '/expiryRequired', reason: 'POLICY_CONTRADICTION' })])
  })
})
