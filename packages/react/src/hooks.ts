import type { Brandwave, BrandwaveError, QueryOf, ResponseOf } from '@brandwave/sdk'
import { useMutation, useQuery, useQueryClient, type UseMutationResult, type UseQueryResult } from '@tanstack/react-query'
import { brandwaveKeys, type CredentialListParams } from './keys.js'
import { useBrandwave } from './provider.js'
import { brandwaveQueries } from './queries.js'

type Params<F extends (...args: never[]) => unknown> = Parameters<F>[0]
type Result<F extends (...args: never[]) => unknown> = Awaited<ReturnType<F>>
type Mutation<F extends (...args: never[]) => unknown> = UseMutationResult<Result<F>, BrandwaveError, Params<F>>

/**
 * Every hook of one credential kind. Mutations wait for the lists (and the detail) they
 * change to be refetched before they settle, so the UI never shows the state before them.
 */
function credentialHooks<K extends 'personalAccessTokens' | 'apiKeys'>(kind: K) {
  type R = Brandwave[K]

  function useCredentialMutation<F extends (params: never) => Promise<unknown>>(call: (client: Brandwave) => F): Mutation<F> {
    const client = useBrandwave()
    const queryClient = useQueryClient()
    return useMutation<Result<F>, BrandwaveError, Params<F>>({
      mutationFn: (params) => call(client)(params) as Promise<Result<F>>,
      onSuccess: async (_result, params) => {
        const id = (params as { id?: unknown }).id
        await Promise.all([
          queryClient.invalidateQueries({ queryKey: brandwaveKeys[kind].lists() }),
          typeof id === 'string' ? queryClient.invalidateQueries({ queryKey: brandwaveKeys[kind].detail(id) }) : undefined,
        ])
      },
    })
  }

  return {
    useList: (params: CredentialListParams = {}): UseQueryResult<ResponseOf<'listPersonalAccessTokens'>, BrandwaveError> =>
      useQuery(brandwaveQueries[kind].list(useBrandwave(), params)),
    useGet: (id: string): UseQueryResult<ResponseOf<'getPersonalAccessToken'>, BrandwaveError> => useQuery(brandwaveQueries[kind].detail(useBrandwave(), id)),
    useCreate: (): Mutation<R['create']> => useCredentialMutation((client) => client[kind].create as R['create']),
    useUpdate: (): Mutation<R['update']> => useCredentialMutation((client) => client[kind].update as R['update']),
    useRevoke: (): Mutation<R['revoke']> => useCredentialMutation((client) => client[kind].revoke as R['revoke']),
    useRotate: (): Mutation<R['rotate']> => useCredentialMutation((client) => client[kind].rotate as R['rotate']),
  }
}

const pats = credentialHooks('personalAccessTokens')
const apiKeys = credentialHooks('apiKeys')

/**
 * Creates a personal access token; `data.data.token` is its secret, shown only now.
 *
 * @example
 * const { mutate, isPending } = useCreatePersonalAccessToken()
 * mutate({ name: 'My Campaign' })
 */
export const useCreatePersonalAccessToken = pats.useCreate
/**
 * Your tokens: `{ items, totalCount, facets, nextCursor }`, filtered and paginated by `params`.
 *
 * @example
 * const { data, isLoading } = useListPersonalAccessTokens({ status: 'active' })
 */
export const useListPersonalAccessTokens = pats.useList
/** @example const { data } = useGetPersonalAccessToken(id) */
export const useGetPersonalAccessToken = pats.useGet
/** @example const { mutate } = useUpdatePersonalAccessToken(); mutate({ id, name: 'Renamed' }) */
export const useUpdatePersonalAccessToken = pats.useUpdate
/**
 * Revokes a token at once.
 *
 * @example
 * const { mutate } = useRevokePersonalAccessToken()
 * mutate({ id: 'abc-123' })
 */
export const useRevokePersonalAccessToken = pats.useRevoke
/**
 * Rotates a token: a new secret with the same settings.
 *
 * @example
 * const { mutate } = useRotatePersonalAccessToken()
 * mutate({ id: 'abc-123' })
 */
export const useRotatePersonalAccessToken = pats.useRotate

/** @example const { mutate } = useCreateApiKey(); mutate({ name: 'Zapier sync', scopes: ['contacts:read'] }) */
export const useCreateApiKey = apiKeys.useCreate
/** @example const { data } = useListApiKeys({ environment: 'live' }) */
export const useListApiKeys = apiKeys.useList
/** @example const { data } = useGetApiKey(id) */
export const useGetApiKey = apiKeys.useGet
/** @example const { mutate } = useUpdateApiKey(); mutate({ id, allowedIps: ['203.0.113.0/24'] }) */
export const useUpdateApiKey = apiKeys.useUpdate
/** @example const { mutate } = useRevokeApiKey(); mutate({ id }) */
export const useRevokeApiKey = apiKeys.useRevoke
/** @example const { mutate } = useRotateApiKey(); mutate({ id, gracePeriodSeconds: 3600 }) */
export const useRotateApiKey = apiKeys.useRotate

/** Who is calling. @example const { data } = useMe(); data?.data.type */
export function useMe(): UseQueryResult<ResponseOf<'getMe'>, BrandwaveError> {
  return useQuery(brandwaveQueries.me(useBrandwave()))
}

/** The organizations the signed-in user belongs to, with their role in each. @example const { data } = useMyOrganizations() */
export function useMyOrganizations(): UseQueryResult<ResponseOf<'listMyOrganizations'>, BrandwaveError> {
  return useQuery(brandwaveQueries.myOrganizations(useBrandwave()))
}

/** The scope catalog (cached for the session). @example const { data } = useScopes() */
export function useScopes(): UseQueryResult<ResponseOf<'listScopes'>, BrandwaveError> {
  return useQuery(brandwaveQueries.scopes(useBrandwave()))
}

/** @example const { data } = useMembers({ role: 'member' }) */
export function useMembers(params: QueryOf<'listMembers'> = {}): UseQueryResult<ResponseOf<'listMembers'>, BrandwaveError> {
  return useQuery(brandwaveQueries.members(useBrandwave(), params))
}

/** @example const { data } = useAuditLogs({ action: 'credential.revoked' }) */
export function useAuditLogs(params: QueryOf<'listAuditEvents'> = {}): UseQueryResult<ResponseOf<'listAuditEvents'>, BrandwaveError> {
  return useQuery(brandwaveQueries.auditLogs(useBrandwave(), params))
}

/** A mutation that waits for the queries it changes to be refetched before it settles. */
function useInvalidatingMutation<P, R>(call: (client: Brandwave, params: P) => Promise<R>, invalidates: readonly (readonly string[])[]): UseMutationResult<R, BrandwaveError, P> {
  const client = useBrandwave()
  const queryClient = useQueryClient()
  return useMutation<R, BrandwaveError, P>({
    mutationFn: (params) => call(client, params),
    onSuccess: async () => {
      await Promise.all(invalidates.map((queryKey) => queryClient.invalidateQueries({ queryKey })))
    },
  })
}

/** @example const { mutate } = useChangeMemberRole(); mutate({ userId, role: 'company_admin' }) */
export function useChangeMemberRole(): Mutation<Brandwave['members']['changeRole']> {
  return useInvalidatingMutation((client, params: Params<Brandwave['members']['changeRole']>) => client.members.changeRole(params), [brandwaveKeys.members.all()])
}

/** Removes a member (their PATs and sessions here end too). @example const { mutate } = useRemoveMember(); mutate({ userId }) */
export function useRemoveMember(): Mutation<Brandwave['members']['remove']> {
  return useInvalidatingMutation((client, params: Params<Brandwave['members']['remove']>) => client.members.remove(params), [brandwaveKeys.members.all(), brandwaveKeys.auditLogs.all()])
}

/** Ends every other session of yours. @example const { mutate } = useChangePassword(); mutate({ currentPassword, newPassword }) */
export function useChangePassword(): Mutation<Brandwave['auth']['changePassword']> {
  return useInvalidatingMutation((client, params: Params<Brandwave['auth']['changePassword']>) => client.auth.changePassword(params), [])
}

/**
 * Starts 2FA enrolment: `data.data.otpauthUrl` for a QR code, `secret` to type. `currentPassword`
 * is needed unless the user signed in within the last 10 minutes.
 *
 * @example const { mutate } = useSetUpTwoFactor(); mutate({ currentPassword })
 */
export function useSetUpTwoFactor(): UseMutationResult<ResponseOf<'setUpTwoFactor'>, BrandwaveError, { currentPassword?: string }> {
  return useInvalidatingMutation((client, params: { currentPassword?: string }) => client.auth.twoFactor.setup(params), [])
}

/** Turns 2FA on; `data.data.recoveryCodes` are shown only now. @example const { mutate } = useEnableTwoFactor(); mutate({ code }) */
export function useEnableTwoFactor(): Mutation<Brandwave['auth']['twoFactor']['enable']> {
  return useInvalidatingMutation((client, params: Params<Brandwave['auth']['twoFactor']['enable']>) => client.auth.twoFactor.enable(params), [brandwaveKeys.me()])
}

/** @example const { mutate } = useDisableTwoFactor(); mutate({ code }) */
export function useDisableTwoFactor(): Mutation<Brandwave['auth']['twoFactor']['disable']> {
  return useInvalidatingMutation((client, params: Params<Brandwave['auth']['twoFactor']['disable']>) => client.auth.twoFactor.disable(params), [brandwaveKeys.me()])
}

/** Pending invitations, newest first. @example const { data } = useInvitations() */
export function useInvitations(params: QueryOf<'listInvitations'> = {}): UseQueryResult<ResponseOf<'listInvitations'>, BrandwaveError> {
  return useQuery(brandwaveQueries.invitations(useBrandwave(), params))
}

/**
 * Invites an address with a role; `data.data.acceptUrl` is the link, shown only now.
 *
 * @example
 * const { mutate } = useCreateInvitation()
 * mutate({ email: 'grace@example.com', role: 'member' })
 */
export function useCreateInvitation(): Mutation<Brandwave['invitations']['create']> {
  return useInvalidatingMutation((client, params: Params<Brandwave['invitations']['create']>) => client.invitations.create(params), [brandwaveKeys.invitations.all()])
}

/** Its link stops working at once. @example const { mutate } = useWithdrawInvitation(); mutate({ id }) */
export function useWithdrawInvitation(): Mutation<Brandwave['invitations']['withdraw']> {
  return useInvalidatingMutation((client, params: Params<Brandwave['invitations']['withdraw']>) => client.invitations.withdraw(params), [brandwaveKeys.invitations.all()])
}

/** Apps the signed-in user let act for them through OAuth. @example const { data } = useAuthorizedApps() */
export function useAuthorizedApps(): UseQueryResult<ResponseOf<'listAuthorizedApps'>, BrandwaveError> {
  return useQuery(brandwaveQueries.authorizedApps(useBrandwave()))
}

/** Every token the app holds for the user stops working at once. @example const { mutate } = useRevokeAuthorizedApp(); mutate({ clientId }) */
export function useRevokeAuthorizedApp(): Mutation<Brandwave['authorizedApps']['revoke']> {
  return useInvalidatingMutation((client, params: Params<Brandwave['authorizedApps']['revoke']>) => client.authorizedApps.revoke(params), [brandwaveKeys.authorizedApps()])
}

/** The organization's webhook endpoints. @example const { data } = useWebhookEndpoints() */
export function useWebhookEndpoints(params: QueryOf<'listWebhookEndpoints'> = {}): UseQueryResult<ResponseOf<'listWebhookEndpoints'>, BrandwaveError> {
  return useQuery(brandwaveQueries.webhookEndpoints(useBrandwave(), params))
}

/** An endpoint's delivery log, newest first (idle while `id` is `''`). @example const { data } = useWebhookDeliveries(endpointId) */
export function useWebhookDeliveries(id: string, params: QueryOf<'listWebhookDeliveries'> = {}): UseQueryResult<ResponseOf<'listWebhookDeliveries'>, BrandwaveError> {
  return useQuery(brandwaveQueries.webhookDeliveries(useBrandwave(), id, params))
}

/**
 * Registers an endpoint; `data.data.secret` (`whsec_…`) is shown only now.
 *
 * @example
 * const { mutate } = useCreateWebhookEndpoint()
 * mutate({ url: 'https://example.com/hooks', events: ['api_key.revoked'] })
 */
export function useCreateWebhookEndpoint(): Mutation<Brandwave['webhookEndpoints']['create']> {
  return useInvalidatingMutation((client, params: Params<Brandwave['webhookEndpoints']['create']>) => client.webhookEndpoints.create(params), [brandwaveKeys.webhookEndpoints.all()])
}

/** @example const { mutate } = useUpdateWebhookEndpoint(); mutate({ id, status: 'disabled' }) */
export function useUpdateWebhookEndpoint(): Mutation<Brandwave['webhookEndpoints']['update']> {
  return useInvalidatingMutation((client, params: Params<Brandwave['webhookEndpoints']['update']>) => client.webhookEndpoints.update(params), [brandwaveKeys.webhookEndpoints.all()])
}

/** @example const { mutate } = useDeleteWebhookEndpoint(); mutate({ id }) */
export function useDeleteWebhookEndpoint(): Mutation<Brandwave['webhookEndpoints']['delete']> {
  const client = useBrandwave()
  const queryClient = useQueryClient()
  return useMutation<Result<Brandwave['webhookEndpoints']['delete']>, BrandwaveError, Params<Brandwave['webhookEndpoints']['delete']>>({
    mutationFn: (params) => client.webhookEndpoints.delete(params),
    onSuccess: async (_result, params) => {
      // Its delivery log is gone with it: dropped, not refetched into a 404.
      queryClient.removeQueries({ queryKey: brandwaveKeys.webhookEndpoints.allDeliveries(params.id) })
      await queryClient.invalidateQueries({ queryKey: brandwaveKeys.webhookEndpoints.lists() })
    },
  })
}

/** A new signing secret, shown only now; the old one keeps signing for 24 hours. @example const { mutate } = useRotateWebhookSecret(); mutate({ id }) */
export function useRotateWebhookSecret(): Mutation<Brandwave['webhookEndpoints']['rotateSecret']> {
  return useInvalidatingMutation(
    (client, params: Params<Brandwave['webhookEndpoints']['rotateSecret']>) => client.webhookEndpoints.rotateSecret(params),
    [brandwaveKeys.webhookEndpoints.all()],
  )
}

/** Sends a delivery again, with the same `webhook-id`. @example const { mutate } = useRetryWebhookDelivery(); mutate({ id, deliveryId }) */
export function useRetryWebhookDelivery(): Mutation<Brandwave['webhookEndpoints']['retryDelivery']> {
  return useInvalidatingMutation(
    (client, params: Params<Brandwave['webhookEndpoints']['retryDelivery']>) => client.webhookEndpoints.retryDelivery(params),
    [brandwaveKeys.webhookEndpoints.all()],
  )
}
