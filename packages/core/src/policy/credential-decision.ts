import { ipAllowed, parseClientIp, type IpRange } from './ip-allowlist.js'

/**
 * Why a presented credential is, or is not, good: the codes `POST /v1/keys/verify` answers
 * with and every authenticated request is decided by (SPEC §5, §7). The one list.
 */
export const VERIFICATION_CODES = [
  'VALID',
  'MALFORMED',
  'NOT_FOUND',
  'EXPIRED',
  'REVOKED',
  'DISABLED',
  'IP_NOT_ALLOWED',
  'INSUFFICIENT_SCOPE',
  'RATE_LIMITED',
  'USAGE_EXCEEDED',
] as const
export type VerificationCode = (typeof VERIFICATION_CODES)[number]

/** What deciding a stored credential needs to know of it. */
export interface CredentialState {
  readonly organizationId: string
  readonly revoked: boolean
  /** Epoch milliseconds; null: never expires. */
  readonly expiresAtMs: number | null
  /** The owner of a PAT left the organization. */
  readonly ownerGone: boolean
  /** Null: any address. */
  readonly allowlist: readonly IpRange[] | null
  /** Switched off until someone enables it again; unlike revocation, not final. */
  readonly disabled?: boolean
}

export type CredentialDecision =
  | { readonly usable: true }
  | { readonly usable: false; readonly code: Extract<VerificationCode, 'NOT_FOUND' | 'REVOKED' | 'EXPIRED' | 'DISABLED' | 'IP_NOT_ALLOWED'> }

const USABLE: CredentialDecision = { usable: true }
const REFUSED = {
  NOT_FOUND: { usable: false, code: 'NOT_FOUND' },
  REVOKED: { usable: false, code: 'REVOKED' },
  EXPIRED: { usable: false, code: 'EXPIRED' },
  DISABLED: { usable: false, code: 'DISABLED' },
  IP_NOT_ALLOWED: { usable: false, code: 'IP_NOT_ALLOWED' },
} as const satisfies Record<string, CredentialDecision>

/**
 * Whether a found credential may be used now, from this address, by a caller of this
 * organization (SPEC §7 step 3). Pure: the caller applies the decision.
 * - Another organization's credential does not exist, as far as the caller can tell: decided
 *   before anything that would reveal its state.
 * - Revocation wins over expiry; a PAT whose owner left is revoked, even before the removal
 *   revoked it in storage.
 * - A credential is expired from the instant `expiresAt` is reached.
 * - A disabled credential says so only once it is neither revoked nor expired: those are final.
 *
 * @example
 * const decision = decideCredential(entry, { now: Date.now(), ip: '203.0.113.7' })
 * if (!decision.usable) return refuse(decision.code)
 */
export function decideCredential(state: CredentialState, context: { readonly now: number; readonly ip: string | null; readonly organizationId?: string }): CredentialDecision {
  if (context.organizationId !== undefined && state.organizationId !== context.organizationId) return REFUSED.NOT_FOUND
  if (state.revoked) return REFUSED.REVOKED
  if (state.expiresAtMs !== null && state.expiresAtMs <= context.now) return REFUSED.EXPIRED
  if (state.ownerGone) return REFUSED.REVOKED
  if (state.disabled === true) return REFUSED.DISABLED
  if (state.allowlist !== null && !ipAllowed(context.ip === null ? null : parseClientIp(context.ip), state.allowlist)) return REFUSED.IP_NOT_ALLOWED
  return USABLE
}
