import type { BodyOf, Brandwave, BrandwaveError, CredentialResource, PathParamsOf, QueryOf, ResponseOf } from '@brandwave/sdk'
import { useMutation, useQuery, useQueryClient, type QueryKey, type UseMutationResult, type UseQueryResult } from '@tanstack/react-query'
import { brandwaveKeys, type CredentialListParams } from './keys.js'
import { useBrandwave } from './provider.js'
import { brandwaveQueries } from './queries.js'

type Params<F extends (...args: never[]) => unknown> = Parameters<F>[0]
type Result<F extends (...args: never[]) => unknown> = Awaited<ReturnType<F>>
type Mutation<F extends (...args: never[]) => unknown> = UseMutationResult<Result<F>, BrandwaveError, Params<F>>

/** The operation names behind `bw.personalAccessTokens` or `bw.apiKeys`. */
type NamesOf<R> = R extends CredentialResource<infer N> ? N : never
type CredentialNames = NamesOf<Brandwave['personalAccessTokens']> | NamesOf<Brandwave['apiKeys']>

/** A mutation that waits for the queries it changes to be refetched before it settles. */
function useInvalidatingMutation<P, R>(call: (client: Brandwave, params: P) => Promise<R>, invalidates: (client: Brandwave) => readonly QueryKey[]): UseMutationResult<R, BrandwaveError, P> {
  const client = useBrandwave()
  const queryClient = useQueryClient()
  return useMutation<R, BrandwaveError, P>({
    mutationFn: (params) => call(client, params),
    onSuccess: async () => {
      await Promise.all(invalidates(client).map((queryKey) => queryClient.invalidateQueries({ queryKey })))
    },
  })
}

/**
 * Every hook of one credential kind. Mutations wait for the lists and details of that kind
 * to be refetched before they settle, so the UI never shows the state before them (a
 * rotation changes two credentials; only the queries on screen refetch).
 */
function credentialHooks<N extends CredentialNames>(kind: 'personalAccessTokens' | 'apiKeys', resourceOf: (client: Brandwave) => CredentialResource<N>) {
  const changed = (client: Brandwave) => [brandwaveKeys[kind].lists(client), brandwaveKeys[kind].details(client)]
  return {
    useList: (params: CredentialListParams = {}): UseQueryResult<ResponseOf<'listPersonalAccessTokens'>, BrandwaveError> =>
      useQuery(brandwaveQueries[kind].list(useBrandwave(), params)),
    useGet: (id: string): UseQueryResult<ResponseOf<'getPersonalAccessToken'>, BrandwaveError> => useQuery(brandwaveQueries[kind].detail(useBrandwave(), id)),
    useCreate: (): UseMutationResult<ResponseOf<N['create']>, BrandwaveError, BodyOf<N['create']>> =>
      useInvalidatingMutation((client, params: BodyOf<N['create']>) => resourceOf(client).create(params), changed),
    useUpdate: (): UseMutationResult<ResponseOf<N['update']>, BrandwaveError, PathParamsOf<N['update']> & BodyOf<N['update']>> =>
      useInvalidatingMutation((client, params: PathParamsOf<N['update']> & BodyOf<N['update']>) => resourceOf(client).update(params), changed),
    useRevoke: (): UseMutationResult<ResponseOf<N['revoke']>, BrandwaveError, PathParamsOf<N['revoke']>> =>
      useInvalidatingMutation((client, params: PathParamsOf<N['revoke']>) => resourceOf(client).revoke(params), changed),
    useRotate: (): UseMutationResult<ResponseOf<N['rotate']>, BrandwaveError, PathParamsOf<N['rotate']> & NonNullable<BodyOf<N['rotate']>>> =>
      useInvalidatingMutation((client, params: PathParamsOf<N['rotate']> & NonNullable<BodyOf<N['rotate']>>) => resourceOf(client).rotate(params), changed),
    useDisable: (): UseMutationResult<ResponseOf<N['disable']>, BrandwaveError, PathParamsOf<N['disable']>> =>
      useInvalidatingMutation((client, params: PathParamsOf<N['disable']>) => resourceOf(client).disable(params), changed),
    useEnable: (): UseMutationResult<ResponseOf<N['enable']>, BrandwaveError, PathParamsOf<N['enable']>> =>
      useInvalidatingMutation((client, params: PathParamsOf<N['enable']>) => resourceOf(client).enable(params), changed),
  }
}

const pats = credentialHooks('personalAccessTokens', (client) => client.personalAccessTokens)
const apiKeys = credentialHooks('apiKeys', (client) => client.apiKeys)

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
/**
 * Switches a token off until it is enabled again (refused with reason `DISABLED` meanwhile).
 *
 * @example
 * const { mutate } = useDisablePersonalAccessToken()
 * mutate({ id: 'abc-123' })
 */
export const useDisablePersonalAccessToken = pats.useDisable
/** @example const { mutate } = useEnablePersonalAccessToken(); mutate({ id }) */
export const useEnablePersonalAccessToken = pats.useEnable

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
/** Switches a key off until it is enabled again. @example const { mutate } = useDisableApiKey(); mutate({ id }) */
export const useDisableApiKey = apiKeys.useDisable
/** Switches a disabled key on again. @example const { mutate } = useEnableApiKey(); mutate({ id }) */
export const useEnableApiKey = apiKeys.useEnable

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

/** @example const { mutate } = useChangeMemberRole(); mutate({ userId, role: 'company_admin' }) */
export function useChangeMemberRole(): Mutation<Brandwave['members']['changeRole']> {
  return useInvalidatingMutation((client, params: Params<Brandwave['members']['changeRole']>) => client.members.changeRole(params), (client) => [brandwaveKeys.members.all(client)])
}

/** Removes a member (their PATs and sessions here end too). @example const { mutate } = useRemoveMember(); mutate({ userId }) */
export function useRemoveMember(): Mutation<Brandwave['members']['remove']> {
  return useInvalidatingMutation((client, params: Params<Brandwave['members']['remove']>) => client.members.remove(params), (client) => [brandwaveKeys.members.all(client), brandwaveKeys.auditLogs.all(client)])
}

/**
 * Ends every other session of yours. Needs `currentPassword` (or, with 2FA on, `twoFactorCode`):
 * without it `error.details[0].reason` is `STEP_UP_REQUIRED`, wrong `WRONG_PASSWORD` or `WRONG_CODE`.
 *
 * @example const { mutate } = useChangePassword(); mutate({ currentPassword, newPassword })
 */
export function useChangePassword(): Mutation<Brandwave['auth']['changePassword']> {
  return useInvalidatingMutation((client, params: Params<Brandwave['auth']['changePassword']>) => client.auth.changePassword(params), () => [])
}

/**
 * Sends a confirmation link to a new address; it becomes yours when the link is opened. Needs
 * `currentPassword` (or, with 2FA on, `twoFactorCode`).
 *
 * @example const { mutate } = useRequestEmailChange(); mutate({ email, currentPassword })
 */
export function useRequestEmailChange(): Mutation<Brandwave['auth']['requestEmailChange']> {
  return useInvalidatingMutation((client, params: Params<Brandwave['auth']['requestEmailChange']>) => client.auth.requestEmailChange(params), () => [])
}

/** Confirms a new address with the link's token. @example const { mutate } = useConfirmEmailChange(); mutate({ token }) */
export function useConfirmEmailChange(): Mutation<Brandwave['auth']['confirmEmailChange']> {
  return useInvalidatingMutation((client, params: Params<Brandwave['auth']['confirmEmailChange']>) => client.auth.confirmEmailChange(params), (client) => [brandwaveKeys.me(client)])
}

/**
 * Starts 2FA enrolment: `data.data.otpauthUrl` for a QR code, `secret` to type. Needs
 * `currentPassword`, however recent the sign-in.
 *
 * @example const { mutate } = useSetUpTwoFactor(); mutate({ currentPassword })
 */
export function useSetUpTwoFactor(): Mutation<Brandwave['auth']['twoFactor']['setup']> {
  return useInvalidatingMutation((client, params: Params<Brandwave['auth']['twoFactor']['setup']>) => client.auth.twoFactor.setup(params), () => [])
}

/** Turns 2FA on; `data.data.recoveryCodes` are shown only now. Needs `currentPassword` too. @example const { mutate } = useEnableTwoFactor(); mutate({ code, currentPassword }) */
export function useEnableTwoFactor(): Mutation<Brandwave['auth']['twoFactor']['enable']> {
  return useInvalidatingMutation((client, params: Params<Brandwave['auth']['twoFactor']['enable']>) => client.auth.twoFactor.enable(params), (client) => [brandwaveKeys.me(client)])
}

/** The code (or an unused recovery code) is the proof this needs. @example const { mutate } = useDisableTwoFactor(); mutate({ code }) */
export function useDisableTwoFactor(): Mutation<Brandwave['auth']['twoFactor']['disable']> {
  return useInvalidatingMutation((client, params: Params<Brandwave['auth']['twoFactor']['disable']>) => client.auth.twoFactor.disable(params), (client) => [brandwaveKeys.me(client)])
}

/** Ten new recovery codes; the old ones stop working. @example const { mutate } = useRegenerateRecoveryCodes(); mutate({ currentPassword }) */
export function useRegenerateRecoveryCodes(): Mutation<Brandwave['auth']['twoFactor']['regenerateRecoveryCodes']> {
  return useInvalidatingMutation((client, params: Params<Brandwave['auth']['twoFactor']['regenerateRecoveryCodes']>) => client.auth.twoFactor.regenerateRecoveryCodes(params), () => [])
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
  return useInvalidatingMutation((client, params: Params<Brandwave['invitations']['create']>) => client.invitations.create(params), (client) => [brandwaveKeys.invitations.all(client)])
}

/** Its link stops working at once. @example const { mutate } = useWithdrawInvitation(); mutate({ id }) */
export function useWithdrawInvitation(): Mutation<Brandwave['invitations']['withdraw']> {
  return useInvalidatingMutation((client, params: Params<Brandwave['invitations']['withdraw']>) => client.invitations.withdraw(params), (client) => [brandwaveKeys.invitations.all(client)])
}

/** Apps the signed-in user let act for them through OAuth. @example const { data } = useAuthorizedApps() */
export function useAuthorizedApps(): UseQueryResult<ResponseOf<'listAuthorizedApps'>, BrandwaveError> {
  return useQuery(brandwaveQueries.authorizedApps(useBrandwave()))
}

/** Every token the app holds for the user stops working at once. @example const { mutate } = useRevokeAuthorizedApp(); mutate({ clientId }) */
export function useRevokeAuthorizedApp(): Mutation<Brandwave['authorizedApps']['revoke']> {
  return useInvalidatingMutation((client, params: Params<Brandwave['authorizedApps']['revoke']>) => client.authorizedApps.revoke(params), (client) => [brandwaveKeys.authorizedApps(client)])
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
  return useInvalidatingMutation((client, params: Params<Brandwave['webhookEndpoints']['create']>) => client.webhookEndpoints.create(params), (client) => [brandwaveKeys.webhookEndpoints.all(client)])
}

/** @example const { mutate } = useUpdateWebhookEndpoint(); mutate({ id, status: 'disabled' }) */
export function useUpdateWebhookEndpoint(): Mutation<Brandwave['webhookEndpoints']['update']> {
  return useInvalidatingMutation((client, params: Params<Brandwave['webhookEndpoints']['update']>) => client.webhookEndpoints.update(params), (client) => [brandwaveKeys.webhookEndpoints.all(client)])
}

/** @example const { mutate } = useDeleteWebhookEndpoint(); mutate({ id }) */
export function useDeleteWebhookEndpoint(): Mutation<Brandwave['webhookEndpoints']['delete']> {
  const client = useBrandwave()
  const queryClient = useQueryClient()
  return useMutation<Result<Brandwave['webhookEndpoints']['delete']>, BrandwaveError, Params<Brandwave['webhookEndpoints']['delete']>>({
    mutationFn: (params) => client.webhookEndpoints.delete(params),
    onSuccess: async (_result, params) => {
      // Its delivery log is gone with it: dropped, not refetched into a 404.
      queryClient.removeQueries({ queryKey: brandwaveKeys.webhookEndpoints.allDeliveries(client, params.id) })
      await queryClient.invalidateQueries({ queryKey: brandwaveKeys.webhookEndpoints.lists(client) })
    },
  })
}

/** A new signing secret, shown only now; the old one keeps signing for 24 hours. @example const { mutate } = useRotateWebhookSecret(); mutate({ id }) */
export function useRotateWebhookSecret(): Mutation<Brandwave['webhookEndpoints']['rotateSecret']> {
  return useInvalidatingMutation(
    (client, params: Params<Brandwave['webhookEndpoints']['rotateSecret']>) => client.webhookEndpoints.rotateSecret(params),
    (client) => [brandwaveKeys.webhookEndpoints.all(client)],
  )
}

/** Sends a delivery again, with the same `webhook-id`. @example const { mutate } = useRetryWebhookDelivery(); mutate({ id, deliveryId }) */
export function useRetryWebhookDelivery(): Mutation<Brandwave['webhookEndpoints']['retryDelivery']> {
  return useInvalidatingMutation(
    (client, params: Params<Brandwave['webhookEndpoints']['retryDelivery']>) => client.webhookEndpoints.retryDelivery(params),
    (client) => [brandwaveKeys.webhookEndpoints.all(client)],
  )
}
