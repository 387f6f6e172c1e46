import { ApiError, missingScopes, normalizeIpRange, type Scope, type ScopeCatalog } from '@brandwave/core'
import { isoAt } from '../clock.js'

/** The latest instant ISO 8601 storage can order correctly (four-digit years). */
const LATEST_EXPIRY = Date.parse('9999-12-31T23:59:59.999Z')

/**
 * Checks a requested expiry: a real instant, in the future. Returns it normalized to UTC
 * with milliseconds, the one spelling storage compares correctly.
 */
export function parseExpiry(value: string | null | undefined, now: number, field: string): string | null {
  if (value === undefined || value === null) return null
  const at = Date.parse(value)
  if (Number.isNaN(at) || at > LATEST_EXPIRY) throw invalid(field, 'must be an ISO 8601 date-time before the year 10000')
  if (at <= now) throw invalid(field, 'must be in the future')
  return isoAt(at)
}

/** Validates and normalizes an IP allowlist; duplicates collapse. */
export function normalizeAllowedIps(value: readonly string[] | null | undefined, field: string): string[] | null | undefined {
  if (value === undefined || value === null) return value
  const normalized: string[] = []
  value.forEach((entry, index) => {
    const range = normalizeIpRange(entry)
    if (range === null) throw invalid(`${field}/${index}`, 'must be an IPv4 or IPv6 address or CIDR range, such as 203.0.113.0/24')
    if (!normalized.includes(range)) normalized.push(range)
  })
  return normalized
}

/**
 * Checks requested scopes: each must exist (400), and the principal minting the credential
 * must hold each one itself (403, SPEC §4).
 */
export function checkGrantableScopes(requested: readonly string[], catalog: ScopeCatalog, held: ReadonlySet<Scope>, field: string): Scope[] {
  const unknown = requested.map((scope, index) => ({ scope, index })).filter(({ scope }) => !catalog.has(scope))
  if (unknown.length > 0) {
    throw new ApiError('validation_failed', `Unknown scope ${unknown.map(({ scope }) => scope).join(', ')}; see GET /v1/scopes for the catalog.`, {
      details: unknown.map(({ scope, index }) => ({ field: `${field}/${index}`, message: `unknown scope ${scope}; see GET /v1/scopes` })),
    })
  }
  const scopes = requested as Scope[]
  const missing = missingScopes(scopes, held)
  if (missing.length > 0) {
    throw new ApiError('forbidden', 'You cannot grant a scope you do not hold yourself.', {
      details: missing.map((scope) => ({ field, message: `you do not hold "${scope}"` })),
    })
  }
  return scopes
}

function invalid(field: string, message: string): ApiError {
  return new ApiError('validation_failed', undefined, { details: [{ field, message }] })
}
