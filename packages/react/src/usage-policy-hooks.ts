import type { Brandwave, BrandwaveError, ResponseOf } from '@brandwave/sdk'
import { useQuery, type UseMutationResult, type UseQueryResult } from '@tanstack/react-query'
import { useInvalidatingMutation } from './hooks.js'
import { brandwaveKeys, type UsageParams } from './keys.js'
import { useBrandwave } from './provider.js'
import { brandwaveQueries } from './queries.js'

type SetPolicy = Brandwave['credentialPolicy']['set']

/**
 * An API key's requests per hour or day, refusals by reason, and its last 10 addresses.
 *
 * @example
 * const { data } = useApiKeyUsage(id, { granularity: 'day' })
 * data?.data.buckets.map((b) => b.accepted)
 */
export function useApiKeyUsage(id: string, params: UsageParams = {}): UseQueryResult<ResponseOf<'getApiKeyUsage'>, BrandwaveError> {
  return useQuery(brandwaveQueries.apiKeys.usage(useBrandwave(), id, params))
}

/** The same for one of your personal access tokens. @example const { data } = usePersonalAccessTokenUsage(id) */
export function usePersonalAccessTokenUsage(id: string, params: UsageParams = {}): UseQueryResult<ResponseOf<'getPersonalAccessTokenUsage'>, BrandwaveError> {
  return useQuery(brandwaveQueries.personalAccessTokens.usage(useBrandwave(), id, params))
}

/** The organization's credential policy. @example const { data } = useCredentialPolicy(); data?.data.expiryRequired */
export function useCredentialPolicy(): UseQueryResult<ResponseOf<'getCredentialPolicy'>, BrandwaveError> {
  return useQuery(brandwaveQueries.credentialPolicy(useBrandwave()))
}

/**
 * Replaces the policy; settles once the policy and the credential lists (whose
 * `policyViolations` it changes) are refetched.
 *
 * @example
 * const { mutate } = useSetCredentialPolicy()
 * mutate({ maxLifetimeSeconds: null, expiryRequired: true, allowedEnvironments: ['live', 'test'], liveRequiresAllowedIps: false })
 */
export function useSetCredentialPolicy(): UseMutationResult<Awaited<ReturnType<SetPolicy>>, BrandwaveError, Parameters<SetPolicy>[0]> {
  return useInvalidatingMutation(
    (client, policy: Parameters<SetPolicy>[0]) => client.credentialPolicy.set(policy),
    (client) => [brandwaveKeys.credentialPolicy(client), brandwaveKeys.apiKeys.all(client), brandwaveKeys.personalAccessTokens.all(client)],
  )
}
