import type { Role } from '@brandwave/core'
import type { Storage } from '../storage/index.js'
import type { Organization } from '../storage/organizations.js'

export type { Organization }

/** Organizations as callers find them: by account id, by membership, or the operator's pick. */
export class OrganizationService {
  constructor(private readonly storage: Pick<Storage, 'organizations' | 'memberships'>) {}

  find(id: string): Promise<Organization | undefined> {
    return this.storage.organizations.find(id)
  }

  /** The organization behind an account id of the account-token surface. */
  findByAccountId(accountId: number): Promise<Organization | undefined> {
    return this.storage.organizations.findByAccountId(accountId)
  }

  /** The first organizations by creation: the operator CLI acts in the only one when none is named. */
  list(limit: number): Promise<Organization[]> {
    return this.storage.organizations.list(limit)
  }

  /** Where the user belongs, oldest membership first, with their role there. */
  async ofUser(userId: string): Promise<Array<{ id: string; name: string; role: Role }>> {
    const memberships = await this.storage.memberships.ofUser(userId)
    const organizations = new Map((await this.storage.organizations.findMany(memberships.map((m) => m.organizationId))).map((o) => [o.id, o]))
    return memberships.flatMap((membership) => {
      const organization = organizations.get(membership.organizationId)
      return organization === undefined ? [] : [{ id: organization.id, name: organization.name, role: membership.role }]
    })
  }
}
