import { createPublicKey, verify } from 'node:crypto'
import { parseToken } from '@brandwave/core'
import * as client from 'openid-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiKey, createPat, invitationTokenOf, joinOrganization, login, loginAdmin, type TestUser } from '@brandwave/testing/actors'
import { testDatabaseKinds } from '@brandwave/testing/databases'
import { authorizeAndExchange, CookieJar, decide, openConsentPage, REDIRECT_URI, registerClient, startAuthorization, startOAuthServer } from '@brandwave/testing/oauth'
import type { TestServer } from '@brandwave/testing/server'

/** The OAuth error openid-client reports for a refused request. */
async function oauthError(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise
  } catch (error) {
    if (error instanceof client.ResponseBodyError || error instanceof client.AuthorizationResponseError) return error.error
    // A 401 with a challenge (invalid_client): the error is in the WWW-Authenticate header.
    if (error instanceof client.WWWAuthenticateChallengeError) return error.cause[0]?.parameters.error
    throw error
  }
  return undefined
}

/** Polls the audit log: provider events are audited just after the provider answers. */
async function auditActions(server: TestServer, token: string, expected: string[]): Promise<string[]> {
  let actions: string[] = []
  for (let attempt = 0; attempt < 40; attempt += 1) {
    const response = await server.request('GET', '/v1/audit-logs?limit=100', { token })
    actions = (response.body.items as Array<{ action: string }>).map((item) => item.action)
    if (expected.every((action) => actions.includes(action))) break
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return actions
}

/** Polls for a grant-end audit event with this reason (provider events are audited just after it answers). */
async function grantEndedFor(server: TestServer, token: string, reason: string): Promise<boolean> {
  for (let attempt = 0; attempt < 40; attempt += 1) {
    const response = await server.request('GET', '/v1/audit-logs?action=oauth_app.grant_ended&limit=100', { token })
    if ((response.body.items as Array<{ details: { reason?: string } }>).some((item) => item.details.reason === reason)) return true
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return false
}

describe.each(testDatabaseKinds)('OAuth 2.1 with openid-client as the app (%s)', (kind) => {
  let server: TestServer
  let admin: TestUser
  let config: client.Configuration

  beforeAll(async () => {
    server = await startOAuthServer(kind)
    admin = await loginAdmin(server)
    config = await registerClient(server)
  })
  afterAll(() => server.close())

  it('publishes RFC 8414 metadata at the issuer (BRANDWAVE_PUBLIC_URL): code + S256 only, CORS for any origin', async () => {
    const metadata = await fetch(`${server.url}/.well-known/oauth-authorization-server`, { headers: { origin: 'https://app.example' } })
    expect(metadata.status).toBe(200)
    expect(['*', 'https://app.example']).toContain(metadata.headers.get('access-control-allow-origin'))
    const body = (await metadata.json()) as Record<string, unknown>
    expect(body.issuer).toBe(server.url)
    expect(body.response_types_supported).toEqual(['code'])
    expect(body.code_challenge_methods_supported).toEqual(['S256'])
    expect(body.grant_types_supported).not.toContain('password')
    expect(body.grant_types_supported).not.toContain('implicit')
    expect(body.registration_endpoint).toBe(`${server.url}/oauth/register`)
    // OpenID Connect discovery, as openid-client does it by default, finds the same issuer.
    const oidc = await client.discovery(new URL(server.url), config.clientMetadata().client_id, undefined, client.None(), { execute: [client.allowInsecureRequests] })
    expect(oidc.serverMetadata().issuer).toBe(server.url)
    expect(oidc.serverMetadata().jwks_uri).toBe(`${server.url}/oauth/jwks`)
    const preflight = await fetch(`${server.url}/oauth/token`, { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' } })
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example')
    expect(preflight.headers.get('access-control-allow-credentials')).toBeNull()
    // The API itself stays closed to other origins.
    const api = await fetch(`${server.url}/v1/me`, { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'GET' } })
    expect(api.headers.get('access-control-allow-origin')).toBeNull()
  })

  it('registers clients openly, also at /api/v1/oauth/register, and never stores a confidential client’s secret readable', async () => {
    const aliased = await fetch(`${server.url}/api/v1/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://app.example' },
      body: JSON.stringify({ client_name: 'Server app', redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'client_secret_basic' }),
    })
    expect(aliased.status).toBe(201)
    expect(aliased.headers.get('access-control-allow-origin')).toBe('*')
    const registered = (await aliased.json()) as { client_id: string; client_secret: string }
    expect(registered.client_secret.length).toBeGreaterThan(20)
    const rows = await server.running.database.db.selectFrom('oauth_models').select(['id_hash', 'payload']).execute()
    const stored = JSON.stringify(rows)
    expect(stored).not.toContain(registered.client_secret)
    expect(stored).not.toContain(registered.client_id)
    const preflight = await fetch(`${server.url}/oauth/register`, { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' } })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*')
    const bad = await fetch(`${server.url}/oauth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"redirect_uris": "nope"' })
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { error: string }).error).toBe('invalid_request')
  })

  it('runs the code flow with PKCE: a {prefix}_at_ token of one hour and a {prefix}_rt_ token, stored only as keyed hashes', async () => {
    const { tokens } = await authorizeAndExchange(server, config, admin, 'api_keys:read email')
    // These two checks are the token-format patch of oidc-provider (oauth/provider.ts):
    // an upgrade that changes generateTokenId breaks them.
    expect(parseToken(tokens.access_token, 'bw', ['at']).ok).toBe(true)
    expect(parseToken(tokens.refresh_token ?? '', 'bw', ['rt']).ok).toBe(true)
    expect(tokens.expires_in).toBe(3600)
    expect(tokens.scope?.split(' ').sort()).toEqual(['api_keys:read', 'email'])
    const me = await server.request('GET', '/v1/me', { token: tokens.access_token })
    expect(me.status, me.text).toBe(200)
    expect(me.body.data).toEqual({ type: 'oauth', clientId: config.clientMetadata().client_id, userId: admin.userId, scopes: ['api_keys:read'] })
    expect(me.headers.get('ratelimit-limit')).not.toBeNull()
    expect((await server.request('GET', '/v1/api-keys', { token: tokens.access_token })).status).toBe(200)
    // Granted api_keys:read only: writing is refused.
    const write = await server.request('POST', '/v1/api-keys', { token: tokens.access_token, body: { name: 'x', scopes: ['api_keys:read'] } })
    expect(write.status).toBe(403)
    expect(write.body.error.code).toBe('insufficient_scope')
    const stored = JSON.stringify(await server.running.database.db.selectFrom('oauth_models').selectAll().execute())
    expect(stored).not.toContain(tokens.access_token)
    expect(stored).not.toContain(tokens.refresh_token)
    // Another service cannot be handed an OAuth token as a key.
    const key = await createApiKey(server, admin.accessToken, { scopes: ['api_keys:workflow'] })
    const verified = await server.request('POST', '/v1/keys/verify', { token: key.token, body: { key: tokens.access_token } })
    expect(verified.body.data.valid).toBe(false)
  })

  it('serves confidential clients (client_secret_basic) with their secret checked against the sealed copy', async () => {
    const confidential = await registerClient(server, { token_endpoint_auth_method: 'client_secret_basic' }, client.ClientSecretBasic())
    expect(typeof confidential.clientMetadata().client_secret).toBe('string')
    const { tokens } = await authorizeAndExchange(server, confidential, admin, 'api_keys:read')
    expect((await server.request('GET', '/v1/me', { token: tokens.access_token })).status).toBe(200)
    const wrongSecret = new client.Configuration(confidential.serverMetadata(), confidential.clientMetadata().client_id, { ...confidential.clientMetadata() }, client.ClientSecretBasic('not-the-secret'))
    client.allowInsecureRequests(wrongSecret)
    expect(await oauthError(client.refreshTokenGrant(wrongSecret, tokens.refresh_token!))).toBe('invalid_client')
  })

  it('answers bad input with a 4xx, never a 500', async () => {
    const post = (path: string, body: string, type: string) => fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': type }, body })
    for (const response of [
      await post('/oauth/token', '{"grant_type":"authorization_code"}', 'application/json'),
      await post('/oauth/token', 'grant_type=authorization_code&code=%zz', 'application/x-www-form-urlencoded'),
      await post('/oauth/token', 'x'.repeat(200_000), 'application/x-www-form-urlencoded'),
      await post('/oauth/register', '[1,2', 'application/json'),
      await post('/oauth/register', '{"redirect_uris":["javascript:alert(1)"]}', 'application/json'),
      await post('/oauth/revoke', 'token=bw_at_x', 'text/plain'),
      await fetch(`${server.url}/oauth/authorize?client_id=%00&response_type=code`),
      await fetch(`${server.url}/oauth/authorize/not-an-interaction`),
      await fetch(`${server.url}/oauth/userinfo`, { headers: { authorization: 'Basic abc' } }),
      await fetch(`${server.url}/oauth/interaction/abc/details`, { headers: { authorization: `Bearer ${admin.accessToken}` } }),
      await fetch(`${server.url}/oauth/interaction/${'x'.repeat(300)}/details`, { headers: { authorization: `Bearer ${admin.accessToken}` } }),
      await post('/oauth/interaction/abc/decision', '{"decision":"maybe"}', 'application/json'),
      await fetch(`${server.url}/oauth/authorize`, { method: 'HEAD' }),
      await fetch(`${server.url}/oauth/token`, { method: 'PUT' }),
    ]) {
      expect(response.status, `${response.url} ${await response.clone().text()}`).toBeGreaterThanOrEqual(400)
      expect(response.status, response.url).toBeLessThan(500)
    }
    const decision = await fetch(`${server.url}/oauth/interaction/abc/decision`, { method: 'POST', headers: { authorization: `Bearer ${admin.accessToken}`, 'content-type': 'application/json' }, body: '{"decision":"maybe"}' })
    expect(decision.status).toBe(400)
    expect(((await decision.json()) as { error: { code: string } }).error.code).toBe('validation_failed')
  })

  it('rotates refresh tokens; replaying a used one ends the whole grant', async () => {
    const { tokens } = await authorizeAndExchange(server, config, admin, 'api_keys:read')
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!)
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token)
    expect(parseToken(refreshed.access_token, 'bw', ['at']).ok).toBe(true)
    expect((await server.request('GET', '/v1/me', { token: refreshed.access_token })).status).toBe(200)
    expect(await oauthError(client.refreshTokenGrant(config, tokens.refresh_token!))).toBe('invalid_grant')
    // The replay ended the grant: the newest tokens are dead too, at once.
    expect((await server.request('GET', '/v1/me', { token: refreshed.access_token })).status).toBe(401)
    expect(await oauthError(client.refreshTokenGrant(config, refreshed.refresh_token!))).toBe('invalid_grant')
    const actions = await auditActions(server, admin.accessToken, ['oauth_app.grant_ended'])
    expect(actions).toContain('oauth_app.token_issued')
    expect(await grantEndedFor(server, admin.accessToken, 'refresh_token_reused')).toBe(true)
  })

  it('refuses a code exchanged with the wrong PKCE verifier', async () => {
    const authorization = await startAuthorization(config, 'api_keys:read')
    const uid = await openConsentPage(server, authorization)
    const callback = await decide(server, authorization, admin, uid, 'allow')
    expect(await oauthError(client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: client.randomPKCECodeVerifier(), expectedState: authorization.state }))).toBe('invalid_grant')
  })

  it('refuses a code exchanged twice, and ends what the first exchange issued', async () => {
    const authorization = await startAuthorization(config, 'api_keys:read')
    const uid = await openConsentPage(server, authorization)
    const callback = await decide(server, authorization, admin, uid, 'allow')
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: authorization.verifier, expectedState: authorization.state })
    expect(await oauthError(client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: authorization.verifier, expectedState: authorization.state }))).toBe('invalid_grant')
    expect((await server.request('GET', '/v1/me', { token: tokens.access_token })).status).toBe(401)
    expect(await grantEndedFor(server, admin.accessToken, 'code_reused')).toBe(true)
  })

  it('revokes tokens (RFC 7009): the access token fails on the next request; unknown tokens answer 200', async () => {
    const { tokens } = await authorizeAndExchange(server, config, admin, 'api_keys:read')
    expect((await server.request('GET', '/v1/me', { token: tokens.access_token })).status).toBe(200)
    await client.tokenRevocation(config, tokens.access_token)
    expect((await server.request('GET', '/v1/me', { token: tokens.access_token })).status).toBe(401)
    expect(await oauthError(client.refreshTokenGrant(config, tokens.refresh_token!))).toBe('invalid_grant')
    expect(await grantEndedFor(server, admin.accessToken, 'revoked_by_client')).toBe(true)
    await client.tokenRevocation(config, 'bw_at_000000000000000000000000000000000000')
    await client.tokenRevocation(config, 'not a token at all')
  })

  it('answers userinfo for any valid token: sub always, email and name with their scopes; openid adds an ID token signed by the published key', async () => {
    const plain = await authorizeAndExchange(server, config, admin, 'api_keys:read')
    expect(await client.fetchUserInfo(config, plain.tokens.access_token, admin.userId)).toEqual({ sub: admin.userId })
    expect(plain.tokens.id_token).toBeUndefined()

    const { tokens } = await authorizeAndExchange(server, config, admin, 'openid email profile')
    const info = await client.fetchUserInfo(config, tokens.access_token, admin.userId)
    expect(info).toMatchObject({ sub: admin.userId, email: admin.email })
    expect(typeof info.name).toBe('string')
    expect(tokens.claims()?.sub).toBe(admin.userId)
    expect(tokens.claims()?.iss).toBe(server.url)

    // The ID token's signature, checked by hand against the JWKS.
    const [header = '', payload = '', signature = ''] = tokens.id_token!.split('.')
    const { kid, alg } = JSON.parse(Buffer.from(header, 'base64url').toString()) as { kid: string; alg: string }
    expect(alg).toBe('RS256')
    const jwks = (await (await fetch(`${server.url}/oauth/jwks`)).json()) as { keys: Array<{ kid: string; d?: string }> }
    const jwk = jwks.keys.find((key) => key.kid === kid)
    expect(jwk).toBeDefined()
    expect(jwk?.d).toBeUndefined()
    expect(verify('sha256', Buffer.from(`${header}.${payload}`), createPublicKey({ key: jwk!, format: 'jwk' }), Buffer.from(signature, 'base64url'))).toBe(true)

    const refused = await fetch(`${server.url}/oauth/userinfo`, { headers: { authorization: 'Bearer bw_at_000000000000000000000000000000000000' } })
    expect(refused.status).toBe(401)
    expect(refused.headers.get('www-authenticate')).toContain('invalid_token')
    // A PAT is no OAuth token.
    const pat = await createPat(server, admin)
    expect((await fetch(`${server.url}/oauth/userinfo`, { headers: { authorization: `Bearer ${pat.token}` } })).status).toBe(401)
  })

  it('keeps the ID-token signing key across restarts', async () => {
    const before = (await (await fetch(`${server.url}/oauth/jwks`)).json()) as { keys: Array<{ kid: string }> }
    await server.restart()
    const after = (await (await fetch(`${server.url}/oauth/jwks`)).json()) as { keys: Array<{ kid: string }> }
    expect(after.keys.map((key) => key.kid)).toEqual(before.keys.map((key) => key.kid))
    admin = await loginAdmin(server)
  })

  it('ends the grant of a leaked access or refresh token reported through POST /v1/credentials/revoke', async () => {
    const leakedAccess = await authorizeAndExchange(server, config, admin, 'api_keys:read')
    const reported = await server.request('POST', '/v1/credentials/revoke', { body: { credentials: [leakedAccess.tokens.access_token] } })
    expect(reported.status).toBe(202)
    expect((await server.request('GET', '/v1/me', { token: leakedAccess.tokens.access_token })).status).toBe(401)
    expect(await oauthError(client.refreshTokenGrant(config, leakedAccess.tokens.refresh_token!))).toBe('invalid_grant')

    const leakedRefresh = await authorizeAndExchange(server, config, admin, 'api_keys:read')
    await server.request('POST', '/v1/credentials/revoke', { body: { credentials: [leakedRefresh.tokens.refresh_token] } })
    expect((await server.request('GET', '/v1/me', { token: leakedRefresh.tokens.access_token })).status).toBe(401)
    const audit = await server.request('GET', '/v1/audit-logs?action=oauth_app.grant_ended&limit=100', { token: admin.accessToken })
    expect(audit.body.items.filter((item: { details: { reason: string } }) => item.details.reason === 'exposed')).toHaveLength(2)
    expect(audit.text).not.toContain(leakedAccess.tokens.access_token)
  })

  it('records when an app last used its token (batched, off the request path)', async () => {
    const app = await registerClient(server, { client_name: 'Usage' })
    const { tokens } = await authorizeAndExchange(server, app, admin, 'api_keys:read')
    const lastUsed = async () => {
      const listed = await server.request('GET', '/v1/authorized-apps', { token: admin.accessToken })
      return listed.body.items.find((item: { clientId: string }) => item.clientId === app.clientMetadata().client_id)?.lastUsedAt as string | null
    }
    expect(await lastUsed()).toBeNull()
    expect((await server.request('GET', '/v1/me', { token: tokens.access_token })).status).toBe(200)
    await server.running.app.usage.flush()
    let seen: string | null = null
    for (let attempt = 0; attempt < 40 && seen === null; attempt += 1) {
      seen = await lastUsed()
      if (seen === null) await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(seen).not.toBeNull()
  })

  it('asks for a fresh sign-in when the app sends prompt=login or max_age, and reports its time as auth_time', async () => {
    const authorization = await startAuthorization(config, 'openid', { prompt: 'login consent' })
    const uid = await openConsentPage(server, authorization)
    const asBefore = await authorization.jar.fetch(`${server.url}/oauth/interaction/${uid}/details`, { headers: { authorization: `Bearer ${admin.accessToken}` } })
    expect(((await asBefore.json()) as { data: { signInRequired: boolean } }).data.signInRequired).toBe(true)
    const refused = await authorization.jar.fetch(`${server.url}/oauth/interaction/${uid}/decision`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ decision: 'allow' }),
    })
    expect(refused.status).toBe(403)

    // The server's clock (manual in tests) catches up with the provider's before signing in again.
    server.clock.set(Date.now() + 1000)
    const fresh = await loginAdmin(server)
    const callback = await decide(server, authorization, fresh, uid, 'allow')
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: authorization.verifier, expectedState: authorization.state })
    expect(tokens.claims()?.auth_time).toBe(Math.floor(server.clock.now() / 1000))

    const withMaxAge = await startAuthorization(config, 'openid', { max_age: '60' })
    const second = await openConsentPage(server, withMaxAge)
    server.clock.advance(120_000)
    const tooOld = await withMaxAge.jar.fetch(`${server.url}/oauth/interaction/${second}/details`, { headers: { authorization: `Bearer ${fresh.accessToken}` } })
    expect(((await tooOld.json()) as { data: { signInRequired: boolean } }).data.signInRequired).toBe(true)
    admin = await loginAdmin(server)
  })

  describe('refusals', () => {
    const authorizeRaw = async (parameters: Record<string, string>) => {
      const url = new URL(`${server.url}/oauth/authorize`)
      for (const [name, value] of Object.entries({ client_id: config.clientMetadata().client_id, redirect_uri: REDIRECT_URI, response_type: 'code', scope: 'api_keys:read', state: 'xyz', ...parameters })) {
        if (value !== '') url.searchParams.set(name, value)
      }
      return new CookieJar().fetch(url)
    }
    const errorSentBack = (response: Response) => {
      expect(response.status).toBe(303)
      const location = new URL(response.headers.get('location') ?? '')
      expect(location.origin + location.pathname).toBe(REDIRECT_URI)
      return location.searchParams.get('error')
    }

    it('refuses plain PKCE and a missing challenge', async () => {
      expect(errorSentBack(await authorizeRaw({ code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' }))).toBe('invalid_request')
      expect(errorSentBack(await authorizeRaw({}))).toBe('invalid_request')
    })

    it('refuses response_type=token', async () => {
      const response = await authorizeRaw({ response_type: 'token', code_challenge: 'a'.repeat(43), code_challenge_method: 'S256' })
      expect(response.status).toBeGreaterThanOrEqual(300)
      const location = response.headers.get('location')
      if (location !== null) expect(new URL(location.replace('#', '?')).searchParams.get('error')).toBe('unsupported_response_type')
      else expect(response.status).toBe(400)
    })

    it('refuses the password grant', async () => {
      const response = await fetch(`${server.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'password', username: admin.email, password: admin.password, client_id: config.clientMetadata().client_id }),
      })
      expect(response.status).toBe(400)
      expect(((await response.json()) as { error: string }).error).toBe('unsupported_grant_type')
    })

    it('never redirects to an unregistered redirect URI: an error page under the strict CSP instead', async () => {
      const response = await authorizeRaw({ redirect_uri: 'https://evil.example/steal', code_challenge: 'a'.repeat(43), code_challenge_method: 'S256' })
      expect(response.status).toBe(400)
      expect(response.headers.get('location')).toBeNull()
      expect(response.headers.get('content-security-policy')).toContain("script-src 'self'")
      const page = await response.text()
      expect(page).not.toContain('evil.example')
      expect(page).not.toMatch(/https?:\/\/fonts\./)
      expect(page).not.toContain('<script')
      expect(page).not.toContain('<style')
    })

    it('matches redirect URIs exactly, except the port of a native app’s loopback URI (RFC 8252)', async () => {
      const native = await registerClient(server, { application_type: 'native', redirect_uris: ['http://127.0.0.1/callback'] })
      const anyPort = await startAuthorization(native, 'api_keys:read', { redirect_uri: 'http://127.0.0.1:54321/callback' })
      expect(await openConsentPage(server, anyPort)).toMatch(/^[A-Za-z0-9_-]+$/)
      const otherPath = await startAuthorization(native, 'api_keys:read', { redirect_uri: 'http://127.0.0.1:54321/elsewhere' })
      const refused = await otherPath.jar.fetch(otherPath.url)
      expect(refused.status).toBe(400)
      expect(refused.headers.get('location')).toBeNull()
      // A web app's registered loopback URI on another port is another URI.
      const webOtherPort = await authorizeRaw({ redirect_uri: REDIRECT_URI.replace(':59999', ':59998'), code_challenge: 'a'.repeat(43), code_challenge_method: 'S256' })
      expect(webOtherPort.status).toBe(400)
      expect(webOtherPort.headers.get('location')).toBeNull()
    })

    it('sends access_denied back when the user chooses Deny', async () => {
      const authorization = await startAuthorization(config, 'api_keys:read')
      const uid = await openConsentPage(server, authorization)
      const callback = await decide(server, authorization, admin, uid, 'deny')
      expect(callback.searchParams.get('error')).toBe('access_denied')
      expect(callback.searchParams.get('code')).toBeNull()
    })

    it('gives the consent calls only to the browser that started the authorization, and only to a signed-in session', async () => {
      const authorization = await startAuthorization(config, 'api_keys:read')
      const uid = await openConsentPage(server, authorization)
      const otherBrowser = await new CookieJar().fetch(`${server.url}/oauth/interaction/${uid}/details`, { headers: { authorization: `Bearer ${admin.accessToken}` } })
      expect(otherBrowser.status).toBe(404)
      expect(((await otherBrowser.json()) as { error: { code: string } }).error.code).toBe('not_found')
      const pat = await createPat(server, admin)
      const withPat = await authorization.jar.fetch(`${server.url}/oauth/interaction/${uid}/details`, { headers: { authorization: `Bearer ${pat.token}` } })
      expect(withPat.status).toBe(403)
      const anonymous = await authorization.jar.fetch(`${server.url}/oauth/interaction/${uid}/details`)
      expect(anonymous.status).toBe(401)
    })
  })

  describe('the user’s current permissions bound the token', () => {
    it('grants only scopes the user holds; demotion shrinks the token and removal kills it at once', async () => {
      const member = await joinOrganization(server, admin, 'company_admin', 'Ada')
      const { tokens } = await authorizeAndExchange(server, config, member, 'api_keys:read api_keys:write')
      const before = await server.request('GET', '/v1/me', { token: tokens.access_token })
      expect(before.body.data.scopes.sort()).toEqual(['api_keys:read', 'api_keys:write'])

      const demoted = await server.request('PATCH', `/v1/members/${member.userId}`, { token: admin.accessToken, body: { role: 'member' } })
      expect(demoted.status, demoted.text).toBe(200)
      const after = await server.request('GET', '/v1/me', { token: tokens.access_token })
      expect(after.status).toBe(200)
      expect(after.body.data.scopes).toEqual([])
      expect((await server.request('GET', '/v1/api-keys', { token: tokens.access_token })).status).toBe(403)

      // A member asking for what they do not hold gets a token without it.
      const narrow = await authorizeAndExchange(server, config, member, 'api_keys:write email')
      expect(narrow.tokens.scope).toBe('email')

      const removed = await server.request('DELETE', `/v1/members/${member.userId}`, { token: admin.accessToken })
      expect(removed.status, removed.text).toBe(200)
      expect((await server.request('GET', '/v1/me', { token: tokens.access_token })).status).toBe(401)

      // Like their PATs, the app's tokens stay dead when the user comes back.
      const home = await login(server, member.email, member.password)
      const invited = await server.request('POST', '/v1/invitations', { token: admin.accessToken, body: { email: member.email, role: 'company_admin' } })
      const accepted = await server.request('POST', '/v1/invitations/accept', { token: home.accessToken, body: { token: invitationTokenOf(invited.body.data.acceptUrl) } })
      expect(accepted.status, accepted.text).toBe(200)
      expect((await server.request('GET', '/v1/me', { token: tokens.access_token })).status).toBe(401)
      expect(await oauthError(client.refreshTokenGrant(config, tokens.refresh_token!))).toBe('invalid_grant')
    })

    it('cannot mint a PAT wider than what was granted', async () => {
      const { tokens } = await authorizeAndExchange(server, config, admin, 'personal_access_tokens:write personal_access_tokens:read')
      const created = await server.request('POST', '/v1/personal-access-tokens', { token: tokens.access_token, body: { name: 'from an app' } })
      expect(created.status, created.text).toBe(201)
      expect(created.body.data.scopes.sort()).toEqual(['personal_access_tokens:read', 'personal_access_tokens:write'])
      // The audit log says the user acted through the app.
      const audit = await server.request('GET', `/v1/audit-logs?action=credential.created&targetId=${created.body.data.id}`, { token: admin.accessToken })
      expect(audit.body.items[0]).toMatchObject({ actor: { type: 'user', id: admin.userId }, details: { via: { type: 'oauth_app', id: config.clientMetadata().client_id } } })
    })
  })

  it('lists authorized apps and revokes one: its tokens fail on the next request; audited and emitted as events', async () => {
    const app = await registerClient(server, { client_name: 'Revocable' })
    const clientId = app.clientMetadata().client_id
    const { tokens } = await authorizeAndExchange(server, app, admin, 'api_keys:read')
    expect((await server.request('GET', '/v1/me', { token: tokens.access_token })).status).toBe(200)

    const listed = await server.request('GET', '/v1/authorized-apps', { token: admin.accessToken })
    expect(listed.status).toBe(200)
    const entry = listed.body.items.find((item: { clientId: string }) => item.clientId === clientId)
    expect(entry).toMatchObject({ clientId, clientName: 'Revocable', scopes: ['api_keys:read'] })
    expect((await server.request('GET', '/api/v1/authorized-apps', { token: admin.accessToken })).status).toBe(200)
    // Managing which apps act for you takes a signed-in session, not a token.
    expect((await server.request('GET', '/v1/authorized-apps', { token: tokens.access_token })).status).toBe(403)

    const revoked = await server.request('DELETE', `/v1/authorized-apps/${encodeURIComponent(clientId)}`, { token: admin.accessToken })
    expect(revoked.status, revoked.text).toBe(200)
    expect(revoked.body.data).toEqual({ clientId, revokedGrants: 1 })
    expect((await server.request('GET', '/v1/me', { token: tokens.access_token })).status).toBe(401)
    expect(await oauthError(client.refreshTokenGrant(app, tokens.refresh_token!))).toBe('invalid_grant')
    const again = await server.request('DELETE', `/v1/authorized-apps/${encodeURIComponent(clientId)}`, { token: admin.accessToken })
    expect(again.status).toBe(404)
    const after = await server.request('GET', '/v1/authorized-apps', { token: admin.accessToken })
    expect(after.body.items.some((item: { clientId: string }) => item.clientId === clientId)).toBe(false)

    const actions = await auditActions(server, admin.accessToken, ['oauth_app.authorized', 'oauth_app.token_issued', 'oauth_app.revoked'])
    expect(actions).toEqual(expect.arrayContaining(['oauth_app.authorized', 'oauth_app.token_issued', 'oauth_app.revoked']))
    const audit = await server.request('GET', '/v1/audit-logs?limit=100', { token: admin.accessToken })
    expect(audit.text).not.toContain(tokens.access_token)
    expect(audit.text).not.toContain(tokens.refresh_token)
    const events = await server.running.database.db.selectFrom('events').select(['type', 'payload']).where('type', 'like', 'oauth_app.%').orderBy('seq').execute()
    const mine = events.filter((event) => event.payload.includes(clientId)).map((event) => event.type)
    expect(mine).toEqual(['oauth_app.authorized', 'oauth_app.revoked'])
  })
})

describe('OAuth client registration is throttled per address (sqlite)', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startOAuthServer('sqlite', { env: { BRANDWAVE_SIGNUPS_PER_IP: '2' } })
  })
  afterAll(() => server.close())

  it('answers 429 with Retry-After once an address has registered as many clients as it may sign up', async () => {
    await registerClient(server)
    await registerClient(server)
    const third = await fetch(`${server.url}/api/v1/oauth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ redirect_uris: [REDIRECT_URI] }) })
    expect(third.status).toBe(429)
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(third.headers.get('access-control-allow-origin')).toBe('*')
    expect(((await third.json()) as { error: string }).error).toBe('rate_limited')
  })
})

describe('a leaked OAuth token with BRANDWAVE_LEAK_ACTION=notify (sqlite)', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startOAuthServer('sqlite', { env: { BRANDWAVE_LEAK_ACTION: 'notify' } })
  })
  afterAll(() => server.close())

  it('is audited with where it was found and keeps working', async () => {
    const admin = await loginAdmin(server)
    const config = await registerClient(server)
    const { tokens } = await authorizeAndExchange(server, config, admin, 'api_keys:read')
    const reported = await server.request('POST', '/v1/credentials/revoke', { body: { credentials: [tokens.access_token] } })
    expect(reported.status).toBe(202)
    expect((await server.request('GET', '/v1/me', { token: tokens.access_token })).status).toBe(200)
    const audit = await server.request('GET', '/v1/audit-logs?action=oauth_app.token_exposed', { token: admin.accessToken })
    expect(audit.body.items).toHaveLength(1)
    expect(audit.body.items[0].details).toMatchObject({ reason: 'exposed', reportedVia: 'revoke_endpoint', leakAction: 'notify' })
  })
})
