import { createApiKey, disableApiKey, enableApiKey, getApiKey, listApiKeys, revokeApiKey, rotateApiKey, updateApiKey } from '@brandwave/contract'
import { sharedCredentialRoutes, type CredentialRouteDependencies } from '../credential-routes.js'
import { issuedCredentialResponse } from '../credential-response.js'
import type { RouteRegistrar } from '../route-registrar.js'

/** The organization's keys, which survive their creator. */
export function apiKeyRoutes(route: RouteRegistrar, deps: CredentialRouteDependencies): void {
  route(createApiKey, async ({ principal, body, request }) => {
    const issued = await deps.credentials.create(principal, 'api_key', body, request)
    return { status: 201, body: { data: issuedCredentialResponse(issued, deps.clock.now()) } }
  })
  sharedCredentialRoutes(route, { list: listApiKeys, get: getApiKey, update: updateApiKey, revoke: revokeApiKey, rotate: rotateApiKey, disable: disableApiKey, enable: enableApiKey }, 'api_key', deps)
}
