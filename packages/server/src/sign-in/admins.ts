import { randomBytes } from 'node:crypto'
import { ApiError } from '@brandwave/core'
import type { AccessVersion } from '../shared-state/access-version.js'
import { hashPassword } from './passwords.js'
import type { OperatorPrincipal } from '../auth/principal.js'
import { isoAt, type Clock } from '../clock.js'
import { newId } from '../ids.js'
import { type AuditLog } from '../services/audit.js'
import { auditActorOf } from '../services/audit-record.js'
import { type RequestContext } from '../request-context.js'
import { checkNewPassword } from './sessions.js'
import type { Storage } from '../storage/index.js'

export interface AdminServiceDependencies {
  readonly storage: Storage
  readonly accessVersion: AccessVersion
  readonly audit: AuditLog
  readonly clock: Clock
}

export interface CreateAdminInput {
  readonly email: string
  /** Null: a password is generated and returned once. */
  readonly password: string | null
}

export interface CreatedAdmin {
  readonly userId: string
  readonly email: string
  readonly organizationId: string
  /** `account`: a new account was created; `membership`: an existing account joined; `promoted`: a member became admin. */
  readonly outcome: 'account' | 'membership' | 'promoted'
  /** Only when this call generated it: shown to the operator once, never stored in plaintext. */
  readonly generatedPassword: string | null
}

// Deliberately loose: the address only has to be one a person can type at sign-in.
const EMAIL = /^[^\s@]+@[^\s@]+$/

/**
 * The operator's way back in (SPEC §11): makes someone a company_admin of an organization
 * from the machine Brandwave runs on, when no admin can sign in any more. Only the
 * operator principal may call it; the API has no route to it.
 */
export class AdminService {
  constructor(private readonly deps: AdminServiceDependencies) {}

  async create(principal: OperatorPrincipal, input: CreateAdminInput, context: RequestContext): Promise<CreatedAdmin> {
    const email = input.email.trim().toLowerCase()
    if (email.length > 254 || !EMAIL.test(email)) {
      throw new ApiError('validation_failed', 'The email address is not valid.', { details: [{ field: '--email', message: 'must be an email address' }] })
    }
    if (input.password !== null) checkNewPassword(input.password, 'password')
    const generatedPassword = input.password === null ? randomBytes(18).toString('base64url') : null
    const passwordHash = await hashPassword(input.password ?? generatedPassword ?? '')
    const organizationId = principal.organizationId
    const now = isoAt(this.deps.clock.now())
    const { actor } = auditActorOf(principal)

    const created = await this.deps.storage.transaction(async (repos) => {
      await repos.memberships.lock(organizationId)
      const existing = await repos.users.findByEmail(email)
      if (existing !== undefined && input.password !== null) {
        // Quietly ignoring the password would leave the operator believing it works.
        throw new ApiError('conflict', 'An account with this email exists; this command does not change its password. Run it without --password-stdin.')
      }
      const user = existing ?? (await repos.users.create({ id: newId(), email, name: 'Administrator', passwordHash, createdAt: now }))
      const membership = existing === undefined ? undefined : await repos.memberships.find(organizationId, user.id)
      const target = { type: 'user', id: user.id, name: email } as const
      if (membership?.role === 'company_admin') throw new ApiError('conflict', 'This account is already a company_admin of the organization.')
      if (membership !== undefined) {
        await repos.memberships.setRole(organizationId, user.id, 'company_admin')
        await this.deps.audit.record(repos, { organizationId, action: 'member.role_changed', actor, target, details: { from: membership.role, to: 'company_admin' } }, context)
        return { userId: user.id, outcome: 'promoted' } as const
      }
      await repos.memberships.add({ organizationId, userId: user.id, role: 'company_admin', createdAt: now })
      await this.deps.audit.record(repos, { organizationId, action: 'member.added', actor, target, details: { role: 'company_admin', accountCreated: existing === undefined } }, context)
      return { userId: user.id, outcome: existing === undefined ? 'account' : 'membership' } as const
    })
    // A cached principal holds the role it had: the new admin's sessions gain it on their next request.
    await this.deps.accessVersion.bump()
    return { ...created, email, organizationId, generatedPassword: created.outcome === 'account' ? generatedPassword : null }
  }
}
