import { randomBytes } from 'node:crypto'
import { ApiError, contextWords, generateToken, hashToken, parseToken, passwordProblem, type Role, rateLimited } from '@brandwave/core'
import { hashPassword, verifyPassword } from './passwords.js'
import type { SessionPrincipal } from '../auth/principal.js'
import type { SessionTokens } from '../auth/session-tokens.js'
import type { AccessVersion } from '../shared-state/access-version.js'
import { isoAt, type Clock } from '../clock.js'
import { newId } from '../ids.js'
import type { Organization } from '../storage/organizations.js'
import type { User } from '../storage/users.js'
import type { AddressThrottle } from '../shared-state/counters.js'
import type { ConfirmedOwner } from './step-up.js'
import type { LoginThrottle } from './throttle.js'
import { type AuditLog } from '../services/audit.js'
import { ANONYMOUS, type AuditActor } from '../services/audit-record.js'
import { type RequestContext } from '../request-context.js'
import type { TwoFactorService } from './two-factor.js'
import type { Repositories, Storage } from '../storage/index.js'
import type { Session } from '../storage/sessions.js'

export const REFRESH_TTL_SECONDS = 7 * 24 * 3600
/**
 * However often it is refreshed, a session ends this long after its sign-in (ASVS 5.0 7.3.2):
 * a stolen refresh token, kept alive by refreshing, stops working then, and the owner signs in
 * again. Switching organizations continues the session's sign-in; it does not start a new one.
 */
export const SESSION_MAX_LIFETIME_SECONDS = 30 * 24 * 3600
/** An address a user signed in from this recently passes the account guard (see `countAttempt`). */
const FAMILIAR_ADDRESS_MS = 30 * 24 * 3600 * 1000

function throttled(retryAfterSeconds: number): ApiError {
  return rateLimited('Too many failed sign-ins; wait before trying again.', retryAfterSeconds)
}

export interface TokenPair {
  readonly accessToken: string
  readonly refreshToken: string
  readonly tokenType: 'Bearer'
  readonly expiresIn: number
  readonly refreshExpiresIn: number
}

/** A token pair with the session it belongs to (not part of the response: for binding replays to it). */
export interface IssuedPair extends TokenPair {
  readonly sessionId: string
}

export interface SessionServiceDependencies {
  readonly storage: Storage
  readonly tokenPrefix: string
  /** Every prefix the deployment has issued: refresh tokens survive a prefix change. */
  readonly acceptedTokenPrefixes: readonly string[]
  readonly tokenHashKey: Buffer
  readonly sessionTokens: SessionTokens
  readonly accessVersion: AccessVersion
  readonly clock: Clock
  readonly signup: 'open' | 'closed'
  readonly audit: AuditLog
  readonly throttle: LoginThrottle
  readonly signupThrottle: AddressThrottle
  readonly twoFactor: TwoFactorService
}

/** Signing in, refreshing, signing out, signing up, changing passwords (SPEC §5, auth rows). */
export class SessionService {
  constructor(private readonly deps: SessionServiceDependencies) {}

  async login(input: { email: string; password: string; twoFactorCode?: string; organizationId?: string }, context: RequestContext): Promise<IssuedPair> {
    const email = input.email.trim().toLowerCase()
    const user = await this.deps.storage.users.findByEmail(email)
    const memberships = user === undefined ? [] : await this.deps.storage.memberships.ofUser(user.id)
    // Sign-in events belong to the user, and to the organization they chose if they are in it:
    // never to every organization the account is in.
    const chosen = input.organizationId === undefined ? undefined : memberships.find((m) => m.organizationId === input.organizationId)
    const eventOrganization = chosen?.organizationId ?? null

    // Counted before the password is looked at: concurrent guesses cannot all slip through,
    // and a refused attempt reveals nothing.
    await this.countAttempt(email, user, eventOrganization, context, input.twoFactorCode !== undefined)

    // The same answer, after the same work, whether the email is unknown or the password wrong.
    const passwordOk = await verifyPassword(user?.passwordHash ?? null, input.password)
    if (user === undefined || !passwordOk) {
      await this.auditSignIn('auth.login_failed', user, eventOrganization, { reason: user === undefined ? 'unknown_email' : 'wrong_password' }, context)
      throw new ApiError('invalid_credentials')
    }

    // With the password proven, the rest is not guessing: where to sign in, then 2FA.
    const membership = input.organizationId === undefined ? memberships[0] : chosen
    if (membership === undefined) {
      await this.deps.throttle.forgive(email, context.ip)
      throw new ApiError('forbidden', input.organizationId === undefined ? 'You are not a member of any organization.' : 'You are not a member of this organization.')
    }
    if (user.twoFactorEnabledAt !== null) {
      if (input.twoFactorCode === undefined) {
        await this.deps.throttle.forgive(email, context.ip)
        throw new ApiError('two_factor_required')
      }
      if ((await this.deps.twoFactor.verifySecondFactor(user, input.twoFactorCode, membership.organizationId, context)) === null) {
        await this.auditSignIn('auth.login_failed', user, eventOrganization, { reason: 'wrong_two_factor_code' }, context)
        throw new ApiError('invalid_credentials', 'The two-factor code is not valid (or was already used).')
      }
    }
    await this.deps.throttle.succeeded(email, context.ip)
    return this.startSession(user, membership.organizationId, context, this.deps.clock.now())
  }

  /**
   * Counts a sign-in attempt; 429 with Retry-After once this address has failed too often,
   * for this account or across accounts, or while the account is guarded (too many failures
   * from everywhere) and this attempt comes neither from an address the account signed in
   * from before nor with a second factor: someone elsewhere can slow an attack on the
   * account, never lock its owner out. A lockout is audited once, when it begins.
   */
  private async countAttempt(email: string, user: User | undefined, organizationId: string | null, context: RequestContext, withSecondFactor = false): Promise<void> {
    const decision = await this.deps.throttle.attempt(email, context.ip)
    if (!decision.allowed) {
      if (decision.firstRefusal) await this.auditSignIn('auth.login_throttled', user, organizationId, { retryAfterSeconds: decision.retryAfterSeconds }, context)
      throw throttled(decision.retryAfterSeconds)
    }
    const guard = decision.accountGuard
    if (guard === null || (await this.passesAccountGuard(user, context, withSecondFactor))) return
    if (guard.justStarted) await this.auditSignIn('auth.login_throttled', user, organizationId, { retryAfterSeconds: guard.retryAfterSeconds, accountGuarded: true }, context)
    throw throttled(guard.retryAfterSeconds)
  }

  /** Under the account guard: an address the user signed in from in the last 30 days, or an attempt with a second factor to check. */
  private async passesAccountGuard(user: User | undefined, context: RequestContext, withSecondFactor: boolean): Promise<boolean> {
    if (user === undefined) return false
    if (withSecondFactor && user.twoFactorEnabledAt !== null) return true
    return this.signedInFromLately(user, context.ip)
  }

  /** One event, in the organization the attempt chose (if the user is in it); else kept for operators only. */
  private async auditSignIn(action: 'auth.login_failed' | 'auth.login_throttled', user: User | undefined, organizationId: string | null, details: Record<string, unknown>, context: RequestContext): Promise<void> {
    const target = user === undefined ? null : { type: 'user' as const, id: user.id, name: user.email }
    await this.deps.audit.record(this.deps.storage, { organizationId, action, actor: ANONYMOUS, target, details }, context)
  }

  /** `signedInAt`: when the user proved who they are; the session's lifetime counts from then. */
  private async startSession(user: User, organizationId: string, context: RequestContext, signedInAt: number): Promise<IssuedPair> {
    const now = this.deps.clock.now()
    const sessionId = newId()
    const endsBy = signedInAt + SESSION_MAX_LIFETIME_SECONDS * 1000
    return this.deps.storage.transaction(async (repos) => {
      await repos.sessions.create({
        id: sessionId,
        userId: user.id,
        organizationId,
        createdAt: isoAt(signedInAt),
        expiresAt: isoAt(Math.min(now + REFRESH_TTL_SECONDS * 1000, endsBy)),
        ip: context.ip,
        userAgent: context.userAgent?.slice(0, 512) ?? null,
      })
      await this.deps.audit.record(
        repos,
        { organizationId, action: 'auth.login_succeeded', actor: userActor(user), target: { type: 'session', id: sessionId, name: null } },
        context,
      )
      return this.issuePair(sessionId, user.id, organizationId, now, endsBy, repos)
    })
  }

  private async issuePair(sessionId: string, userId: string, organizationId: string, now: number, endsBy: number, repos: Repositories = this.deps.storage): Promise<IssuedPair> {
    const refreshToken = generateToken(this.deps.tokenPrefix, 'rt', randomBytes)
    const refreshExpiresAt = Math.min(now + REFRESH_TTL_SECONDS * 1000, endsBy)
    await repos.sessions.addRefreshToken({
      id: newId(),
      sessionId,
      tokenHash: hashToken(this.deps.tokenHashKey, refreshToken),
      createdAt: isoAt(now),
      expiresAt: isoAt(refreshExpiresAt),
    })
    const accessToken = await this.deps.sessionTokens.issue({ userId, organizationId, sessionId }, now)
    return {
      sessionId,
      accessToken,
      refreshToken,
      tokenType: 'Bearer',
      expiresIn: this.deps.sessionTokens.accessTtlSeconds,
      refreshExpiresIn: Math.floor((refreshExpiresAt - now) / 1000),
    }
  }

  /**
   * Exchanges a refresh token for a new pair. Each refresh token works once: presenting a
   * used one means two parties hold it, so the whole session ends (RFC 9700 §4.14.2).
   */
  async refresh(refreshToken: string, context: RequestContext): Promise<IssuedPair> {
    const unauthorized = new ApiError('unauthorized', 'The refresh token is not valid.')
    if (!parseToken(refreshToken, this.deps.acceptedTokenPrefixes, ['rt']).ok) throw unauthorized
    const now = this.deps.clock.now()
    const sessions = this.deps.storage.sessions
    const found = await sessions.findRefreshToken(hashToken(this.deps.tokenHashKey, refreshToken))
    if (found === undefined) throw unauthorized
    const { token, session } = found

    if (token.usedAt !== null) {
      await this.endReusedSession(session, context)
      throw unauthorized
    }
    const endsBy = Date.parse(session.createdAt) + SESSION_MAX_LIFETIME_SECONDS * 1000
    if (session.endedAt !== null || Date.parse(token.expiresAt) <= now || Date.parse(session.expiresAt) <= now || endsBy <= now) throw unauthorized

    const membership = await this.deps.storage.memberships.find(session.organizationId, session.userId)
    if (membership === undefined) throw unauthorized

    const pair = await this.deps.storage.transaction(async (repos) => {
      // Conditional: of two concurrent refreshes with one token, exactly one wins.
      if (!(await repos.sessions.useRefreshToken(token.id, isoAt(now)))) return null
      await repos.sessions.extend(session.id, isoAt(Math.min(now + REFRESH_TTL_SECONDS * 1000, endsBy)))
      return this.issuePair(session.id, session.userId, session.organizationId, now, endsBy, repos)
    })
    if (pair === null) {
      await this.endReusedSession(session, context)
      throw unauthorized
    }
    return pair
  }

  /** A refresh token came back after it was used: someone else holds it. End the session. */
  private async endReusedSession(session: Pick<Session, 'id' | 'userId' | 'organizationId'>, context: RequestContext): Promise<void> {
    await this.deps.storage.transaction(async (repos) => {
      const ended = await repos.sessions.end(session.id, isoAt(this.deps.clock.now()), 'refresh_token_reused')
      await this.deps.audit.record(
        repos,
        {
          organizationId: session.organizationId,
          action: 'auth.refresh_reuse_detected',
          actor: ANONYMOUS,
          target: { type: 'session', id: session.id, name: null },
          details: { userId: session.userId, sessionEnded: ended },
        },
        context,
      )
    })
    await this.deps.accessVersion.bump()
  }

  /** Whether a session has neither ended nor run out (idempotent replays of its sign-in are tied to it). */
  async isLive(sessionId: string): Promise<boolean> {
    const found = await this.deps.storage.sessions.findForAuthentication(sessionId)
    return found !== undefined && found.session.endedAt === null && Date.parse(found.session.expiresAt) > this.deps.clock.now()
  }

  /**
   * Moves a signed-in user to another of their organizations: a session there, this one ended.
   * No password or code again: this session already proved both.
   */
  async switchOrganization(principal: SessionPrincipal, organizationId: string, context: RequestContext): Promise<TokenPair> {
    const user = await this.deps.storage.users.find(principal.userId)
    const membership = await this.deps.storage.memberships.find(organizationId, principal.userId)
    if (user === undefined || membership === undefined) throw new ApiError('forbidden', 'You are not a member of this organization.')
    const pair = await this.startSession(user, organizationId, context, Date.parse(principal.sessionCreatedAt))
    await this.logout(principal, context)
    return pair
  }

  /** Ends the caller's session: its access JWT and refresh token stop working on the next request. */
  async logout(principal: SessionPrincipal, context: RequestContext): Promise<{ sessionId: string; endedAt: string }> {
    const endedAt = isoAt(this.deps.clock.now())
    await this.deps.storage.transaction(async (repos) => {
      await repos.sessions.end(principal.sessionId, endedAt, 'logout')
      await this.deps.audit.record(
        repos,
        { organizationId: principal.organizationId, action: 'auth.logout', actor: sessionActor(principal), target: { type: 'session', id: principal.sessionId, name: null } },
        context,
      )
    })
    await this.deps.accessVersion.bump()
    return { sessionId: principal.sessionId, endedAt }
  }

  /**
   * Ends the session a refresh token belongs to, for a client whose access token already
   * expired. A used (retired) refresh token is reuse, handled as `refresh` handles it.
   */
  async logoutWithRefreshToken(refreshToken: string, context: RequestContext): Promise<{ sessionId: string; endedAt: string }> {
    const unauthorized = new ApiError('unauthorized', 'The refresh token is not valid.')
    if (!parseToken(refreshToken, this.deps.acceptedTokenPrefixes, ['rt']).ok) throw unauthorized
    const found = await this.deps.storage.sessions.findRefreshToken(hashToken(this.deps.tokenHashKey, refreshToken))
    if (found === undefined) throw unauthorized
    const { token, session } = found
    if (token.usedAt !== null) {
      await this.endReusedSession(session, context)
      throw unauthorized
    }
    if (session.endedAt !== null) return { sessionId: session.id, endedAt: session.endedAt }
    if (Date.parse(token.expiresAt) <= this.deps.clock.now()) throw unauthorized
    const endedAt = isoAt(this.deps.clock.now())
    await this.deps.storage.transaction(async (repos) => {
      await repos.sessions.end(session.id, endedAt, 'logout')
      await this.deps.audit.record(
        repos,
        { organizationId: session.organizationId, action: 'auth.logout', actor: { type: 'user', id: session.userId, name: null }, target: { type: 'session', id: session.id, name: null } },
        context,
      )
    })
    await this.deps.accessVersion.bump()
    return { sessionId: session.id, endedAt }
  }

  async signup(
    input: { email: string; password: string; name: string; organizationName: string },
    context: RequestContext,
  ): Promise<{ user: User; organization: Organization; role: Role }> {
    if (this.deps.signup !== 'open') throw new ApiError('forbidden', 'Signup is closed on this deployment; ask an administrator for an account.')
    // Counted before any work: each sign-up costs a password hash and creates an organization.
    const decision = await this.deps.signupThrottle.attempt(context.ip)
    if (!decision.allowed) throw rateLimited('Too many sign-ups from this address; wait before trying again.', decision.retryAfterSeconds)
    checkNewPassword(input.password, '/password', contextWords(input.email, input.name, input.organizationName))
    const email = input.email.trim().toLowerCase()
    const passwordHash = await hashPassword(input.password)
    return this.deps.storage.transaction(async (repos) => {
      if ((await repos.users.findByEmail(email)) !== undefined) throw new ApiError('conflict', 'An account with this email already exists.')
      const createdAt = isoAt(this.deps.clock.now())
      const user = await repos.users.create({ id: newId(), email, name: input.name, passwordHash, createdAt })
      const organization = await repos.organizations.create({ id: newId(), name: input.organizationName, createdAt })
      await repos.memberships.add({ organizationId: organization.id, userId: user.id, role: 'company_admin', createdAt })
      await this.deps.audit.record(
        repos,
        { organizationId: organization.id, action: 'auth.signup', actor: userActor(user), target: { type: 'organization', id: organization.id, name: organization.name } },
        context,
      )
      return { user, organization, role: 'company_admin' as const }
    })
  }

  /** Changes the password and ends every other session of the user at once. */
  async changePassword(owner: ConfirmedOwner, input: { currentPassword?: string | undefined; newPassword: string }, context: RequestContext): Promise<{ changedAt: string; endedSessions: number }> {
    const { principal, user } = owner
    checkNewPassword(input.newPassword, '/newPassword', contextWords(user.email, user.name))
    if (input.newPassword === input.currentPassword) {
      throw new ApiError('validation_failed', 'The new password must differ from the current one.', { details: [{ field: '/newPassword', message: 'is the current password' }] })
    }
    const changedAt = isoAt(this.deps.clock.now())
    const passwordHash = await hashPassword(input.newPassword)
    const endedSessions = await this.deps.storage.transaction(async (repos) => {
      await repos.users.setPassword(user.id, passwordHash, changedAt)
      const ended = await repos.sessions.endAllOfUser(user.id, changedAt, 'password_changed', { exceptSessionId: principal.sessionId })
      await this.deps.audit.record(
        repos,
        { organizationId: principal.organizationId, action: 'auth.password_changed', actor: sessionActor(principal), target: { type: 'user', id: user.id, name: user.email }, details: { endedSessions: ended } },
        context,
      )
      return ended
    })
    await this.deps.accessVersion.bump()
    return { changedAt, endedSessions }
  }

  /** Whether the user signed in from this address in the last 30 days: such an address passes the account guard. */
  signedInFromLately(user: User, ip: string | null): Promise<boolean> {
    if (ip === null) return Promise.resolve(false)
    return this.deps.storage.sessions.hasSignedInFrom(user.id, ip, isoAt(this.deps.clock.now() - FAMILIAR_ADDRESS_MS))
  }
}

function userActor(user: User): AuditActor {
  return { type: 'user', id: user.id, name: user.name }
}

function sessionActor(principal: SessionPrincipal): AuditActor {
  return { type: 'user', id: principal.userId, name: principal.name }
}

const PASSWORD_MESSAGES = {
  too_short: 'must be at least 12 characters',
  too_long: 'must be at most 256 characters',
  too_common: 'is one of the most common passwords; choose another',
  contains_context_word: 'must not contain your name, your email address, your organization’s name or “brandwave”: they are guessed first',
} as const

/**
 * `context`: the words of the account's own details (`contextWords`) where a person chooses
 * the password; an operator's `admin create` and `BRANDWAVE_ADMIN_PASSWORD` are checked
 * without them.
 */
export function checkNewPassword(password: string, field: string, context: readonly string[] = []): void {
  const problem = passwordProblem(password, context)
  if (problem !== null) throw new ApiError('validation_failed', 'The password does not meet the policy.', { details: [{ field, message: PASSWORD_MESSAGES[problem] }] })
}
