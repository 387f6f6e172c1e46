import { listMyOrganizations } from '@brandwave/contract'
import type { organizationRepository } from '../../storage/organizations.js'
import type { RouteRegistrar } from '../route-registrar.js'

/** For the dashboard's Organization control: where the signed-in user may switch to. */
export function myOrganizationRoutes(route: RouteRegistrar, { organizations }: { organizations: ReturnType<typeof organizationRepository> }): void {
  route(listMyOrganizations, async ({ principal }) => {
    const memberships = await organizations.membershipsOfUser(principal.userId)
    const found = await Promise.all(memberships.map(async (membership) => ({ membership, organization: await organizations.findOrganization(membership.organization_id) })))
    const data = found.flatMap(({ membership, organization }) => (organization === undefined ? [] : [{ id: organization.id, name: organization.name, role: membership.role }]))
    return { status: 200, body: { data } }
  })
}
