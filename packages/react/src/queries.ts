import type { Brandwave, BrandwaveError, QueryOf, ResponseOf } from '@brandwave/sdk'
import { queryOptions } from '@tanstack/react-query'
import { brandwaveKeys, type CredentialListParams, type UsageParams } from './keys.js'

type CredentialPage = ResponseOf<'listPersonalAccessTokens'>
type CredentialDetail = ResponseOf<'getPersonalAccessToken'>

function credentialQueries(kind: 'personalAccessTokens' | 'apiKeys') {
  return {
    /**
     * @example
     * await queryClient.prefetchQuery(brandwaveQueries.personalAccessTokens.list(bw, { status: 'active' }))
     */
    list: (client: Brandwave, params: CredentialListParams = {}) =>
      queryOptions<CredentialPage, BrandwaveError>({
        queryKey: brandwaveKeys[kind].list(client, params),
        queryFn: ({ signal }) => client[kind].list(params, { signal }),
      }),
    /** Idle until there is an id (`''` while a route param loads). @example useQuery(brandwaveQueries.apiKeys.detail(bw, id)) */
    detail: (client: Brandwave, id: string) =>
      queryOptions<CredentialDetail, BrandwaveError>({
        queryKey: brandwaveKeys[kind].detail(client, id),
        queryFn: ({ signal }) => client[kind].get({ id }, { signal }),
        enabled: id !== '',
      }),
    /** Counts per hour or day and the last addresses; idle until there is an id. @example useQuery(brandwaveQueries.apiKeys.usage(bw, id, { granularity: 'day' })) */
    usage: (client: Brandwave, id: string, params: UsageParams = {}) =>
      queryOptions<ResponseOf<'getApiKeyUsage'>, BrandwaveError>({
        queryKey: brandwaveKeys[kind].usage(client, id, params),
        queryFn: ({ signal }) => client[kind].usage({ id, ...params }, { signal }),
        enabled: id !== '',
      }),
  }
}

/**
 * The key and the fetcher of each query, together (TanStack's `queryOptions`), for
 * prefetching, `useQuery`, `useSuspenseQuery` or `queryClient.fetchQuery`.
 *
 * @example
 * const { data } = useQuery(brandwaveQueries.me(bw))
 */
export const brandwaveQueries = {
  personalAccessTokens: credentialQueries('personalAccessTokens'),
  apiKeys: credentialQueries('apiKeys'),
  me: (client: Brandwave) => queryOptions<ResponseOf<'getMe'>, BrandwaveError>({ queryKey: brandwaveKeys.me(client), queryFn: ({ signal }) => client.me({ signal }) }),
  myOrganizations: (client: Brandwave) =>
    queryOptions<ResponseOf<'listMyOrganizations'>, BrandwaveError>({ queryKey: brandwaveKeys.myOrganizations(client), queryFn: ({ signal }) => client.auth.organizations({ signal }) }),
  scopes: (client: Brandwave) =>
    queryOptions<ResponseOf<'listScopes'>, BrandwaveError>({ queryKey: brandwaveKeys.scopes(client), queryFn: ({ signal }) => client.scopes.list({ signal }), staleTime: Infinity }),
  members: (client: Brandwave, params: QueryOf<'listMembers'> = {}) =>
    queryOptions<ResponseOf<'listMembers'>, BrandwaveError>({ queryKey: brandwaveKeys.members.list(client, params), queryFn: ({ signal }) => client.members.list(params, { signal }) }),
  invitations: (client: Brandwave, params: QueryOf<'listInvitations'> = {}) =>
    queryOptions<ResponseOf<'listInvitations'>, BrandwaveError>({ queryKey: brandwaveKeys.invitations.list(client, params), queryFn: ({ signal }) => client.invitations.list(params, { signal }) }),
  authorizedApps: (client: Brandwave) =>
    queryOptions<ResponseOf<'listAuthorizedApps'>, BrandwaveError>({ queryKey: brandwaveKeys.authorizedApps(client), queryFn: ({ signal }) => client.authorizedApps.list({ signal }) }),
  webhookEndpoints: (client: Brandwave, params: QueryOf<'listWebhookEndpoints'> = {}) =>
    queryOptions<ResponseOf<'listWebhookEndpoints'>, BrandwaveError>({
      queryKey: brandwaveKeys.webhookEndpoints.list(client, params),
      queryFn: ({ signal }) => client.webhookEndpoints.list(params, { signal }),
    }),
  webhookDeliveries: (client: Brandwave, id: string, params: QueryOf<'listWebhookDeliveries'> = {}) =>
    queryOptions<ResponseOf<'listWebhookDeliveries'>, BrandwaveError>({
      queryKey: brandwaveKeys.webhookEndpoints.deliveries(client, id, params),
      queryFn: ({ signal }) => client.webhookEndpoints.listDeliveries({ id, ...params }, { signal }),
      enabled: id !== '',
    }),
  credentialPolicy: (client: Brandwave) =>
    queryOptions<ResponseOf<'getCredentialPolicy'>, BrandwaveError>({ queryKey: brandwaveKeys.credentialPolicy(client), queryFn: ({ signal }) => client.credentialPolicy.get({ signal }) }),
  auditLogs: (client: Brandwave, params: QueryOf<'listAuditEvents'> = {}) =>
    queryOptions<ResponseOf<'listAuditEvents'>, BrandwaveError>({ queryKey: brandwaveKeys.auditLogs.list(client, params), queryFn: ({ signal }) => client.auditLogs.list(params, { signal }) }),
}
