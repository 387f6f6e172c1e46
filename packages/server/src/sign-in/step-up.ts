import { ApiError, rateLimited } from '@brandwave/core'
import type { SessionPrincipal } from '../auth/principal.js'
import type { RequestContext } from '../request-context.js'
import type { AuditLog } from '../services/audit.js'
import type { Storage } from '../storage/index.js'
import type { User } from '../storage/users.js'
import { verifyPassword } from './passwords.js'
import type { LoginThrottle } from './throttle.js'
import type { SecondFactor } from './two-factor.js'

/** What the request carried to prove it comes from the account's owner. */
export interface StepUpProof {
  readonly currentPassword?: string | undefined
  readonly twoFactorCode?: string | undefined
}

/** Why a change was refused for want of proof: `details[].reason`, for clients to branch on. */
export type StepUpRefusal = 'STEP_UP_REQUIRED' | 'WRONG_PASSWORD' | 'WRONG_CODE'

const confirmed: unique symbol = Symbol('confirmed owner')

/**
 * The account's owner, proven in this very request. Only `StepUp.confirm` makes one, so a
 * service that takes it cannot be reached without the proof: the type is the check.
 */
export interface ConfirmedOwner {
  readonly [confirmed]: true
  readonly principal: SessionPrincipal
  /** The user as read when the proof was checked. */
  readonly user: User
  readonly proof: 'password' | SecondFactor
}

export interface StepUpDependencies {
  readonly storage: Storage
  readonly throttle: LoginThrottle
  readonly audit: AuditLog
  /** Checks (and spends) a current TOTP or an unused recovery code. */
  readonly verifySecondFactor: (user: User, code: string, organizationId: string, context: RequestContext) => Promise<SecondFactor | null>
  /** Whether the user signed in from this address lately (what passes the account guard). */
  readonly familiarAddress: (user: User, ip: string | null) => Promise<boolean>
}

/**
 * Re-authentication in the request for changes that could take an account over (enrolling
 * or removing an authenticator, new recovery codes, a new password or email, a token with
 * admin scopes). An access token can leak (a log line, a script on a page that held it);
 * a recent sign-in proves only that someone signed in recently, not that this request
 * comes from them, so it no longer counts. Proofs are guessed as passwords are: each one
 * is counted by the sign-in throttle before it is checked, and the account guard applies.
 */
export class StepUp {
  constructor(private readonly deps: StepUpDependencies) {}

  /**
   * Checks the proof and returns the owner it proves; throws 403 `forbidden`
   * (`STEP_UP_REQUIRED`) without one, 401 `invalid_credentials` (`WRONG_PASSWORD`,
   * `WRONG_CODE`) for a wrong one, 429 when guessing is throttled.
   *
   * @example
   * const owner = await stepUp.confirm(principal, body, request, 'password_change')
   */
  async confirm(principal: SessionPrincipal, proof: StepUpProof, context: RequestContext, purpose: string): Promise<ConfirmedOwner> {
    const user = await this.deps.storage.users.find(principal.userId)
    if (user === undefined) throw new ApiError('unauthorized')
    const twoFactorOn = user.twoFactorEnabledAt !== null
    const { currentPassword, twoFactorCode } = proof
    if (currentPassword === undefined && (twoFactorCode === undefined || !twoFactorOn)) {
      throw required(twoFactorOn, twoFactorCode !== undefined)
    }

    const decision = await this.deps.throttle.attempt(user.email, context.ip)
    if (!decision.allowed) throw rateLimited('Too many wrong passwords or codes; wait before trying again.', decision.retryAfterSeconds)
    const bySecondFactor = currentPassword === undefined
    if (decision.accountGuard !== null && !(bySecondFactor || (await this.deps.familiarAddress(user, context.ip)))) {
      throw rateLimited('Too many wrong passwords for this account lately; confirm with your authentication code, or wait.', decision.accountGuard.retryAfterSeconds)
    }

    // The password when both came: it is what the change is usually confirmed with.
    const via = bySecondFactor
      ? await this.deps.verifySecondFactor(user, twoFactorCode ?? '', principal.organizationId, context)
      : (await verifyPassword(user.passwordHash, currentPassword))
        ? ('password' as const)
        : null
    if (via === null) {
      const reason: StepUpRefusal = bySecondFactor ? 'WRONG_CODE' : 'WRONG_PASSWORD'
      await this.deps.audit.record(
        this.deps.storage,
        { organizationId: principal.organizationId, action: 'auth.step_up_failed', actor: { type: 'user', id: user.id, name: user.name }, target: { type: 'user', id: user.id, name: user.email }, details: { reason, purpose } },
        context,
      )
      throw bySecondFactor
        ? new ApiError('invalid_credentials', 'The authentication code is not valid.', {
            details: [{ field: '/twoFactorCode', reason, message: 'is neither the code your authenticator shows now nor an unused recovery code' }],
          })
        : new ApiError('invalid_credentials', 'The current password is incorrect.', { details: [{ field: '/currentPassword', reason, message: 'is incorrect' }] })
    }
    await this.deps.throttle.succeeded(user.email, context.ip)
    return { [confirmed]: true, principal, user, proof: via }
  }
}

function required(twoFactorOn: boolean, sentCodeWithout2fa: boolean): ApiError {
  const message = sentCodeWithout2fa
    ? 'Two-factor authentication is off for this account: confirm this change with your current password.'
    : twoFactorOn
      ? 'Confirm this change with your current password or the code your authenticator shows now; a recent sign-in is not enough.'
      : 'Confirm this change with your current password; a recent sign-in is not enough.'
  return new ApiError('forbidden', message, {
    details: [{ field: '/currentPassword', reason: 'STEP_UP_REQUIRED', message: twoFactorOn ? 'or /twoFactorCode is required' : 'is required' }],
  })
}
