import { randomBytes } from 'node:crypto'
import { ApiError, generateToken, hashToken, parseToken, passwordProblem, type Role } from '@brandwave/core'
import type { Kysely } from 'kysely'
import { hashPassword, verifyPassword } from '../auth/passwords.js'
import type { SessionPrincipal } from '../auth/principal.js'
import type { SessionTokens } from '../auth/session-tokens.js'
import type { AccessVersion } from '../auth/access-version.js'
import { isoAt, type Clock } from '../clock.js'
import { newId } from '../ids.js'
import { organizationRepository, type OrganizationRow, type UserRow } from '../storage/organizations.js'
import type { Database } from '../storage/schema.js'
import { sessionRepository } from '../storage/sessions.js'
import type { LoginThrottle } from '../auth/counters.js'
import { ANONYMOUS, type AuditActor, type AuditLog, type RequestContext } from './audit.js'
import type { TwoFactorService } from './two-factor.js'

export const REFRESH_TTL_SECONDS = 7 * 24 * 3600

export interface TokenPair {
  readonly accessToken: string
  readonly refreshToken: string
  readonly tokenType: 'Bearer'
  readonly expiresIn: number
  readonly refreshExpiresIn: number
}

export interface SessionServiceDependencies {
  readonly db: Kysely<Database>
  readonly tokenPrefix: string
  readonly tokenHashKey: Buffer
  readonly sessionTokens: SessionTokens
  readonly accessVersion: AccessVersion
  readonly clock: Clock
  readonly signup: 'open' | 'closed'
  readonly audit: AuditLog
  readonly throttle: LoginThrottle
  readonly twoFactor: TwoFactorService
}

/** Signing in, refreshing, signing out, signing up, changing passwords (SPEC §5, auth rows). */
export class SessionService {
  constructor(private readonly deps: SessionServiceDependencies) {}

  async login(input: { email: string; password: string; twoFactorCode?: string; organizationId?: string }, context: RequestContext): Promise<TokenPair> {
    const organizations = organizationRepository(this.deps.db)
    const email = input.email.trim().toLowerCase()
    const user = await organizations.findUserByEmail(email)
    const memberships = user === undefined ? [] : await organizations.membershipsOfUser(user.id)
    const organizationIds = memberships.map((m) => m.organization_id)

    // Counted before the password is looked at: concurrent guesses cannot all slip through,
    // and a refused attempt reveals nothing.
    await this.countAttempt(email, user, organizationIds, context)

    // The same answer, after the same work, whether the email is unknown or the password wrong.
    const passwordOk = await verifyPassword(user?.password_hash ?? null, input.password)
    if (user === undefined || !passwordOk) {
      await this.auditSignIn('auth.login_failed', user, organizationIds, { reason: user === undefined ? 'unknown_email' : 'wrong_password' }, context)
      throw new ApiError('invalid_credentials')
    }

    // With the password proven, the rest is not guessing: where to sign in, then 2FA.
    const membership = input.organizationId === undefined ? memberships[0] : memberships.find((m) => m.organization_id === input.organizationId)
    if (membership === undefined) {
      await this.deps.throttle.forgive(email, context.ip)
      throw new ApiError('forbidden', input.organizationId === undefined ? 'You are not a member of any organization.' : 'You are not a member of this organization.')
    }
    if (user.totp_enabled_at !== null) {
      if (input.twoFactorCode === undefined) {
        await this.deps.throttle.forgive(email, context.ip)
        throw new ApiError('two_factor_required')
      }
      if ((await this.deps.twoFactor.verifySecondFactor(user, input.twoFactorCode, membership.organization_id, context)) === null) {
        await this.auditSignIn('auth.login_failed', user, organizationIds, { reason: 'wrong_two_factor_code' }, context)
        throw new ApiError('invalid_credentials', 'The two-factor code is not valid (or was already used).')
      }
    }
    await this.deps.throttle.succeeded(email, context.ip)
    return this.startSession(user, membership.organization_id, context)
  }

  /**
   * Counts a sign-in attempt; 429 with Retry-After once the account or the client address
   * has failed too often. The lockout is audited once, when it begins, not per refusal.
   */
  private async countAttempt(email: string, user: UserRow | undefined, organizationIds: readonly string[], context: RequestContext): Promise<void> {
    const decision = await this.deps.throttle.attempt(email, context.ip)
    if (decision.allowed) return
    if (decision.firstRefusal) await this.auditSignIn('auth.login_throttled', user, organizationIds, { retryAfterSeconds: decision.retryAfterSeconds }, context)
    throw new ApiError('rate_limited', 'Too many failed sign-ins; wait before trying again.', { headers: { 'retry-after': String(decision.retryAfterSeconds) } })
  }

  /**
   * A sign-in event is shown to every organization the account belongs to; one for an
   * unknown email to none (it is kept for operators).
   */
  private async auditSignIn(action: 'auth.login_failed' | 'auth.login_throttled', user: UserRow | undefined, organizationIds: readonly string[], details: Record<string, unknown>, context: RequestContext): Promise<void> {
    const target = user === undefined ? null : { type: 'user' as const, id: user.id, name: user.email }
    for (const organizationId of organizationIds.length === 0 ? [null] : organizationIds) {
      await this.deps.audit.record(this.deps.db, { organizationId, action, actor: ANONYMOUS, target, details }, context)
    }
  }

  private async startSession(user: UserRow, organizationId: string, context: RequestContext): Promise<TokenPair> {
    const now = this.deps.clock.now()
    const sessionId = newId()
    return this.deps.db.transaction().execute(async (trx) => {
      await sessionRepository(trx).create({
        id: sessionId,
        userId: user.id,
        organizationId,
        createdAt: isoAt(now),
        expiresAt: isoAt(now + REFRESH_TTL_SECONDS * 1000),
        ip: context.ip,
        userAgent: context.userAgent?.slice(0, 512) ?? null,
      })
      await this.deps.audit.record(
        trx,
        { organizationId, action: 'auth.login_succeeded', actor: userActor(user), target: { type: 'session', id: sessionId, name: null } },
        context,
      )
      return this.issuePair(sessionId, user.id, organizationId, now, trx)
    })
  }

  private async issuePair(sessionId: string, userId: string, organizationId: string, now: number, db: Kysely<Database> = this.deps.db): Promise<TokenPair> {
    const refreshToken = generateToken(this.deps.tokenPrefix, 'rt', randomBytes)
    await sessionRepository(db).addRefreshToken({
      id: newId(),
      sessionId,
      tokenHash: hashToken(this.deps.tokenHashKey, refreshToken),
      createdAt: isoAt(now),
      expiresAt: isoAt(now + REFRESH_TTL_SECONDS * 1000),
    })
    const accessToken = await this.deps.sessionTokens.issue({ userId, organizationId, sessionId }, now)
    return {
      accessToken,
      refreshToken,
      tokenType: 'Bearer',
      expiresIn: this.deps.sessionTokens.accessTtlSeconds,
      refreshExpiresIn: REFRESH_TTL_SECONDS,
    }
  }

  /**
   * Exchanges a refresh token for a new pair. Each refresh token works once: presenting a
   * used one means two parties hold it, so the whole session ends (RFC 9700 §4.14.2).
   */
  async refresh(refreshToken: string, context: RequestContext): Promise<TokenPair> {
    const unauthorized = new ApiError('unauthorized', 'The refresh token is not valid.')
    if (!parseToken(refreshToken, this.deps.tokenPrefix, ['rt']).ok) throw unauthorized
    const now = this.deps.clock.now()
    const sessions = sessionRepository(this.deps.db)
    const found = await sessions.findRefreshToken(hashToken(this.deps.tokenHashKey, refreshToken))
    if (found === undefined) throw unauthorized
    const { token, session } = found

    if (token.used_at !== null) {
      await this.endReusedSession(session, context)
      throw unauthorized
    }
    if (session.ended_at !== null || Date.parse(token.expires_at) <= now || Date.parse(session.expires_at) <= now) throw unauthorized

    const membership = await organizationRepository(this.deps.db).findMembership(session.organization_id, session.user_id)
    if (membership === undefined) throw unauthorized

    const pair = await this.deps.db.transaction().execute(async (trx) => {
      // Conditional: of two concurrent refreshes with one token, exactly one wins.
      if (!(await sessionRepository(trx).useRefreshToken(token.id, isoAt(now)))) return null
      await sessionRepository(trx).extend(session.id, isoAt(now + REFRESH_TTL_SECONDS * 1000))
      return this.issuePair(session.id, session.user_id, session.organization_id, now, trx)
    })
    if (pair === null) {
      await this.endReusedSession(session, context)
      throw unauthorized
    }
    return pair
  }

  /** A refresh token came back after it was used: someone else holds it. End the session. */
  private async endReusedSession(session: { id: string; user_id: string; organization_id: string }, context: RequestContext): Promise<void> {
    await this.deps.db.transaction().execute(async (trx) => {
      const ended = await sessionRepository(trx).end(session.id, isoAt(this.deps.clock.now()), 'refresh_token_reused')
      await this.deps.audit.record(
        trx,
        {
          organizationId: session.organization_id,
          action: 'auth.refresh_reuse_detected',
          actor: ANONYMOUS,
          target: { type: 'session', id: session.id, name: null },
          details: { userId: session.user_id, sessionEnded: ended },
        },
        context,
      )
    })
    await this.deps.accessVersion.bump()
  }

  /**
   * Moves a signed-in user to another of their organizations: a session there, this one ended.
   * No password or code again: this session already proved both.
   */
  async switchOrganization(principal: SessionPrincipal, organizationId: string, context: RequestContext): Promise<TokenPair> {
    const organizations = organizationRepository(this.deps.db)
    const user = await organizations.findUser(principal.userId)
    const membership = await organizations.findMembership(organizationId, principal.userId)
    if (user === undefined || membership === undefined) throw new ApiError('forbidden', 'You are not a member of this organization.')
    const pair = await this.startSession(user, organizationId, context)
    await this.logout(principal, context)
    return pair
  }

  /** Ends the caller's session: its access JWT and refresh token stop working on the next request. */
  async logout(principal: SessionPrincipal, context: RequestContext): Promise<{ sessionId: string; endedAt: string }> {
    const endedAt = isoAt(this.deps.clock.now())
    await this.deps.db.transaction().execute(async (trx) => {
      await sessionRepository(trx).end(principal.sessionId, endedAt, 'logout')
      await this.deps.audit.record(
        trx,
        { organizationId: principal.organizationId, action: 'auth.logout', actor: sessionActor(principal), target: { type: 'session', id: principal.sessionId, name: null } },
        context,
      )
    })
    await this.deps.accessVersion.bump()
    return { sessionId: principal.sessionId, endedAt }
  }

  async signup(
    input: { email: string; password: string; name: string; organizationName: string },
    context: RequestContext,
  ): Promise<{ user: UserRow; organization: OrganizationRow; role: Role }> {
    if (this.deps.signup !== 'open') throw new ApiError('forbidden', 'Signup is closed on this deployment; ask an administrator for an account.')
    checkNewPassword(input.password, '/password')
    const email = input.email.trim().toLowerCase()
    const passwordHash = await hashPassword(input.password)
    return this.deps.db.transaction().execute(async (trx) => {
      const organizations = organizationRepository(trx)
      if ((await organizations.findUserByEmail(email)) !== undefined) throw new ApiError('conflict', 'An account with this email already exists.')
      const createdAt = isoAt(this.deps.clock.now())
      const user = await organizations.createUser({ id: newId(), email, name: input.name, passwordHash, createdAt })
      const organization = await organizations.createOrganization({ id: newId(), name: input.organizationName, createdAt })
      await organizations.addMember({ organizationId: organization.id, userId: user.id, role: 'company_admin', createdAt })
      await this.deps.audit.record(
        trx,
        { organizationId: organization.id, action: 'auth.signup', actor: userActor(user), target: { type: 'organization', id: organization.id, name: organization.name } },
        context,
      )
      return { user, organization, role: 'company_admin' as const }
    })
  }

  /** Changes the password and ends every other session of the user at once. */
  async changePassword(principal: SessionPrincipal, input: { currentPassword: string; newPassword: string }, context: RequestContext): Promise<{ changedAt: string; endedSessions: number }> {
    const organizations = organizationRepository(this.deps.db)
    const user = await organizations.findUser(principal.userId)
    if (user === undefined) throw new ApiError('unauthorized')
    // Guessing the current password from a hijacked session is throttled like signing in.
    await this.countAttempt(user.email, user, [principal.organizationId], context)
    // 400, not 401: the session is fine, and clients take a 401 to mean "signed out".
    if (!(await verifyPassword(user.password_hash, input.currentPassword))) {
      throw new ApiError('validation_failed', 'The current password is incorrect.', { details: [{ field: '/currentPassword', message: 'is incorrect' }] })
    }
    await this.deps.throttle.succeeded(user.email, context.ip)
    checkNewPassword(input.newPassword, '/newPassword')
    if (input.newPassword === input.currentPassword) {
      throw new ApiError('validation_failed', 'The new password must differ from the current one.', { details: [{ field: '/newPassword', message: 'is the current password' }] })
    }
    const changedAt = isoAt(this.deps.clock.now())
    const passwordHash = await hashPassword(input.newPassword)
    const endedSessions = await this.deps.db.transaction().execute(async (trx) => {
      await organizationRepository(trx).setPassword(user.id, passwordHash, changedAt)
      const ended = await sessionRepository(trx).endAllOfUser(user.id, changedAt, 'password_changed', { exceptSessionId: principal.sessionId })
      await this.deps.audit.record(
        trx,
        { organizationId: principal.organizationId, action: 'auth.password_changed', actor: sessionActor(principal), target: { type: 'user', id: user.id, name: user.email }, details: { endedSessions: ended } },
        context,
      )
      return ended
    })
    await this.deps.accessVersion.bump()
    return { changedAt, endedSessions }
  }
}

function userActor(user: UserRow): AuditActor {
  return { type: 'user', id: user.id, name: user.name }
}

function sessionActor(principal: SessionPrincipal): AuditActor {
  return { type: 'user', id: principal.userId, name: principal.name }
}

const PASSWORD_MESSAGES = {
  too_short: 'must be at least 12 characters',
  too_long: 'must be at most 256 characters',
  too_common: 'is one of the most common passwords; choose another',
} as const

export function checkNewPassword(password: string, field: string): void {
  const problem = passwordProblem(password)
  if (problem !== null) throw new ApiError('validation_failed', 'The password does not meet the policy.', { details: [{ field, message: PASSWORD_MESSAGES[problem] }] })
}
