import { listAuthorizedApps, revokeAuthorizedApp } from '@brandwave/contract'
import type { OAuthAppService } from '../../services/oauth-apps.js'
import type { RouteRegistrar } from '../route-registrar.js'

/** The apps a user let act for them through OAuth (SPEC §6), and revoking one. */
export function authorizedAppRoutes(route: RouteRegistrar, { oauthApps: oauth }: { oauthApps: OAuthAppService }): void {
  route(listAuthorizedApps, async ({ principal }) => {
    const items = await oauth.list(principal)
    return { status: 200, body: { items, totalCount: items.length, facets: {}, nextCursor: null } }
  })

  route(revokeAuthorizedApp, async ({ principal, params, request }) => {
    return { status: 200, body: { data: await oauth.revoke(principal, params.clientId, request) } }
  })
}
