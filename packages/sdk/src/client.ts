import { Transport, type BrandwaveOptions, type RequestOptions } from './transport.js'
import type { BodyOf, Credential, PathParamsOf, QueryOf, ResponseOf } from './types.js'

type CredentialOperationNames = {
  readonly create: 'createPersonalAccessToken' | 'createApiKey'
  readonly list: 'listPersonalAccessTokens' | 'listApiKeys'
  readonly get: 'getPersonalAccessToken' | 'getApiKey'
  readonly update: 'updatePersonalAccessToken' | 'updateApiKey'
  readonly revoke: 'revokePersonalAccessToken' | 'revokeApiKey'
  readonly rotate: 'rotatePersonalAccessToken' | 'rotateApiKey'
  readonly disable: 'disablePersonalAccessToken' | 'disableApiKey'
  readonly enable: 'enablePersonalAccessToken' | 'enableApiKey'
  readonly usage: 'getPersonalAccessTokenUsage' | 'getApiKeyUsage'
}

type ListFilters<N extends CredentialOperationNames['list']> = Omit<NonNullable<QueryOf<N>>, 'cursor'>

/**
 * Create, list, get, update, revoke, rotate, disable and enable one kind of credential.
 *
 * @example
 * // bw.personalAccessTokens and bw.apiKeys are both one:
 * for await (const key of bw.apiKeys.listAll({ status: 'expired' })) await bw.apiKeys.revoke({ id: key.id })
 */
export interface CredentialResource<N extends CredentialOperationNames> {
  /**
   * Creates a credential; `data.token` is its secret, returned only now.
   *
   * @example
   * const { data } = await bw.personalAccessTokens.create({ name: 'My Campaign' })
   * saveSecretSomewhereSafe(data.token)
   */
  create(this: void, params: BodyOf<N['create']>, options?: RequestOptions): Promise<ResponseOf<N['create']>>
  /**
   * One page, newest first, with `totalCount`, `facets` and `nextCursor`.
   *
   * @example
   * const { items, nextCursor } = await bw.personalAccessTokens.list({ status: 'active', limit: 50 })
   */
  list(this: void, params?: QueryOf<N['list']>, options?: RequestOptions): Promise<ResponseOf<N['list']>>
  /**
   * Every matching credential, page after page.
   *
   * @example
   * for await (const token of bw.personalAccessTokens.listAll({ environment: 'live' })) console.log(token.name)
   */
  listAll(this: void, filters?: ListFilters<N['list']>, options?: RequestOptions): AsyncIterableIterator<Credential>
  /**
   * @example
   * const { data } = await bw.personalAccessTokens.get({ id })
   */
  get(this: void, params: PathParamsOf<N['get']>, options?: RequestOptions): Promise<ResponseOf<N['get']>>
  /**
   * Renames, or changes the IP allowlist, rate limit, `externalId`, `metadata`, `remaining` or
   * `refill` (`null` lifts a restriction or clears a field).
   *
   * @example
   * await bw.personalAccessTokens.update({ id, name: 'Nightly export', allowedIps: ['203.0.113.0/24'] })
   * await bw.apiKeys.update({ id, metadata: { plan: 'pro' }, remaining: 1000, refill: { interval: 'monthly', amount: 1000 } })
   */
  update(this: void, params: PathParamsOf<N['update']> & BodyOf<N['update']>, options?: RequestOptions): Promise<ResponseOf<N['update']>>
  /**
   * Revokes at once and for good; revoking again returns the revoked record.
   *
   * @example
   * await bw.personalAccessTokens.revoke({ id: 'abc-123' })
   */
  revoke(this: void, params: PathParamsOf<N['revoke']>, options?: RequestOptions): Promise<ResponseOf<N['revoke']>>
  /**
   * Issues a successor with the same settings; the old one dies now or after `gracePeriodSeconds`.
   *
   * @example
   * const { data } = await bw.personalAccessTokens.rotate({ id, gracePeriodSeconds: 3600 })
   */
  rotate(this: void, params: PathParamsOf<N['rotate']> & NonNullable<BodyOf<N['rotate']>>, options?: RequestOptions): Promise<ResponseOf<N['rotate']>>
  /**
   * Switches it off until `enable`: refused from the next request on (reason `DISABLED`).
   *
   * @example
   * const { data } = await bw.apiKeys.disable({ id }) // data.status === 'disabled'
   */
  disable(this: void, params: PathParamsOf<N['disable']>, options?: RequestOptions): Promise<ResponseOf<N['disable']>>
  /**
   * Switches a disabled one on again; a revoked one stays revoked (409).
   *
   * @example
   * await bw.apiKeys.enable({ id })
   */
  enable(this: void, params: PathParamsOf<N['enable']>, options?: RequestOptions): Promise<ResponseOf<N['enable']>>
  /**
   * Accepted and refused requests per hour or day (refusals by reason), and the last 10
   * addresses it was used from. Counts are written in batches: the newest may lag seconds.
   *
   * @example
   * const { data } = await bw.apiKeys.usage({ id, granularity: 'day' })
   * console.log(data.totals.accepted, data.totals.refusedByReason.RATE_LIMITED ?? 0)
   */
  usage(this: void, params: PathParamsOf<N['usage']> & NonNullable<QueryOf<N['usage']>>, options?: RequestOptions): Promise<ResponseOf<N['usage']>>
}

function credentialResource<N extends CredentialOperationNames>(transport: Transport, names: N): CredentialResource<N> {
  const resource: CredentialResource<N> = {
    create: (params, options) => transport.call<N['create']>(names.create, { body: params }, options),
    list: (params, options) => transport.call<N['list']>(names.list, { query: params }, options),
    async *listAll(filters, options) {
      let cursor: string | undefined
      do {
        // Both kinds list the same shape of page.
        const page = (await resource.list({ ...filters, ...(cursor !== undefined && { cursor }) } as QueryOf<N['list']>, options)) as ResponseOf<'listPersonalAccessTokens'>
        yield* page.items
        cursor = page.nextCursor ?? undefined
      } while (cursor !== undefined)
    },
    get: ({ id }, options) => transport.call<N['get']>(names.get, { params: { id } }, options),
    update: ({ id, ...changes }, options) => transport.call<N['update']>(names.update, { params: { id }, body: changes }, options),
    revoke: ({ id }, options) => transport.call<N['revoke']>(names.revoke, { params: { id } }, options),
    rotate: ({ id, ...settings }, options) => transport.call<N['rotate']>(names.rotate, { params: { id }, body: settings }, options),
    disable: ({ id }, options) => transport.call<N['disable']>(names.disable, { params: { id } }, options),
    enable: ({ id }, options) => transport.call<N['enable']>(names.enable, { params: { id } }, options),
    usage: ({ id, ...range }, options) => transport.call<N['usage']>(names.usage, { params: { id }, query: range }, options),
  }
  return resource
}

/*
 * Each part of the client is written once: a function that builds it, whose methods carry
 * their documentation and name the operation they call (`routes.ts` maps operations to
 * HTTP). The class's fields take their types from these functions.
 */

const PERSONAL_ACCESS_TOKEN_OPERATIONS = {
  create: 'createPersonalAccessToken',
  list: 'listPersonalAccessTokens',
  get: 'getPersonalAccessToken',
  update: 'updatePersonalAccessToken',
  revoke: 'revokePersonalAccessToken',
  rotate: 'rotatePersonalAccessToken',
  disable: 'disablePersonalAccessToken',
  enable: 'enablePersonalAccessToken',
  usage: 'getPersonalAccessTokenUsage',
} as const

const API_KEY_OPERATIONS = {
  create: 'createApiKey',
  list: 'listApiKeys',
  get: 'getApiKey',
  update: 'updateApiKey',
  revoke: 'revokeApiKey',
  rotate: 'rotateApiKey',
  disable: 'disableApiKey',
  enable: 'enableApiKey',
  usage: 'getApiKeyUsage',
} as const

function authApi(transport: Transport) {
  return {
    /**
     * Signs in; the client then calls with the session (refreshing it when it expires).
     *
     * @example
     * const bw = new Brandwave({ baseUrl, onTokens: (pair) => store.save(pair) })
     * await bw.auth.login({ email, password, twoFactorCode })
     */
    async login(params: BodyOf<'login'>, options?: RequestOptions): Promise<ResponseOf<'login'>> {
      const result = await transport.call('login', { body: params }, options)
      await transport.adopt(result.data)
      return result
    },
    /** @example await bw.auth.refresh({ refreshToken }) */
    async refresh(params: BodyOf<'refreshSession'>, options?: RequestOptions): Promise<ResponseOf<'refreshSession'>> {
      const result = await transport.call('refreshSession', { body: params }, options)
      await transport.adopt(result.data)
      return result
    },
    /** Ends the session at once; the client forgets its tokens. @example await bw.auth.logout() */
    async logout(options?: RequestOptions): Promise<ResponseOf<'logout'>> {
      // With the refresh token too, logging out works after the access token expired.
      const refreshToken = transport.heldRefreshToken
      const result = await transport.call('logout', { body: refreshToken === undefined ? {} : { refreshToken } }, options)
      transport.forgetSession()
      return result
    },
    /**
     * Creates an account: with `organizationName` a new organization (when sign-up is open),
     * with `invitationToken` (from the invitation link's `#token=`) a place in the inviting one.
     *
     * @example
     * await bw.auth.signup({ email, password, name, invitationToken: new URLSearchParams(location.hash.slice(1)).get('token')! })
     */
    signup: (params: BodyOf<'signup'>, options?: RequestOptions) => transport.call('signup', { body: params }, options),
    /**
     * Ends every other session. Needs `currentPassword` (or, with 2FA on, `twoFactorCode`) however
     * recent the sign-in: without it a `BrandwaveError` with status 403 and `details[0].reason`
     * `STEP_UP_REQUIRED`; wrong, 401 `invalid_credentials` (`WRONG_PASSWORD`, `WRONG_CODE`).
     *
     * @example await bw.auth.changePassword({ currentPassword, newPassword })
     */
    changePassword: (params: BodyOf<'changePassword'>, options?: RequestOptions) => transport.call('changePassword', { body: params }, options),
    /**
     * Emails a confirmation link to the new address; the address changes when it is opened.
     * Needs `currentPassword` (or, with 2FA on, `twoFactorCode`).
     *
     * @example await bw.auth.requestEmailChange({ email: 'ada@new.example', currentPassword })
     */
    requestEmailChange: (params: BodyOf<'requestEmailChange'>, options?: RequestOptions) => transport.call('requestEmailChange', { body: params }, options),
    /**
     * Makes the new address the account's, with the token from the confirmation link.
     *
     * @example
     * await bw.auth.confirmEmailChange({ token: new URLSearchParams(location.hash.slice(1)).get('token')! })
     */
    confirmEmailChange: (params: BodyOf<'confirmEmailChange'>, options?: RequestOptions) => transport.call('confirmEmailChange', { body: params }, options),
    /**
     * Emails a reset link if the address has an account; answers the same either way.
     *
     * @example
     * await bw.auth.requestPasswordReset({ email: 'ada@example.com' })
     */
    requestPasswordReset: (params: BodyOf<'requestPasswordReset'>, options?: RequestOptions) => transport.call('requestPasswordReset', { body: params }, options),
    /**
     * Sets a new password with the token from the reset link; ends every session of the user.
     *
     * @example
     * await bw.auth.confirmPasswordReset({ token: new URLSearchParams(location.hash.slice(1)).get('token')!, newPassword })
     */
    confirmPasswordReset: (params: BodyOf<'confirmPasswordReset'>, options?: RequestOptions) => transport.call('confirmPasswordReset', { body: params }, options),
    /**
     * Sessions of pages served by Brandwave (the dashboard): the refresh token stays in an
     * HttpOnly cookie, the access token in this client's memory. Needs `sessionCookie: true`.
     */
    browserSession: {
      /** @example await bw.auth.browserSession.start({ email, password }) */
      async start(params: BodyOf<'startBrowserSession'>, options?: RequestOptions): Promise<ResponseOf<'startBrowserSession'>> {
        const result = await transport.call('startBrowserSession', { body: params }, options)
        transport.adoptAccessToken(result.data.accessToken)
        return result
      },
      /** Resumes the session after a reload; 401 when there is none. @example await bw.auth.browserSession.resume() */
      async resume(options?: RequestOptions): Promise<ResponseOf<'refreshBrowserSession'>> {
        const result = await transport.call('refreshBrowserSession', {}, options)
        transport.adoptAccessToken(result.data.accessToken)
        return result
      },
      /** @example await bw.auth.browserSession.end() */
      async end(options?: RequestOptions): Promise<ResponseOf<'endBrowserSession'>> {
        const result = await transport.call('endBrowserSession', {}, options)
        transport.forgetSession()
        return result
      },
      /** Moves the session to another of your organizations. @example await bw.auth.browserSession.switchOrganization({ organizationId }) */
      async switchOrganization(params: BodyOf<'switchBrowserSession'>, options?: RequestOptions): Promise<ResponseOf<'switchBrowserSession'>> {
        const result = await transport.call('switchBrowserSession', { body: params }, options)
        transport.adoptAccessToken(result.data.accessToken)
        return result
      },
    },
    /** The organizations the signed-in user belongs to, with their role in each. @example const { data } = await bw.auth.organizations() */
    organizations: (options?: RequestOptions) => transport.call('listMyOrganizations', {}, options),
    twoFactor: {
      /**
       * Starts enrolment; needs `currentPassword`, however recent the sign-in.
       *
       * @example const { data } = await bw.auth.twoFactor.setup({ currentPassword }); showQrCode(data.otpauthUrl)
       */
      setup: (params: BodyOf<'setUpTwoFactor'>, options?: RequestOptions) => transport.call('setUpTwoFactor', { body: params }, options),
      /** Needs `currentPassword` too. @example const { data } = await bw.auth.twoFactor.enable({ code: '123456', currentPassword }); show(data.recoveryCodes) */
      enable: (params: BodyOf<'enableTwoFactor'>, options?: RequestOptions) => transport.call('enableTwoFactor', { body: params }, options),
      /** The code (or an unused recovery code) is the proof this needs. @example await bw.auth.twoFactor.disable({ code: '123456' }) */
      disable: (params: BodyOf<'disableTwoFactor'>, options?: RequestOptions) => transport.call('disableTwoFactor', { body: params }, options),
      /**
       * Ten new recovery codes; the old ones stop working. Needs `currentPassword` or `twoFactorCode`.
       *
       * @example const { data } = await bw.auth.twoFactor.regenerateRecoveryCodes({ twoFactorCode: '123456' }); show(data.recoveryCodes)
       */
      regenerateRecoveryCodes: (params: BodyOf<'regenerateRecoveryCodes'>, options?: RequestOptions) => transport.call('regenerateRecoveryCodes', { body: params }, options),
    },
  }
}

function membersApi(transport: Transport) {
  return {
    /** @example const { items } = await bw.members.list({ role: 'member' }) */
    list: (params?: QueryOf<'listMembers'>, options?: RequestOptions) => transport.call('listMembers', { query: params }, options),
    /** @example await bw.members.changeRole({ userId, role: 'company_admin' }) */
    changeRole: ({ userId, ...body }: PathParamsOf<'changeMemberRole'> & BodyOf<'changeMemberRole'>, options?: RequestOptions) =>
      transport.call('changeMemberRole', { params: { userId }, body }, options),
    /** Also revokes their PATs and ends their sessions here. @example await bw.members.remove({ userId }) */
    remove: ({ userId }: PathParamsOf<'removeMember'>, options?: RequestOptions) => transport.call('removeMember', { params: { userId } }, options),
    /** Signs the member out of this organization everywhere; their tokens stay. @example await bw.members.endSessions({ userId }) */
    endSessions: ({ userId }: PathParamsOf<'endMemberSessions'>, options?: RequestOptions) => transport.call('endMemberSessions', { params: { userId } }, options),
  }
}

function invitationsApi(transport: Transport) {
  return {
    /**
     * Invites an address with a role; the response's `acceptUrl` is shown once.
     *
     * @example
     * const { data } = await bw.invitations.create({ email: 'grace@example.com', role: 'member' })
     */
    create: (params: BodyOf<'createInvitation'>, options?: RequestOptions) => transport.call('createInvitation', { body: params }, options),
    /** Pending invitations, newest first. @example const { items } = await bw.invitations.list() */
    list: (params?: QueryOf<'listInvitations'>, options?: RequestOptions) => transport.call('listInvitations', { query: params }, options),
    /** Its link stops working at once. @example await bw.invitations.withdraw({ id }) */
    withdraw: ({ id }: PathParamsOf<'withdrawInvitation'>, options?: RequestOptions) => transport.call('withdrawInvitation', { params: { id } }, options),
    /**
     * Accepts as the signed-in user, whose email must be the invited address.
     *
     * @example
     * await bw.invitations.accept({ token: new URLSearchParams(location.hash.slice(1)).get('token')! })
     */
    accept: (params: BodyOf<'acceptInvitation'>, options?: RequestOptions) => transport.call('acceptInvitation', { body: params }, options),
  }
}

function scopesApi(transport: Transport) {
  return {
    /** @example const { items } = await bw.scopes.list() */
    list: (options?: RequestOptions) => transport.call('listScopes', {}, options),
  }
}

function keysApi(transport: Transport) {
  return {
    /**
     * Checks a key one of your customers sent your service (needs `api_keys:workflow`).
     *
     * @example
     * const { data } = await bw.keys.verify({ key: presented, requiredScopes: ['contacts:read'], ip: clientIp })
     * if (!data.valid) return reply.code(401).send({ error: data.code })
     */
    verify: (params: BodyOf<'verifyKey'>, options?: RequestOptions) => transport.call('verifyKey', { body: params }, options),
  }
}

function auditLogsApi(transport: Transport) {
  return {
    /** @example const { items } = await bw.auditLogs.list({ action: 'credential.revoked' }) */
    list: (params?: QueryOf<'listAuditEvents'>, options?: RequestOptions) => transport.call('listAuditEvents', { query: params }, options),
  }
}

function webhookEndpointsApi(transport: Transport) {
  return {
    /**
     * Registers an endpoint; `data.secret` (`whsec_…`) is returned only now.
     *
     * @example
     * const { data } = await bw.webhookEndpoints.create({ url: 'https://example.com/hooks', events: ['api_key.revoked'] })
     * saveSecretSomewhereSafe(data.secret)
     */
    create: (params: BodyOf<'createWebhookEndpoint'>, options?: RequestOptions) => transport.call('createWebhookEndpoint', { body: params }, options),
    /** @example const { items } = await bw.webhookEndpoints.list() */
    list: (params?: QueryOf<'listWebhookEndpoints'>, options?: RequestOptions) => transport.call('listWebhookEndpoints', { query: params }, options),
    /** @example const { data } = await bw.webhookEndpoints.get({ id }) */
    get: ({ id }: PathParamsOf<'getWebhookEndpoint'>, options?: RequestOptions) => transport.call('getWebhookEndpoint', { params: { id } }, options),
    /** Turns an endpoint back on after a 410 disabled it, among other changes. @example await bw.webhookEndpoints.update({ id, status: 'enabled' }) */
    update: ({ id, ...body }: PathParamsOf<'updateWebhookEndpoint'> & BodyOf<'updateWebhookEndpoint'>, options?: RequestOptions) =>
      transport.call('updateWebhookEndpoint', { params: { id }, body }, options),
    /** @example await bw.webhookEndpoints.delete({ id }) */
    delete: ({ id }: PathParamsOf<'deleteWebhookEndpoint'>, options?: RequestOptions) => transport.call('deleteWebhookEndpoint', { params: { id } }, options),
    /** The old secret keeps signing alongside the new one for 24 hours. @example const { data } = await bw.webhookEndpoints.rotateSecret({ id }) */
    rotateSecret: ({ id }: PathParamsOf<'rotateWebhookEndpointSecret'>, options?: RequestOptions) => transport.call('rotateWebhookEndpointSecret', { params: { id } }, options),
    /** The delivery log, newest first. @example const { items } = await bw.webhookEndpoints.listDeliveries({ id }) */
    listDeliveries: ({ id, ...query }: PathParamsOf<'listWebhookDeliveries'> & QueryOf<'listWebhookDeliveries'>, options?: RequestOptions) =>
      transport.call('listWebhookDeliveries', { params: { id }, query }, options),
    /** Sends a delivery again, with the same `webhook-id`. @example await bw.webhookEndpoints.retryDelivery({ id, deliveryId }) */
    retryDelivery: ({ id, deliveryId }: PathParamsOf<'retryWebhookDelivery'>, options?: RequestOptions) => transport.call('retryWebhookDelivery', { params: { id, deliveryId } }, options),
  }
}

function authorizedAppsApi(transport: Transport) {
  return {
    /** @example const { items } = await bw.authorizedApps.list() */
    list: (options?: RequestOptions) => transport.call('listAuthorizedApps', {}, options),
    /** Every token the app holds for the user here stops working at once. @example await bw.authorizedApps.revoke({ clientId }) */
    revoke: ({ clientId }: PathParamsOf<'revokeAuthorizedApp'>, options?: RequestOptions) => transport.call('revokeAuthorizedApp', { params: { clientId } }, options),
  }
}

function credentialPolicyApi(transport: Transport) {
  return {
    /** The rules in force; `updatedAt` is null while none were ever set. @example const { data } = await bw.credentialPolicy.get() */
    get: (options?: RequestOptions) => transport.call('getCredentialPolicy', {}, options),
    /**
     * Replaces the policy. Credentials created, rotated or changed afterwards must meet it
     * (422 `policy_violation` otherwise, `details[].reason` naming the rule); existing ones
     * are listed with `policyViolations`.
     *
     * @example
     * await bw.credentialPolicy.set({ maxLifetimeSeconds: 90 * 86_400, expiryRequired: true, allowedEnvironments: ['live', 'test'], liveRequiresAllowedIps: true })
     */
    set: (policy: BodyOf<'putCredentialPolicy'>, options?: RequestOptions) => transport.call('putCredentialPolicy', { body: policy }, options),
  }
}

function oauthInteractionsApi(transport: Transport) {
  return {
    /** @example const { data } = await bw.oauthInteractions.get({ uid }) */
    get: ({ uid }: PathParamsOf<'getOAuthInteraction'>, options?: RequestOptions) => transport.call('getOAuthInteraction', { params: { uid } }, options),
    /** @example location.assign((await bw.oauthInteractions.decide({ uid, decision: 'allow' })).data.redirectTo) */
    decide: ({ uid, ...body }: PathParamsOf<'decideOAuthInteraction'> & BodyOf<'decideOAuthInteraction'>, options?: RequestOptions) =>
      transport.call('decideOAuthInteraction', { params: { uid }, body }, options),
  }
}

/**
 * The Brandwave API client. Every method resolves to the documented response body (`{ data }`
 * or the list envelope) and throws a {@link BrandwaveError} on failure. State-changing calls
 * carry an Idempotency-Key of their own and are retried safely on network errors, 429 and 5xx;
 * reads (`keys.verify` included) are retried as they are and never replayed.
 *
 * @example
 * import { Brandwave } from '@brandwave/sdk'
 *
 * const bw = new Brandwave({ token: process.env.BRANDWAVE_TOKEN, baseUrl: 'https://auth.example.com' })
 * const { data } = await bw.personalAccessTokens.create({ name: 'My Campaign' })
 */
export class Brandwave {
  private readonly transport: Transport
  /** The caller's own personal access tokens. */
  readonly personalAccessTokens: CredentialResource<typeof PERSONAL_ACCESS_TOKEN_OPERATIONS>
  /** The organization's API keys; managed by admins or keys with `api_keys:*`. */
  readonly apiKeys: CredentialResource<typeof API_KEY_OPERATIONS>
  /** Sessions: sign in and out, refresh, sign up, passwords, two-factor authentication. */
  readonly auth: ReturnType<typeof authApi>
  readonly members: ReturnType<typeof membersApi>
  /** People join through invitations: an emailed, single-use link (`acceptUrl`). */
  readonly invitations: ReturnType<typeof invitationsApi>
  readonly scopes: ReturnType<typeof scopesApi>
  readonly keys: ReturnType<typeof keysApi>
  readonly auditLogs: ReturnType<typeof auditLogsApi>
  /** Where the organization's events go, as Standard Webhooks (needs `company_admin` or `webhooks:*`). */
  readonly webhookEndpoints: ReturnType<typeof webhookEndpointsApi>

  /** Third-party apps the signed-in user let act for them through OAuth (needs a session). */
  readonly authorizedApps: ReturnType<typeof authorizedAppsApi>

  /** The OAuth consent page's calls, from the browser that started the authorization. */
  readonly oauthInteractions: ReturnType<typeof oauthInteractionsApi>

  /** The organization's rules for its credentials (needs `company_admin` or `organization:*`). */
  readonly credentialPolicy: ReturnType<typeof credentialPolicyApi>

  constructor(options: BrandwaveOptions = {}) {
    const transport = new Transport(options)
    this.transport = transport
    this.personalAccessTokens = credentialResource(transport, PERSONAL_ACCESS_TOKEN_OPERATIONS)
    this.apiKeys = credentialResource(transport, API_KEY_OPERATIONS)
    this.auth = authApi(transport)
    this.members = membersApi(transport)
    this.invitations = invitationsApi(transport)
    this.scopes = scopesApi(transport)
    this.keys = keysApi(transport)
    this.auditLogs = auditLogsApi(transport)
    this.webhookEndpoints = webhookEndpointsApi(transport)
    this.authorizedApps = authorizedAppsApi(transport)
    this.oauthInteractions = oauthInteractionsApi(transport)
    this.credentialPolicy = credentialPolicyApi(transport)
  }

  /**
   * Who is calling: the credential (id, name, organization, scopes) or the session's user.
   *
   * @example
   * const { data } = await bw.me()
   * if (data.type !== 'session') console.log(data.keyName, data.scopes)
   */
  me(options?: RequestOptions): Promise<ResponseOf<'getMe'>> {
    return this.transport.call('getMe', {}, options)
  }
}
