import { ApiError, missingScopes, type Role, type ScopeCatalog } from '@brandwave/core'
import type { Principal } from '../auth/principal.js'
import type { AccessVersion } from '../shared-state/access-version.js'
import { isoAt, type Clock } from '../clock.js'
import type { Member } from '../storage/memberships.js'

export type { Member }
import { type AuditLog } from './audit.js'
import { auditActorOf } from './audit-record.js'
import { type RequestContext } from '../request-context.js'
import type { Repositories, Storage } from '../storage/index.js'

export interface MemberServiceDependencies {
  readonly storage: Storage
  readonly catalog: ScopeCatalog
  readonly accessVersion: AccessVersion
  readonly audit: AuditLog
  readonly clock: Clock
}

const NOT_A_MEMBER = 'No member of this organization has this id.'

/**
 * Who belongs to an organization, with which role (SPEC §5, members). Removal and demotion
 * take effect on the member's sessions and tokens on their very next request.
 */
export class MemberService {
  constructor(private readonly deps: MemberServiceDependencies) {}

  list(principal: Principal, filter: { role?: Role; search?: string }, page: { limit: number; afterUserId: string | null }) {
    return this.deps.storage.memberships.listMembers(principal.organizationId, filter, page)
  }

  /** Granting a role grants its permissions: like any grant, only by someone who holds them. */
  private checkGrantable(principal: Principal, role: Role): void {
    const missing = missingScopes([...this.deps.catalog.roleScopes(role)], principal.scopes)
    if (missing.length > 0) throw new ApiError('forbidden', `You cannot grant the ${role} role: it has permissions you do not hold.`)
  }

  async changeRole(principal: Principal, userId: string, role: Role, context: RequestContext): Promise<Member> {
    this.checkGrantable(principal, role)
    const member = await this.deps.storage.transaction(async (repos) => {
      await repos.memberships.lock(principal.organizationId)
      const current = await repos.memberships.findMember(principal.organizationId, userId)
      if (current === undefined) throw new ApiError('not_found', NOT_A_MEMBER)
      if (current.role === role) return current
      // Unmaking an admin is as powerful as making one: a key that could not do the one
      // cannot do the other.
      if (current.role === 'company_admin') this.checkGrantable(principal, 'company_admin')
      if (current.role === 'company_admin' && (await repos.memberships.countAdmins(principal.organizationId)) <= 1) {
        throw new ApiError('conflict', 'The last company_admin cannot be demoted; promote someone else first.')
      }
      await repos.memberships.setRole(principal.organizationId, userId, role)
      await this.audit(repos, principal, 'member.role_changed', userId, current.email, context, { from: current.role, to: role })
      return { ...current, role }
    })
    // The member's sessions and PATs are bounded by the role: they shrink on the next request.
    await this.deps.accessVersion.bump()
    return member
  }

  async remove(principal: Principal, userId: string, context: RequestContext): Promise<{ userId: string; removedAt: string; revokedTokens: number; endedSessions: number }> {
    const removedAt = isoAt(this.deps.clock.now())
    const result = await this.deps.storage.transaction(async (repos) => {
      await repos.memberships.lock(principal.organizationId)
      const current = await repos.memberships.findMember(principal.organizationId, userId)
      if (current === undefined) throw new ApiError('not_found', NOT_A_MEMBER)
      if (current.role === 'company_admin') this.checkGrantable(principal, 'company_admin')
      if (current.role === 'company_admin' && (await repos.memberships.countAdmins(principal.organizationId)) <= 1) {
        throw new ApiError('conflict', 'The last company_admin cannot be removed.')
      }
      await repos.memberships.remove(principal.organizationId, userId)
      const revokedTokens = await repos.credentials.revokeAllOfUser(principal.organizationId, userId, removedAt, 'owner_removed')
      const endedSessions = await repos.sessions.endAllOfUser(userId, removedAt, 'removed_from_organization', { organizationId: principal.organizationId })
      // Apps they authorized here end too, as their PATs do: coming back later does not revive them.
      await repos.oauthModels.destroyGrants(await repos.oauthAuthorizations.revokeAllOfUser(principal.organizationId, userId, removedAt))
      await this.audit(repos, principal, 'member.removed', userId, current.email, context, { role: current.role, revokedTokens, endedSessions })
      return { userId, removedAt, revokedTokens, endedSessions }
    })
    await this.deps.accessVersion.bump()
    return result
  }

  /**
   * Ends every session of a member in this organization (ASVS 5.0 7.4.5): a lost device or a
   * suspected takeover, without removing them. An administrator's sessions are ended only by
   * someone who holds every permission an administrator does.
   */
  async endSessions(principal: Principal, userId: string, context: RequestContext): Promise<{ userId: string; endedAt: string; endedSessions: number }> {
    const endedAt = isoAt(this.deps.clock.now())
    const result = await this.deps.storage.transaction(async (repos) => {
      const current = await repos.memberships.findMember(principal.organizationId, userId)
      if (current === undefined) throw new ApiError('not_found', NOT_A_MEMBER)
      if (current.role === 'company_admin' && missingScopes([...this.deps.catalog.roleScopes('company_admin')], principal.scopes).length > 0) {
        throw new ApiError('forbidden', 'Ending an administrator’s sessions needs every permission an administrator holds.')
      }
      const endedSessions = await repos.sessions.endAllOfUser(userId, endedAt, 'ended_by_admin', { organizationId: principal.organizationId })
      await this.audit(repos, principal, 'member.sessions_ended', userId, current.email, context, { endedSessions })
      return { userId, endedAt, endedSessions }
    })
    // Every instance drops what it cached about those sessions: they fail on their next request.
    await this.deps.accessVersion.bump()
    return result
  }

  private audit(
    repos: Repositories,
    principal: Principal,
    action: 'member.added' | 'member.role_changed' | 'member.removed' | 'member.sessions_ended',
    userId: string,
    email: string,
    context: RequestContext,
    details: Record<string, unknown>,
  ): Promise<void> {
    const { actor, via } = auditActorOf(principal)
    return this.deps.audit.record(repos, { organizationId: principal.organizationId, action, actor, target: { type: 'user', id: userId, name: email }, details: { ...details, ...via } }, context)
  }
}
