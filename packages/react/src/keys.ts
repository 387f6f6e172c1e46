import type { QueryOf } from '@brandwave/sdk'

/** PATs and API keys take the same filters. */
export type CredentialListParams = QueryOf<'listPersonalAccessTokens'>

/**
 * Query keys, one factory for every Brandwave query. Keys hold every input the fetch
 * depends on, and nest (`all` ⊃ `lists` ⊃ `list(params)`) so one invalidation can hit a
 * whole family.
 *
 * @example
 * await queryClient.invalidateQueries({ queryKey: brandwaveKeys.personalAccessTokens.lists() })
 */
export const brandwaveKeys = {
  all: ['brandwave'] as const,
  personalAccessTokens: credentialKeys('personal-access-tokens'),
  apiKeys: credentialKeys('api-keys'),
  me: () => ['brandwave', 'me'] as const,
  myOrganizations: () => ['brandwave', 'me', 'organizations'] as const,
  scopes: () => ['brandwave', 'scopes'] as const,
  members: {
    all: () => ['brandwave', 'members'] as const,
    list: (params: QueryOf<'listMembers'> = {}) => ['brandwave', 'members', 'list', params] as const,
  },
  invitations: {
    all: () => ['brandwave', 'invitations'] as const,
    list: (params: QueryOf<'listInvitations'> = {}) => ['brandwave', 'invitations', 'list', params] as const,
  },
  authorizedApps: () => ['brandwave', 'authorized-apps'] as const,
  webhookEndpoints: {
    all: () => ['brandwave', 'webhook-endpoints'] as const,
    lists: () => ['brandwave', 'webhook-endpoints', 'list'] as const,
    list: (params: QueryOf<'listWebhookEndpoints'> = {}) => ['brandwave', 'webhook-endpoints', 'list', params] as const,
    allDeliveries: (id: string) => ['brandwave', 'webhook-endpoints', 'deliveries', id] as const,
    deliveries: (id: string, params: QueryOf<'listWebhookDeliveries'> = {}) => ['brandwave', 'webhook-endpoints', 'deliveries', id, params] as const,
  },
  auditLogs: {
    all: () => ['brandwave', 'audit-logs'] as const,
    list: (params: QueryOf<'listAuditEvents'> = {}) => ['brandwave', 'audit-logs', 'list', params] as const,
  },
}

function credentialKeys<Name extends string>(name: Name) {
  return {
    all: () => ['brandwave', name] as const,
    lists: () => ['brandwave', name, 'list'] as const,
    list: (params: CredentialListParams = {}) => ['brandwave', name, 'list', params] as const,
    details: () => ['brandwave', name, 'detail'] as const,
    detail: (id: string) => ['brandwave', name, 'detail', id] as const,
  }
}
