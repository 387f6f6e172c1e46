import { getApiKeyUsage, getPersonalAccessTokenUsage } from '@brandwave/contract'
import type { CredentialUsageService } from '../../services/credential-usage.js'
import type { RouteRegistrar } from '../route-registrar.js'

/** Each credential's requests over time: the same answer for API keys and a user's own tokens. */
export function credentialUsageRoutes(route: RouteRegistrar, { credentialUsage }: { readonly credentialUsage: CredentialUsageService }): void {
  route(getApiKeyUsage, async ({ principal, params, query }) => ({ status: 200, body: { data: await credentialUsage.usage(principal, 'api_key', params.id, query) } }))
  route(getPersonalAccessTokenUsage, async ({ principal, params, query }) => ({
    status: 200,
    body: { data: await credentialUsage.usage(principal, 'personal_access_token', params.id, query) },
  }))
}
