import { ApiError, metadataProblem, missingScopes, normalizeIpRange, type Refill, type RefillInterval, type Scope, type ScopeCatalog } from '@brandwave/core'
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

/**
 * Checks metadata beyond its schema (a JSON object): at most 4 KiB serialized, nested at most
 * 5 deep. Returns it serialized, the one form it is kept in; null clears, undefined leaves it.
 */
export function serializeMetadata(value: Record<string, unknown> | null | undefined, field: string): string | null | undefined {
  if (value === undefined || value === null) return value
  const problem = metadataProblem(value)
  if (problem !== null) throw invalid(field, problem)
  return JSON.stringify(value)
}

/** The keys of stored metadata, which the audit log may show (its values it never does). */
export function metadataKeys(metadataJson: string | null): string[] {
  return metadataJson === null ? [] : Object.keys(JSON.parse(metadataJson) as Record<string, unknown>)
}

/** A budget as a request states it: either part may be absent, and null clears it. */
export interface BudgetInput {
  readonly remaining?: number | null
  readonly refill?: { readonly interval: RefillInterval; readonly amount: number; readonly day?: number | null } | null
}

/**
 * The budget a credential ends up with: undefined when the request leaves it alone, null
 * for unlimited. A refill sent without `remaining` starts it at the refill's amount (or
 * keeps what is left); `remaining: null` makes it unlimited, and a refill then means nothing.
 */
export function budgetOf(input: BudgetInput, current: { readonly remaining: number | null; readonly refill: Refill | null } | null): { remaining: number; refill: Refill | null } | null | undefined {
  if (input.remaining === undefined && input.refill === undefined) return current === null ? null : undefined
  let refill: Refill | null
  if (input.refill === undefined || input.refill === null) {
    refill = input.refill === null ? null : (current?.refill ?? null)
  } else {
    const day = input.refill.day ?? null
    if (day !== null && input.refill.interval !== 'monthly') throw invalid('/refill/day', 'is for a monthly refill only; leave it out for a daily one')
    refill = { interval: input.refill.interval, amount: input.refill.amount, day }
  }
  const remaining = input.remaining === undefined ? (current?.remaining ?? refill?.amount ?? null) : input.remaining
  if (remaining === null) {
    if (input.refill !== undefined && input.refill !== null) throw invalid('/remaining', 'must be a number of uses (0 or more) when a refill is set; null means unlimited, which needs no refill')
    return null
  }
  return { remaining, refill }
}

function invalid(field: string, message: string): ApiError {
  return new ApiError('validation_failed', undefined, { details: [{ field, message }] })
}
