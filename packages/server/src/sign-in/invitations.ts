import { randomBytes } from 'node:crypto'
import { ApiError, contextWords, hashToken, missingScopes, randomBase62, type Role, type ScopeCatalog, rateLimited } from '@brandwave/core'
import { hashPassword } from './passwords.js'
import type { Principal, SessionPrincipal } from '../auth/principal.js'
import { isoAt, type Clock } from '../clock.js'
import { newId } from '../ids.js'
import type { MailQueue } from '../mail/queue.js'
import { mailTemplates } from '../mail/templates.js'
import type { Invitation } from '../storage/invitations.js'

export type { Invitation }
import type { Organization } from '../storage/organizations.js'
import type { User } from '../storage/users.js'
import type { AddressThrottle } from '../shared-state/counters.js'
import { type AuditLog } from '../services/audit.js'
import { auditActorOf, type AuditActor } from '../services/audit-record.js'
import { type RequestContext } from '../request-context.js'
import { checkNewPassword } from './sessions.js'
import type { Repositories, Storage } from '../storage/index.js'

/** SPEC §9: an invitation is good for 7 days. */
export const INVITATION_TTL_MS = 7 * 24 * 3600_000
/** 32 base62 characters: about 190 bits, unguessable. */
const TOKEN_LENGTH = 32

export interface InvitationServiceDependencies {
  readonly storage: Storage
  readonly catalog: ScopeCatalog
  readonly tokenHashKey: Buffer
  readonly publicUrl: string
  readonly mail: MailQueue
  readonly audit: AuditLog
  readonly clock: Clock
  /** Sign-ups through an invitation cost a password hash too: throttled like any other. */
  readonly signupThrottle: AddressThrottle
}

const INVALID_TOKEN = () =>
  new ApiError('validation_failed', 'This invitation link is not valid: it was used, withdrawn, or has expired. Ask for a new one.', {
    details: [{ field: '/token', message: 'is not a valid invitation' }],
  })

/**
 * Invitations (SPEC §9): nobody joins an organization without the emailed single-use token,
 * which proves they read the invited mailbox. Only its keyed hash is stored; it travels in
 * the link's fragment and appears in no log line or audit entry.
 */
export class InvitationService {
  constructor(private readonly deps: InvitationServiceDependencies) {}

  private tokenHash(token: string): string {
    return hashToken(this.deps.tokenHashKey, `invitation:${token}`)
  }

  private now(): string {
    return isoAt(this.deps.clock.now())
  }

  async create(principal: Principal, input: { email: string; role: Role }, context: RequestContext): Promise<{ invitation: Invitation; acceptUrl: string }> {
    // Granting a role grants its permissions: like any grant, only by someone who holds them.
    const missing = missingScopes([...this.deps.catalog.roleScopes(input.role)], principal.scopes)
    if (missing.length > 0) throw new ApiError('forbidden', `You cannot grant the ${input.role} role: it has permissions you do not hold.`)
    const email = input.email.trim().toLowerCase()
    const token = randomBase62(TOKEN_LENGTH, randomBytes)
    const acceptUrl = `${this.deps.publicUrl}/invitations/accept#token=${token}`
    const now = this.deps.clock.now()
    const { actor, via } = auditActorOf(principal)
    const invitation = await this.deps.storage.transaction(async (repos) => {
      const invitations = repos.invitations
      const organization = await repos.organizations.find(principal.organizationId)
      if (organization === undefined) throw new ApiError('unauthorized')
      const existing = await repos.users.findByEmail(email)
      if (existing !== undefined && (await repos.memberships.find(organization.id, existing.id)) !== undefined) {
        throw new ApiError('conflict', 'This address belongs to a member already.')
      }
      if ((await invitations.findPendingForEmail(organization.id, email, isoAt(now))) !== undefined) {
        throw new ApiError('conflict', 'An invitation to this address is pending; withdraw it first to send a new one.')
      }
      const row: Invitation = {
        id: newId(),
        organizationId: organization.id,
        email,
        role: input.role,
        tokenHash: this.tokenHash(token),
        invitedBy: { id: actor.id, name: actor.name ?? '' },
        createdAt: isoAt(now),
        expiresAt: isoAt(now + INVITATION_TTL_MS),
      }
      await invitations.create(row)
      await this.deps.audit.record(
        repos,
        { organizationId: organization.id, action: 'invitation.created', actor, target: { type: 'invitation', id: row.id, name: email }, details: { role: input.role, expiresAt: row.expiresAt, ...via } },
        context,
      )
      await this.deps.mail.enqueue(repos, {
        to: email,
        template: 'invitation',
        message: mailTemplates.invitation({ organizationName: organization.name, invitedBy: row.invitedBy.name, role: input.role, acceptUrl, expiresAt: row.expiresAt }),
      })
      return row
    })
    this.deps.mail.wake()
    return { invitation, acceptUrl }
  }

  list(principal: Principal, page: { limit: number; afterId: string | null }) {
    return this.deps.storage.invitations.listPending(principal.organizationId, this.now(), page)
  }

  async withdraw(principal: Principal, id: string, context: RequestContext): Promise<{ id: string; withdrawnAt: string }> {
    const withdrawnAt = this.now()
    await this.deps.storage.transaction(async (repos) => {
      const invitations = repos.invitations
      const invitation = await invitations.findPending(principal.organizationId, id, withdrawnAt)
      if (invitation === undefined || !(await invitations.markWithdrawn(id, withdrawnAt))) throw new ApiError('not_found', 'No pending invitation of this organization has this id.')
      const { actor, via } = auditActorOf(principal)
      await this.deps.audit.record(
        repos,
        { organizationId: principal.organizationId, action: 'invitation.withdrawn', actor, target: { type: 'invitation', id, name: invitation.email }, details: { role: invitation.role, ...via } },
        context,
      )
    })
    return { id, withdrawnAt }
  }

  /** A signed-in user accepts: their account's address must be the invited one. */
  async accept(principal: SessionPrincipal, token: string, context: RequestContext): Promise<{ invitationId: string; organizationId: string; role: Role; acceptedAt: string }> {
    const acceptedAt = this.now()
    return this.deps.storage.transaction(async (repos) => {
      const invitation = await repos.invitations.findPendingByTokenHash(this.tokenHash(token), acceptedAt)
      if (invitation === undefined) throw INVALID_TOKEN()
      const user = await repos.users.find(principal.userId)
      if (user === undefined) throw new ApiError('unauthorized')
      if (user.email !== invitation.email) throw new ApiError('forbidden', 'This invitation is for another address; sign in with the account of the invited address.')
      if ((await repos.memberships.find(invitation.organizationId, user.id)) !== undefined) throw new ApiError('conflict', 'You are a member of this organization already.')
      await this.join(repos, invitation, user, acceptedAt, context)
      return { invitationId: invitation.id, organizationId: invitation.organizationId, role: invitation.role, acceptedAt }
    })
  }

  /**
   * A person without an account signs up through the invitation, whatever
   * `BRANDWAVE_SIGNUP` says: the token is the consent of the organization and the proof of
   * the address. They join that organization only.
   */
  async signUp(
    input: { email: string; password: string; name: string; invitationToken: string },
    context: RequestContext,
  ): Promise<{ user: User; organization: Organization; role: Role }> {
    const decision = await this.deps.signupThrottle.attempt(context.ip)
    if (!decision.allowed) throw rateLimited('Too many sign-ups from this address; wait before trying again.', decision.retryAfterSeconds)
    checkNewPassword(input.password, '/password', contextWords(input.email, input.name))
    const email = input.email.trim().toLowerCase()
    const passwordHash = await hashPassword(input.password)
    const createdAt = this.now()
    return this.deps.storage.transaction(async (repos) => {
      const invitation = await repos.invitations.findPendingByTokenHash(this.tokenHash(input.invitationToken), createdAt)
      if (invitation === undefined) {
        throw new ApiError('validation_failed', 'This invitation link is not valid: it was used, withdrawn, or has expired. Ask for a new one.', {
          details: [{ field: '/invitationToken', message: 'is not a valid invitation' }],
        })
      }
      if (invitation.email !== email) {
        throw new ApiError('validation_failed', 'Sign up with the address the invitation was sent to.', { details: [{ field: '/email', message: 'is not the invited address' }] })
      }
      if ((await repos.users.findByEmail(email)) !== undefined) {
        throw new ApiError('conflict', 'An account with this email already exists: sign in and accept the invitation (or reset the password if it is not yours).')
      }
      const user = await repos.users.create({ id: newId(), email, name: input.name, passwordHash, createdAt })
      const organization = await repos.organizations.find(invitation.organizationId)
      if (organization === undefined) throw INVALID_TOKEN()
      const actor: AuditActor = { type: 'user', id: user.id, name: user.name }
      await this.deps.audit.record(repos, { organizationId: organization.id, action: 'auth.signup', actor, target: { type: 'user', id: user.id, name: email }, details: { invitationId: invitation.id } }, context)
      await this.join(repos, invitation, user, createdAt, context)
      return { user: { ...user, emailVerifiedAt: createdAt }, organization, role: invitation.role }
    })
  }

  private async join(repos: Repositories, invitation: Invitation, user: User, now: string, context: RequestContext): Promise<void> {
    // Conditional: of two concurrent uses of one token, exactly one wins.
    if (!(await repos.invitations.markAccepted(invitation.id, user.id, now))) throw INVALID_TOKEN()
    await repos.memberships.add({ organizationId: invitation.organizationId, userId: user.id, role: invitation.role, createdAt: now })
    // Holding the token proves the address.
    await repos.users.markEmailVerified(user.id, now)
    const actor: AuditActor = { type: 'user', id: user.id, name: user.name }
    const target = { type: 'user' as const, id: user.id, name: user.email }
    await this.deps.audit.record(
      repos,
      { organizationId: invitation.organizationId, action: 'invitation.accepted', actor, target: { type: 'invitation', id: invitation.id, name: invitation.email }, details: { role: invitation.role, invitedBy: invitation.invitedBy.name } },
      context,
    )
    await this.deps.audit.record(repos, { organizationId: invitation.organizationId, action: 'member.added', actor, target, details: { role: invitation.role, invitationId: invitation.id } }, context)
  }
}
