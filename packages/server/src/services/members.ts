import { ApiError, missingScopes, type Role, type ScopeCatalog } from '@brandwave/core'
import type { Kysely } from 'kysely'
import type { Principal } from '../auth/principal.js'
import type { AccessVersion } from '../shared-state/access-version.js'
import { isoAt, type Clock } from '../clock.js'
import { credentialRepository } from '../storage/credentials.js'
import type { Dialect } from '../storage/database.js'
import { organizationRepository, type MemberRecord } from '../storage/organizations.js'
import type { Database } from '../storage/schema.js'
import { sessionRepository } from '../storage/sessions.js'
import { type AuditLog } from './audit.js'
import { auditActorOf } from './audit-record.js'
import { type RequestContext } from './request-context.js'

export interface MemberServiceDependencies {
  readonly db: Kysely<Database>
  readonly dialect: Dialect
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
    return organizationRepository(this.deps.db).listMembers(principal.organizationId, filter, page)
  }

  /** Granting a role grants its permissions: like any grant, only by someone who holds them. */
  private checkGrantable(principal: Principal, role: Role): void {
    const missing = missingScopes([...this.deps.catalog.roleScopes(role)], principal.scopes)
    if (missing.length > 0) throw new ApiError('forbidden', `You cannot grant the ${role} role: it has permissions you do not hold.`)
  }

  async changeRole(principal: Principal, userId: string, role: Role, context: RequestContext): Promise<MemberRecord> {
    this.checkGrantable(principal, role)
    const member = await this.deps.db.transaction().execute(async (trx) => {
      const organizations = organizationRepository(trx)
      await organizations.lockMemberships(this.deps.dialect, principal.organizationId)
      const current = await organizations.findMember(principal.organizationId, userId)
      if (current === undefined) throw new ApiError('not_found', NOT_A_MEMBER)
      if (current.role === role) return current
      // Unmaking an admin is as powerful as making one: a key that could not do the one
      // cannot do the other.
      if (current.role === 'company_admin') this.checkGrantable(principal, 'company_admin')
      if (current.role === 'company_admin' && (await organizations.countAdmins(principal.organizationId)) <= 1) {
        throw new ApiError('conflict', 'The last company_admin cannot be demoted; promote someone else first.')
      }
      await organizations.setRole(principal.organizationId, userId, role)
      await this.audit(trx, principal, 'member.role_changed', userId, current.email, context, { from: current.role, to: role })
      return { ...current, role }
    })
    // The member's sessions and PATs are bounded by the role: they shrink on the next request.
    await this.deps.accessVersion.bump()
    return member
  }

  async remove(principal: Principal, userId: string, context: RequestContext): Promise<{ userId: string; removedAt: string; revokedTokens: number; endedSessions: number }> {
    const removedAt = isoAt(this.deps.clock.now())
    const result = await this.deps.db.transaction().execute(async (trx) => {
      const organizations = organizationRepository(trx)
      await organizations.lockMemberships(this.deps.dialect, principal.organizationId)
      const current = await organizations.findMember(principal.organizationId, userId)
      if (current === undefined) throw new ApiError('not_found', NOT_A_MEMBER)
      if (current.role === 'company_admin') this.checkGrantable(principal, 'company_admin')
      if (current.role === 'company_admin' && (await organizations.countAdmins(principal.organizationId)) <= 1) {
        throw new ApiError('conflict', 'The last company_admin cannot be removed.')
      }
      await organizations.removeMember(principal.organizationId, userId)
      const revokedTokens = await credentialRepository(trx).revokeAllOfUser(principal.organizationId, userId, removedAt, 'owner_removed')
      const endedSessions = await sessionRepository(trx).endAllOfUser(userId, removedAt, 'removed_from_organization', { organizationId: principal.organizationId })
      await this.audit(trx, principal, 'member.removed', userId, current.email, context, { role: current.role, revokedTokens, endedSessions })
      return { userId, removedAt, revokedTokens, endedSessions }
    })
    await this.deps.accessVersion.bump()
    return result
  }

  private audit(
    db: Kysely<Database>,
    principal: Principal,
    action: 'member.added' | 'member.role_changed' | 'member.removed',
    userId: string,
    email: string,
    context: RequestContext,
    details: Record<string, unknown>,
  ): Promise<void> {
    const { actor, via } = auditActorOf(principal)
    return this.deps.audit.record(db, { organizationId: principal.organizationId, action, actor, target: { type: 'user', id: userId, name: email }, details: { ...details, ...via } }, context)
  }
}
