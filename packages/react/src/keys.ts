import type { Brandwave, QueryOf } from '@brandwave/sdk'

/** PATs and API keys take the same filters. */
export type CredentialListParams = QueryOf<'listPersonalAccessTokens'>
/** The range and granularity of a credential's usage. */
export type UsageParams = NonNullable<QueryOf<'getApiKeyUsage'>>

// Which client fetched an entry: an id each client gets the first time a key names it. Never
// its credential (a key is stored and shown in devtools); a client built for another base URL
// or credential is another client, so two providers never read each other's entries.
const clientIds = new WeakMap<Brandwave, string>()
let clientsSeen = 0

function clientId(client: Brandwave): string {
  let id = clientIds.get(client)
  if (id === undefined) {
    clientsSeen += 1
    id = `client-${clientsSeen}`
    clientIds.set(client, id)
  }
  return id
}

const root = (client: Brandwave) => ['brandwave', clientId(client)] as const

/**
 * Query keys, one factory for every Brandwave query. Keys hold every input the fetch
 * depends on, starting with the client that fetches (entries of two providers with
 * different clients never mix), and nest (`all` ⊃ `lists` ⊃ `list(params)`) so one
 * invalidation can hit a whole family. `brandwaveKeys.all` matches every client's entries.
 *
 * @example
 * const bw = useBrandwave()
 * await queryClient.invalidateQueries({ queryKey: brandwaveKeys.personalAccessTokens.lists(bw) })
 */
export const brandwaveKeys = {
  all: ['brandwave'] as const,
  client: (client: Brandwave) => root(client),
  personalAccessTokens: credentialKeys('personal-access-tokens'),
  apiKeys: credentialKeys('api-keys'),
  me: (client: Brandwave) => [...root(client), 'me'] as const,
  myOrganizations: (client: Brandwave) => [...root(client), 'me', 'organizations'] as const,
  scopes: (client: Brandwave) => [...root(client), 'scopes'] as const,
  members: {
    all: (client: Brandwave) => [...root(client), 'members'] as const,
    list: (client: Brandwave, params: QueryOf<'listMembers'> = {}) => [...root(client), 'members', 'list', params] as const,
  },
  invitations: {
    all: (client: Brandwave) => [...root(client), 'invitations'] as const,
    list: (client: Brandwave, params: QueryOf<'listInvitations'> = {}) => [...root(client), 'invitations', 'list', params] as const,
  },
  authorizedApps: (client: Brandwave) => [...root(client), 'authorized-apps'] as const,
  credentialPolicy: (client: Brandwave) => [...root(client), 'credential-policy'] as const,
  webhookEndpoints: {
    all: (client: Brandwave) => [...root(client), 'webhook-endpoints'] as const,
    lists: (client: Brandwave) => [...root(client), 'webhook-endpoints', 'list'] as const,
    list: (client: Brandwave, params: QueryOf<'listWebhookEndpoints'> = {}) => [...root(client), 'webhook-endpoints', 'list', params] as const,
    allDeliveries: (client: Brandwave, id: string) => [...root(client), 'webhook-endpoints', 'deliveries', id] as const,
    deliveries: (client: Brandwave, id: string, params: QueryOf<'listWebhookDeliveries'> = {}) => [...root(client), 'webhook-endpoints', 'deliveries', id, params] as const,
  },
  auditLogs: {
    all: (client: Brandwave) => [...root(client), 'audit-logs'] as const,
    list: (client: Brandwave, params: QueryOf<'listAuditEvents'> = {}) => [...root(client), 'audit-logs', 'list', params] as const,
  },
}

function credentialKeys<Name extends string>(name: Name) {
  return {
    all: (client: Brandwave) => [...root(client), name] as const,
    lists: (client: Brandwave) => [...root(client), name, 'list'] as const,
    list: (client: Brandwave, params: CredentialListParams = {}) => [...root(client), name, 'list', params] as const,
    details: (client: Brandwave) => [...root(client), name, 'detail'] as const,
    detail: (client: Brandwave, id: string) => [...root(client), name, 'detail', id] as const,
    usage: (client: Brandwave, id: string, params: UsageParams = {}) => [...root(client), name, 'usage', id, params] as const,
  }
}
