import {
  createPersonalAccessToken,
  getPersonalAccessToken,
  listPersonalAccessTokens,
  revokePersonalAccessToken,
  rotatePersonalAccessToken,
  updatePersonalAccessToken,
} from '@brandwave/contract'
import { sharedCredentialRoutes, type CredentialRouteDependencies } from '../credential-routes.js'
import { issuedCredentialResponse } from '../credential-response.js'
import type { RouteRegistrar } from '../route-registrar.js'

/** A user's own tokens, acting as them inside one organization. */
export function personalAccessTokenRoutes(route: RouteRegistrar, deps: CredentialRouteDependencies): void {
  route(createPersonalAccessToken, async ({ principal, body, request }) => {
    const issued = await deps.credentials.create(principal, 'personal_access_token', body, request)
    return { status: 201, body: { data: issuedCredentialResponse(issued, deps.clock.now()) } }
  })
  sharedCredentialRoutes(
    route,
    { list: listPersonalAccessTokens, get: getPersonalAccessToken, update: updatePersonalAccessToken, revoke: revokePersonalAccessToken, rotate: rotatePersonalAccessToken },
    'personal_access_token',
    deps,
  )
}
