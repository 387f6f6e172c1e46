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

  /** The caller's own tokens (seed 000). */
  readonly personalAccessTokens: CredentialResource<{
    create: 'createPersonalAccessToken'
    list: 'listPersonalAccessTokens'
    get: 'getPersonalAccessToken'
    update: 'updatePersonalAccessToken'
    revoke: 'revokePersonalAccessToken'
    rotate: 'rotatePersonalAccessToken'
  }>

  /** The organization's API keys (seeds 002, 003); managed by admins or keys with `api_keys:*`. */
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
    /** @example await bw.auth.signup({ email, password, name, organizationName }) */
    signup(params: BodyOf<'signup'>, options?: RequestOptions): Promise<ResponseOf<'signup'>>
    /** Ends every other session. @example await bw.auth.changePassword({ currentPassword, newPassword }) */
    changePassword(params: BodyOf<'changePassword'>, options?: RequestOptions): Promise<ResponseOf<'changePassword'>>
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
    /** @example await bw.members.add({ email: 'grace@example.com', role: 'member' }) */
    add(params: BodyOf<'addMember'>, options?: RequestOptions): Promise<ResponseOf<'addMember'>>
    /** @example await bw.members.changeRole({ userId, role: 'company_admin' }) */
    changeRole(params: PathParamsOf<'changeMemberRole'> & BodyOf<'changeMemberRole'>, options?: RequestOptions): Promise<ResponseOf<'changeMemberRole'>>
    /** Also revokes their PATs and ends their sessions here. @example await bw.members.remove({ userId }) */
    remove(params: PathParamsOf<'removeMember'>, options?: RequestOptions): Promise<ResponseOf<'removeMember'>>
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
      signup: (params, options) => transport.call('signup', { body: params }, options),
      changePassword: (params, options) => transport.call('changePassword', { body: params }, options),
      twoFactor: {
        setup: (params, options) => transport.call('setUpTwoFactor', { body: params ?? {} }, options),
        enable: (params, options) => transport.call('enableTwoFactor', { body: params }, options),
        disable: (params, options) => transport.call('disableTwoFactor', { body: params }, options),
      },
    }
    this.members = {
      list: (params, options) => transport.call('listMembers', { query: params }, options),
      add: (params, options) => transport.call('addMember', { body: params }, options),
      changeRole: ({ userId, ...body }, options) => transport.call('changeMemberRole', { params: { userId }, body }, options),
      remove: ({ userId }, options) => transport.call('removeMember', { params: { userId } }, options),
    }
    this.scopes = { list: (options) => transport.call('listScopes', {}, options) }
    this.keys = { verify: (params, options) => transport.call('verifyKey', { body: params }, options) }
    this.auditLogs = { list: (params, options) => transport.call('listAuditEvents', { query: params }, options) }
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
