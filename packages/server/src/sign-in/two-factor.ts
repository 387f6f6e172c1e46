import { randomBytes } from 'node:crypto'
import { ApiError, hashToken, open, seal } from '@brandwave/core'
import { generateSecret, generateURI, verify } from 'otplib'
import type { AccessVersion } from '../shared-state/access-version.js'
import { isoAt, type Clock } from '../clock.js'
import { newId } from '../ids.js'
import type { User } from '../storage/users.js'
import type { ConfirmedOwner } from './step-up.js'
import type { AuditLog } from '../services/audit.js'
import type { RequestContext } from '../request-context.js'
import type { Storage } from '../storage/index.js'

/** RFC 6238 defaults every authenticator app understands: SHA-1, 6 digits, 30 s. */
const PERIOD_SECONDS = 30
/** ±1 time step for clock drift between phone and server. */
const TOLERANCE_SECONDS = 30
const RECOVERY_CODE_COUNT = 10
/**
 * Base32 without padding: 24 characters of 5 bits = 120 bits per recovery code. At 112 bits
 * or more a keyed hash is storage enough (ASVS 5.0 6.5.2); shorter codes would need a
 * password hash each. Codes issued when they were 12 characters keep working until used.
 */
const RECOVERY_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567'

export type SecondFactor = 'totp' | 'recovery_code'

export interface TwoFactorServiceDependencies {
  readonly storage: Storage
  readonly encryptionKey: Buffer
  readonly tokenHashKey: Buffer
  readonly issuer: string
  readonly accessVersion: AccessVersion
  readonly audit: AuditLog
  readonly clock: Clock
}

function newRecoveryCode(): string {
  const chars = [...randomBytes(24)].map((byte) => RECOVERY_ALPHABET[byte & 31]).join('')
  return chars.match(/.{4}/g)!.join('-')
}

/** Recovery codes are compared without case, dashes or spaces: people retype them. */
function normalizeRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[\s-]/g, '')
}

/**
 * TOTP two-factor authentication (RFC 6238) with one-time recovery codes. The TOTP secret is
 * stored sealed (AES-256-GCM); recovery codes only as keyed hashes; a TOTP code is accepted
 * once (the last used time step is remembered).
 */
export class TwoFactorService {
  constructor(private readonly deps: TwoFactorServiceDependencies) {}

  private recoveryHash(code: string): string {
    return hashToken(this.deps.tokenHashKey, `recovery:${normalizeRecoveryCode(code)}`)
  }

  /** Enrolling an authenticator decides who can sign in from now on: only the owner, proven in the request, may start it. */
  async setUp(owner: ConfirmedOwner): Promise<{ secret: string; otpauthUrl: string }> {
    const { user } = owner
    if (user.twoFactorEnabledAt !== null) throw new ApiError('conflict', 'Two-factor authentication is already on; turn it off first to enrol another authenticator.')
    const secret = generateSecret()
    await this.deps.storage.users.setPendingTotpSecret(user.id, seal(this.deps.encryptionKey, secret, `totp:${user.id}`))
    return { secret, otpauthUrl: generateURI({ issuer: this.deps.issuer, label: user.email, secret }) }
  }

  async enable(owner: ConfirmedOwner, code: string, context: RequestContext): Promise<string[]> {
    const { principal, user } = owner
    if (user.twoFactorEnabledAt !== null) throw new ApiError('conflict', 'Two-factor authentication is already on.')
    if (user.sealedTotpSecret === null) throw new ApiError('conflict', 'Start with POST /v1/auth/2fa/setup.')
    if (!(await this.checkTotp(user, code))) throw new ApiError('validation_failed', 'The code is not valid.', { details: [{ field: '/code', message: 'does not match the authenticator' }] })

    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode)
    const now = isoAt(this.deps.clock.now())
    await this.deps.storage.transaction(async (repos) => {
      if (!(await repos.users.enableTwoFactor(user.id, now, codes.map((c) => ({ id: newId(), hash: this.recoveryHash(c) }))))) {
        throw new ApiError('conflict', 'Two-factor authentication is already on.')
      }
      // Sessions signed in without the second factor end; this one proved both just now.
      const endedSessions = await repos.sessions.endAllOfUser(user.id, now, 'two_factor_enabled', { exceptSessionId: principal.sessionId })
      await this.deps.audit.record(
        repos,
        {
          organizationId: principal.organizationId,
          action: 'auth.two_factor_enabled',
          actor: { type: 'user', id: user.id, name: user.name },
          target: { type: 'user', id: user.id, name: user.email },
          details: { endedSessions },
        },
        context,
      )
    })
    // Ended sessions die on their next request; others show the change in `/v1/me`.
    await this.deps.accessVersion.bump()
    return codes
  }

  /** Turns 2FA off; the owner proved it with a current code (or an unused recovery code) in the request. */
  async disable(owner: ConfirmedOwner, context: RequestContext): Promise<{ disabledAt: string }> {
    const { principal, user } = owner
    if (user.twoFactorEnabledAt === null) throw new ApiError('conflict', 'Two-factor authentication is not on.')
    const disabledAt = isoAt(this.deps.clock.now())
    await this.deps.storage.transaction(async (repos) => {
      await repos.users.disableTwoFactor(user.id)
      // A factor removed is a factor that may have been lost to someone (ASVS 5.0 7.4.3): the
      // user's other sessions end; this one proved the factor just now.
      const endedSessions = await repos.sessions.endAllOfUser(user.id, disabledAt, 'two_factor_disabled', { exceptSessionId: principal.sessionId })
      await this.deps.audit.record(
        repos,
        {
          organizationId: principal.organizationId,
          action: 'auth.two_factor_disabled',
          actor: { type: 'user', id: user.id, name: user.name },
          target: { type: 'user', id: user.id, name: user.email },
          details: { endedSessions },
        },
        context,
      )
    })
    await this.deps.accessVersion.bump()
    return { disabledAt }
  }

  /** Ten new recovery codes; every earlier one stops working (a printed sheet was lost, or seen). */
  async regenerateRecoveryCodes(owner: ConfirmedOwner, context: RequestContext): Promise<string[]> {
    const { principal, user } = owner
    if (user.twoFactorEnabledAt === null) throw new ApiError('conflict', 'Two-factor authentication is not on: recovery codes come with it.')
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode)
    const now = isoAt(this.deps.clock.now())
    await this.deps.storage.transaction(async (repos) => {
      if (!(await repos.users.replaceRecoveryCodes(user.id, now, codes.map((c) => ({ id: newId(), hash: this.recoveryHash(c) }))))) {
        throw new ApiError('conflict', 'Two-factor authentication is not on: recovery codes come with it.')
      }
      // New codes mean the old sheet was lost or seen: whoever saw it may hold a session too.
      const endedSessions = await repos.sessions.endAllOfUser(user.id, now, 'recovery_codes_regenerated', { exceptSessionId: principal.sessionId })
      await this.deps.audit.record(
        repos,
        {
          organizationId: principal.organizationId,
          action: 'auth.recovery_codes_regenerated',
          actor: { type: 'user', id: user.id, name: user.name },
          target: { type: 'user', id: user.id, name: user.email },
          details: { endedSessions },
        },
        context,
      )
    })
    await this.deps.accessVersion.bump()
    return codes
  }

  /**
   * Accepts a current TOTP code or an unused recovery code, spending it; null when neither.
   * A recovery code's use is audited (in `organizationId`): it means the authenticator is gone.
   */
  async verifySecondFactor(user: User, code: string, organizationId: string | null, context: RequestContext): Promise<SecondFactor | null> {
    if (/^\d{6}$/.test(code)) return (await this.checkTotp(user, code)) ? 'totp' : null
    const now = isoAt(this.deps.clock.now())
    const used = await this.deps.storage.users.useRecoveryCode(user.id, this.recoveryHash(code), now)
    if (!used) return null
    const remaining = await this.deps.storage.users.unusedRecoveryCodes(user.id)
    await this.deps.audit.record(
      this.deps.storage,
      { organizationId, action: 'auth.recovery_code_used', actor: { type: 'user', id: user.id, name: user.name }, target: { type: 'user', id: user.id, name: user.email }, details: { remaining } },
      context,
    )
    return 'recovery_code'
  }

  /** RFC 6238 with ±1 step, each step accepted once (the replay check is atomic). */
  private async checkTotp(user: User, code: string): Promise<boolean> {
    if (user.sealedTotpSecret === null || !/^\d{6}$/.test(code)) return false
    const secret = open(this.deps.encryptionKey, user.sealedTotpSecret, `totp:${user.id}`)
    const epoch = Math.floor(this.deps.clock.now() / 1000)
    const currentStep = Math.floor(epoch / PERIOD_SECONDS)
    const result = await verify({
      secret,
      token: code,
      epoch,
      epochTolerance: TOLERANCE_SECONDS,
      // A step at or before the last one used is refused (bounded: the library rejects a
      // bound beyond the window, which a clock set back would otherwise produce).
      ...(user.totpLastStep !== null && { afterTimeStep: Math.min(user.totpLastStep, currentStep + 1) }),
    })
    if (!result.valid) return false
    return this.deps.storage.users.useTotpStep(user.id, currentStep + result.delta)
  }
}
