import { Transport, type BrandwaveOptions, type RequestOptions } from './transport.js'
import type { BodyOf, Credential, PathParamsOf, QueryOf, ResponseOf } from './types.js'

type CredentialOperationNames = {
  readonly create: 'createPersonalAccessToken' | 'createApiKey'
  readonly list: 'listPersonalAccessTokens' | 'listApiKeys'
  readonly get: 'getPersonalAccessToken' | 'getApiKey'
  readonly update: 'updatePersonalAccessToken' | 'updateApiKey'
  readonly revoke: 'revokePersonalAccessToken' | 'revokeApiKey'
  readonly rotate: 'rotatePersonalAccessToken' | 'rotateApiKey'
}

type ListFilters<N extends CredentialOperationNames['list']> = Omit<NonNullable<QueryOf<N>>, 'cursor'>

/**
 * Create, list, get, update, revoke and rotate one kind of credential.
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
   * Renames, or changes the IP allowlist or rate limit (`null` lifts a restriction).
   *
   * @example
   * await bw.personalAccessTokens.update({ id, name: 'Nightly export', allowedIps: ['203.0.113.0/24'] })
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
}

function credentialResource<N extends CredentialOperationNames>(transport: Transport, names: N): CredentialResource<N> {
  const resource: CredentialResource<N> = {
    create: (params, options) => transport.call(names.create, { body: params }, options),
    list: (params, options) => transport.call(names.list, { query: params }, options),
    async *listAll(filters, options) {
      let cursor: string | undefined
      do {
        // Both kinds list the same shape of page.
        const page = (await resource.list({ ...filters, ...(cursor !== undefined && { cursor }) } as QueryOf<N['list']>, options)) as ResponseOf<'listPersonalAccessTokens'>
        yield* page.items
        cursor = page.nextCursor ?? undefined
      } while (cursor !== undefined)
    },
    get: ({ id }, options) => transport.call(names.get, { params: { id } }, options),
    update: ({ id, ...changes }, options) => transport.call(names.update, { params: { id }, body: changes }, options),
    revoke: ({ id }, options) => transport.call(names.revoke, { params: { id } }, options),
    rotate: ({ id, ...settings }, options) => transport.call(names.rotate, { params: { id }, body: settings }, options),
  }
  return resource
}

/**
 * The Brandwave API client. Every method resolves to the documented response body (`{ data }`
 * or the list envelope) and throws a {@link BrandwaveError} on failure. State-changing calls
 * carry an Idempotency-Key of their own and are retried safely on network errors, 429 and 5xx.
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
  readonly personalAccessTokens: CredentialResource<{
    create: 'createPersonalAccessToken'
    list: 'listPersonalAccessTokens'
    get: 'getPersonalAccessToken'
    update: 'updatePersonalAccessToken'
    revoke: 'revokePersonalAccessToken'
    rotate: 'rotatePersonalAccessToken'
  }>

  /** The organization's API keys; managed by admins or keys with `api_keys:*`. */
  readonly apiKeys: CredentialResource<{ create: 'createApiKey'; list: 'listApiKeys'; get: 'getApiKey'; update: 'updateApiKey'; revoke: 'revokeApiKey'; rotate: 'rotateApiKey' }>

  /** Sessions: sign in and out, refresh, sign up, passwords, two-factor authentication. */
  readonly auth: {
    /**
     * Signs in; the client then calls with the session (refreshing it when it expires).
     *
     * @example
     * const bw = new Brandwave({ baseUrl, onTokens: (pair) => store.save(pair) })
     * await bw.auth.login({ email, password, twoFactorCode })
     */
    login(params: BodyOf<'login'>, options?: RequestOptions): Promise<ResponseOf<'login'>>
    /** @example await bw.auth.refresh({ refreshToken }) */
    refresh(params: BodyOf<'refreshSession'>, options?: RequestOptions): Promise<ResponseOf<'refreshSession'>>
    /** Ends the session at once; the client forgets its tokens. @example await bw.auth.logout() */
    logout(options?: RequestOptions): Promise<ResponseOf<'logout'>>
    /**
     * Creates an account: with `organizationName` a new organization (when sign-up is open),
     * with `invitationToken` (from the invitation link's `#token=`) a place in the inviting one.
     *
     * @example
     * await bw.auth.signup({ email, password, name, invitationToken: new URLSearchParams(location.hash.slice(1)).get('token')! })
     */
    signup(params: BodyOf<'signup'>, options?: RequestOptions): Promise<ResponseOf<'signup'>>
    /** Ends every other session. @example await bw.auth.changePassword({ currentPassword, newPassword }) */
    changePassword(params: BodyOf<'changePassword'>, options?: RequestOptions): Promise<ResponseOf<'changePassword'>>
    /**
     * Emails a reset link if the address has an account; answers the same either way.
     *
     * @example
     * await bw.auth.requestPasswordReset({ email: 'ada@example.com' })
     */
    requestPasswordReset(params: BodyOf<'requestPasswordReset'>, options?: RequestOptions): Promise<ResponseOf<'requestPasswordReset'>>
    /**
     * Sets a new password with the token from the reset link; ends every session of the user.
     *
     * @example
     * await bw.auth.confirmPasswordReset({ token: new URLSearchParams(location.hash.slice(1)).get('token')!, newPassword })
     */
    confirmPasswordReset(params: BodyOf<'confirmPasswordReset'>, options?: RequestOptions): Promise<ResponseOf<'confirmPasswordReset'>>
    /**
     * Sessions of pages served by Brandwave (the dashboard): the refresh token stays in an
     * HttpOnly cookie, the access token in this client's memory. Needs `sessionCookie: true`.
     */
    readonly browserSession: {
      /** @example await bw.auth.browserSession.start({ email, password }) */
      start(params: BodyOf<'startBrowserSession'>, options?: RequestOptions): Promise<ResponseOf<'startBrowserSession'>>
      /** Resumes the session after a reload; 401 when there is none. @example await bw.auth.browserSession.resume() */
      resume(options?: RequestOptions): Promise<ResponseOf<'refreshBrowserSession'>>
      /** @example await bw.auth.browserSession.end() */
      end(options?: RequestOptions): Promise<ResponseOf<'endBrowserSession'>>
      /** Moves the session to another of your organizations. @example await bw.auth.browserSession.switchOrganization({ organizationId }) */
      switchOrganization(params: BodyOf<'switchBrowserSession'>, options?: RequestOptions): Promise<ResponseOf<'switchBrowserSession'>>
    }
    /** The organizations the signed-in user belongs to, with their role in each. @example const { data } = await bw.auth.organizations() */
    organizations(options?: RequestOptions): Promise<ResponseOf<'listMyOrganizations'>>
    readonly twoFactor: {
      /**
       * Starts enrolment; `currentPassword` is needed unless the session signed in within 10 minutes.
       *
       * @example const { data } = await bw.auth.twoFactor.setup({ currentPassword }); showQrCode(data.otpauthUrl)
       */
      setup(params?: BodyOf<'setUpTwoFactor'>, options?: RequestOptions): Promise<ResponseOf<'setUpTwoFactor'>>
      /** @example const { data } = await bw.auth.twoFactor.enable({ code: '123456' }); show(data.recoveryCodes) */
      enable(params: BodyOf<'enableTwoFactor'>, options?: RequestOptions): Promise<ResponseOf<'enableTwoFactor'>>
      /** @example await bw.auth.twoFactor.disable({ code: '123456' }) */
      disable(params: BodyOf<'disableTwoFactor'>, options?: RequestOptions): Promise<ResponseOf<'disableTwoFactor'>>
    }
  }

  readonly members: {
    /** @example const { items } = await bw.members.list({ role: 'member' }) */
    list(params?: QueryOf<'listMembers'>, options?: RequestOptions): Promise<ResponseOf<'listMembers'>>
    /** @example await bw.members.changeRole({ userId, role: 'company_admin' }) */
    changeRole(params: PathParamsOf<'changeMemberRole'> & BodyOf<'changeMemberRole'>, options?: RequestOptions): Promise<ResponseOf<'changeMemberRole'>>
    /** Also revokes their PATs and ends their sessions here. @example await bw.members.remove({ userId }) */
    remove(params: PathParamsOf<'removeMember'>, options?: RequestOptions): Promise<ResponseOf<'removeMember'>>
  }

  /** People join through invitations: an emailed, single-use link (`acceptUrl`). */
  readonly invitations: {
    /**
     * Invites an address with a role; the response's `acceptUrl` is shown once.
     *
     * @example
     * const { data } = await bw.invitations.create({ email: 'grace@example.com', role: 'member' })
     */
    create(params: BodyOf<'createInvitation'>, options?: RequestOptions): Promise<ResponseOf<'createInvitation'>>
    /** Pending invitations, newest first. @example const { items } = await bw.invitations.list() */
    list(params?: QueryOf<'listInvitations'>, options?: RequestOptions): Promise<ResponseOf<'listInvitations'>>
    /** Its link stops working at once. @example await bw.invitations.withdraw({ id }) */
    withdraw(params: PathParamsOf<'withdrawInvitation'>, options?: RequestOptions): Promise<ResponseOf<'withdrawInvitation'>>
    /**
     * Accepts as the signed-in user, whose email must be the invited address.
     *
     * @example
     * await bw.invitations.accept({ token: new URLSearchParams(location.hash.slice(1)).get('token')! })
     */
    accept(params: BodyOf<'acceptInvitation'>, options?: RequestOptions): Promise<ResponseOf<'acceptInvitation'>>
  }

  readonly scopes: {
    /** @example const { items } = await bw.scopes.list() */
    list(options?: RequestOptions): Promise<ResponseOf<'listScopes'>>
  }

  readonly keys: {
    /**
     * Checks a key one of your customers sent your service (needs `api_keys:workflow`).
     *
     * @example
     * const { data } = await bw.keys.verify({ key: presented, requiredScopes: ['contacts:read'], ip: clientIp })
     * if (!data.valid) return reply.code(401).send({ error: data.code })
     */
    verify(params: BodyOf<'verifyKey'>, options?: RequestOptions): Promise<ResponseOf<'verifyKey'>>
  }

  readonly auditLogs: {
    /** @example const { items } = await bw.auditLogs.list({ action: 'credential.revoked' }) */
    list(params?: QueryOf<'listAuditEvents'>, options?: RequestOptions): Promise<ResponseOf<'listAuditEvents'>>
  }

  /** Where the organization's events go, as Standard Webhooks (needs `company_admin` or `webhooks:*`). */
  readonly webhookEndpoints: {
    /**
     * Registers an endpoint; `data.secret` (`whsec_…`) is returned only now.
     *
     * @example
     * const { data } = await bw.webhookEndpoints.create({ url: 'https://example.com/hooks', events: ['api_key.revoked'] })
     * saveSecretSomewhereSafe(data.secret)
     */
    create(params: BodyOf<'createWebhookEndpoint'>, options?: RequestOptions): Promise<ResponseOf<'createWebhookEndpoint'>>
    /** @example const { items } = await bw.webhookEndpoints.list() */
    list(params?: QueryOf<'listWebhookEndpoints'>, options?: RequestOptions): Promise<ResponseOf<'listWebhookEndpoints'>>
    /** @example const { data } = await bw.webhookEndpoints.get({ id }) */
    get(params: PathParamsOf<'getWebhookEndpoint'>, options?: RequestOptions): Promise<ResponseOf<'getWebhookEndpoint'>>
    /** Turns an endpoint back on after a 410 disabled it, among other changes. @example await bw.webhookEndpoints.update({ id, status: 'enabled' }) */
    update(params: PathParamsOf<'updateWebhookEndpoint'> & BodyOf<'updateWebhookEndpoint'>, options?: RequestOptions): Promise<ResponseOf<'updateWebhookEndpoint'>>
    /** @example await bw.webhookEndpoints.delete({ id }) */
    delete(params: PathParamsOf<'deleteWebhookEndpoint'>, options?: RequestOptions): Promise<ResponseOf<'deleteWebhookEndpoint'>>
    /** The old secret keeps signing alongside the new one for 24 hours. @example const { data } = await bw.webhookEndpoints.rotateSecret({ id }) */
    rotateSecret(params: PathParamsOf<'rotateWebhookEndpointSecret'>, options?: RequestOptions): Promise<ResponseOf<'rotateWebhookEndpointSecret'>>
    /** The delivery log, newest first. @example const { items } = await bw.webhookEndpoints.listDeliveries({ id }) */
    listDeliveries(params: PathParamsOf<'listWebhookDeliveries'> & QueryOf<'listWebhookDeliveries'>, options?: RequestOptions): Promise<ResponseOf<'listWebhookDeliveries'>>
    /** Sends a delivery again, with the same `webhook-id`. @example await bw.webhookEndpoints.retryDelivery({ id, deliveryId }) */
    retryDelivery(params: PathParamsOf<'retryWebhookDelivery'>, options?: RequestOptions): Promise<ResponseOf<'retryWebhookDelivery'>>
  }

  /** Third-party apps the signed-in user let act for them through OAuth (needs a session). */
  readonly authorizedApps: {
    /** @example const { items } = await bw.authorizedApps.list() */
    list(options?: RequestOptions): Promise<ResponseOf<'listAuthorizedApps'>>
    /** Every token the app holds for the user here stops working at once. @example await bw.authorizedApps.revoke({ clientId }) */
    revoke(params: PathParamsOf<'revokeAuthorizedApp'>, options?: RequestOptions): Promise<ResponseOf<'revokeAuthorizedApp'>>
  }

  /** The OAuth consent page's calls, from the browser that started the authorization. */
  readonly oauthInteractions: {
    /** @example const { data } = await bw.oauthInteractions.get({ uid }) */
    get(params: PathParamsOf<'getOAuthInteraction'>, options?: RequestOptions): Promise<ResponseOf<'getOAuthInteraction'>>
    /** @example location.assign((await bw.oauthInteractions.decide({ uid, decision: 'allow' })).data.redirectTo) */
    decide(params: PathParamsOf<'decideOAuthInteraction'> & BodyOf<'decideOAuthInteraction'>, options?: RequestOptions): Promise<ResponseOf<'decideOAuthInteraction'>>
  }

  constructor(options: BrandwaveOptions = {}) {
    const transport = new Transport(options)
    this.transport = transport
    this.personalAccessTokens = credentialResource(transport, {
      create: 'createPersonalAccessToken',
      list: 'listPersonalAccessTokens',
      get: 'getPersonalAccessToken',
      update: 'updatePersonalAccessToken',
      revoke: 'revokePersonalAccessToken',
      rotate: 'rotatePersonalAccessToken',
    })
    this.apiKeys = credentialResource(transport, {
      create: 'createApiKey',
      list: 'listApiKeys',
      get: 'getApiKey',
      update: 'updateApiKey',
      revoke: 'revokeApiKey',
      rotate: 'rotateApiKey',
    })
    this.auth = {
      async login(params, options) {
        const result = await transport.call<ResponseOf<'login'>>('login', { body: params }, options)
        await transport.adopt(result.data)
        return result
      },
      async refresh(params, options) {
        const result = await transport.call<ResponseOf<'refreshSession'>>('refreshSession', { body: params }, options)
        await transport.adopt(result.data)
        return result
      },
      async logout(options) {
        // With the refresh token too, logging out works after the access token expired.
        const refreshToken = transport.heldRefreshToken
        const result = await transport.call<ResponseOf<'logout'>>('logout', { body: refreshToken === undefined ? {} : { refreshToken } }, options)
        transport.forgetSession()
        return result
      },
      browserSession: {
        async start(params, options) {
          const result = await transport.call<ResponseOf<'startBrowserSession'>>('startBrowserSession', { body: params }, options)
          transport.adoptAccessToken(result.data.accessToken)
          return result
        },
        async resume(options) {
          const result = await transport.call<ResponseOf<'refreshBrowserSession'>>('refreshBrowserSession', {}, options)
          transport.adoptAccessToken(result.data.accessToken)
          return result
        },
        async end(options) {
          const result = await transport.call<ResponseOf<'endBrowserSession'>>('endBrowserSession', {}, options)
          transport.forgetSession()
          return result
        },
        async switchOrganization(params, options) {
          const result = await transport.call<ResponseOf<'switchBrowserSession'>>('switchBrowserSession', { body: params }, options)
          transport.adoptAccessToken(result.data.accessToken)
          return result
        },
      },
      organizations: (options) => transport.call('listMyOrganizations', {}, options),
      signup: (params, options) => transport.call('signup', { body: params }, options),
      changePassword: (params, options) => transport.call('changePassword', { body: params }, options),
      requestPasswordReset: (params, options) => transport.call('requestPasswordReset', { body: params }, options),
      confirmPasswordReset: (params, options) => transport.call('confirmPasswordReset', { body: params }, options),
      twoFactor: {
        setup: (params, options) => transport.call('setUpTwoFactor', { body: params ?? {} }, options),
        enable: (params, options) => transport.call('enableTwoFactor', { body: params }, options),
        disable: (params, options) => transport.call('disableTwoFactor', { body: params }, options),
      },
    }
    this.members = {
      list: (params, options) => transport.call('listMembers', { query: params }, options),
      changeRole: ({ userId, ...body }, options) => transport.call('changeMemberRole', { params: { userId }, body }, options),
      remove: ({ userId }, options) => transport.call('removeMember', { params: { userId } }, options),
    }
    this.invitations = {
      create: (params, options) => transport.call('createInvitation', { body: params }, options),
      list: (params, options) => transport.call('listInvitations', { query: params }, options),
      withdraw: ({ id }, options) => transport.call('withdrawInvitation', { params: { id } }, options),
      accept: (params, options) => transport.call('acceptInvitation', { body: params }, options),
    }
    this.scopes = { list: (options) => transport.call('listScopes', {}, options) }
    this.keys = { verify: (params, options) => transport.call('verifyKey', { body: params }, options) }
    this.auditLogs = { list: (params, options) => transport.call('listAuditEvents', { query: params }, options) }
    this.webhookEndpoints = {
      create: (params, options) => transport.call('createWebhookEndpoint', { body: params }, options),
      list: (params, options) => transport.call('listWebhookEndpoints', { query: params }, options),
      get: ({ id }, options) => transport.call('getWebhookEndpoint', { params: { id } }, options),
      update: ({ id, ...body }, options) => transport.call('updateWebhookEndpoint', { params: { id }, body }, options),
      delete: ({ id }, options) => transport.call('deleteWebhookEndpoint', { params: { id } }, options),
      rotateSecret: ({ id }, options) => transport.call('rotateWebhookEndpointSecret', { params: { id } }, options),
      listDeliveries: ({ id, ...query }, options) => transport.call('listWebhookDeliveries', { params: { id }, query }, options),
      retryDelivery: ({ id, deliveryId }, options) => transport.call('retryWebhookDelivery', { params: { id, deliveryId } }, options),
    }
    this.authorizedApps = {
      list: (options) => transport.call('listAuthorizedApps', {}, options),
      revoke: ({ clientId }, options) => transport.call('revokeAuthorizedApp', { params: { clientId } }, options),
    }
    this.oauthInteractions = {
      get: ({ uid }, options) => transport.call('getOAuthInteraction', { params: { uid } }, options),
      decide: ({ uid, ...body }, options) => transport.call('decideOAuthInteraction', { params: { uid }, body }, options),
    }
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
