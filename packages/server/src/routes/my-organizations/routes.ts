import { listMyOrganizations } from '@brandwave/contract'
import type { OrganizationService } from '../../services/organizations.js'
import type { RouteRegistrar } from '../route-registrar.js'

/** For the dashboard's Organization control: where the signed-in user may switch to. */
export function myOrganizationRoutes(route: RouteRegistrar, { organizations }: { organizations: OrganizationService }): void {
  route(listMyOrganizations, async ({ principal }) => {
    return { status: 200, body: { data: await organizations.ofUser(principal.userId) } }
  })
}
