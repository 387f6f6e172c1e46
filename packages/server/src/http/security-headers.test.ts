import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { generate } from 'otplib'
import * as oauthClient from 'openid-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiKey, createPat, invitationTokenOf, loginAdmin, signUp, type TestUser } from '@brandwave/testing/actors'
import { ensureDashboardBuilt } from '@brandwave/testing/dashboard'
import { rawRequest } from '@brandwave/testing/http'
import { REDIRECT_URI, startOAuthServer } from '@brandwave/testing/oauth'
import type { TestServer } from '@brandwave/testing/server'
import { DEFAULT_DASHBOARD_DIR } from './dashboard.js'

type Transport = 'http' | 'https'

/** A year, the least HSTS preload lists and the OWASP cheat sheet accept. */
const HSTS_MIN_MAX_AGE = 31_536_000

function cspDirectives(header: string | null): Map<string, string[]> {
  const directives = new Map<string, string[]>()
  for (const part of (header ?? '').split(';')) {
    const [name, ...values] = part.trim().split(/\s+/)
    if (name !== undefined && name !== '') directives.set(name.toLowerCase(), values)
  }
  return directives
}

function cookieAttributes(line: string): { name: string; attributes: Map<string, string> } {
  const [pair = '', ...rest] = line.split(';').map((part) => part.trim())
  const attributes = new Map<string, string>()
  for (const attribute of rest) {
    const separator = attribute.indexOf('=')
    attributes.set((separator === -1 ? attribute : attribute.slice(0, separator)).toLowerCase(), separator === -1 ? '' : attribute.slice(separator + 1))
  }
  return { name: pair.slice(0, pair.indexOf('=')), attributes }
}

/**
 * What every response must carry, whatever produced it: the API, the framework's own
 * refusals, the dashboard, the docs page or the OAuth provider mounted beside them.
 */
function expectSecurityHeaders(response: Response, transport: Transport, what: string): void {
  const headers = response.headers
  expect(headers.get('x-content-type-options'), what).toBe('nosniff')

  const hsts = headers.get('strict-transport-security')
  if (transport === 'https') {
    expect(hsts, what).toMatch(/^max-age=\d+; includeSubDomains$/)
    expect(Number(/max-age=(\d+)/.exec(hsts ?? '')?.[1]), what).toBeGreaterThanOrEqual(HSTS_MIN_MAX_AGE)
  } else {
    // Over plain HTTP the header is meaningless (RFC 6797 §7.2) and, on a deployment that
    // has no TLS at all, would lock browsers out of it.
    expect(hsts, what).toBeNull()
  }

  // What a body is, and in which encoding, is said, never guessed (nosniff forbids guessing).
  const contentType = headers.get('content-type')
  if (response.status !== 204 && headers.get('content-length') !== '0') {
    expect(contentType, `${what}: content-type`).not.toBeNull()
    if (/^(text\/|application\/(json|javascript))/.test(contentType ?? '')) expect(contentType?.toLowerCase(), `${what}: charset`).toMatch(/;\s*charset=utf-8/)
  }

  const csp = cspDirectives(headers.get('content-security-policy'))
  const framingRefused = headers.get('x-frame-options') === 'DENY' || csp.get('frame-ancestors')?.join(' ') === "'none'"
  expect(framingRefused, `${what}: frame protection`).toBe(true)

  if ((headers.get('content-type') ?? '').startsWith('text/html')) {
    const scripts = csp.get('script-src') ?? csp.get('default-src')
    expect(scripts, `${what}: a script policy`).toBeDefined()
    expect(scripts, what).not.toContain("'unsafe-inline'")
    expect(scripts, what).not.toContain("'unsafe-eval'")
    expect(scripts, what).not.toContain('*')
    expect(csp.get('frame-ancestors'), what).toEqual(["'none'"])
    expect(csp.get('object-src'), what).toEqual(["'none'"])
    expect(csp.get('base-uri'), what).toEqual(["'none'"])
  }

  for (const line of headers.getSetCookie()) {
    const { name, attributes } = cookieAttributes(line)
    const cookie = `${what}: cookie ${name}`
    expect(attributes.has('httponly'), cookie).toBe(true)
    expect(attributes.get('samesite')?.toLowerCase(), cookie).toMatch(/^(strict|lax)$/)
    expect(attributes.get('path'), cookie).toMatch(/^\//)
    expect(attributes.has('domain'), `${cookie}: host-only`).toBe(false)
    // Secure behind TLS; over plain HTTP a Secure cookie would never come back.
    expect(attributes.has('secure'), cookie).toBe(transport === 'https')
    if (name.startsWith('__Host-')) expect(attributes.get('path'), cookie).toBe('/')
  }
}

function expectNoStore(response: Response, what: string): void {
  expect(response.headers.get('cache-control') ?? '', `${what}: cache-control`).toMatch(/\bno-store\b/)
}

/**
 * Security headers and cookies, read from outside over real HTTP on every kind of response
 * the server gives. Behind TLS means what a deployment means by it: a trusted proxy
 * (TRUST_PROXY) terminates TLS and says so in X-Forwarded-Proto; the server has no TLS of its
 * own (README, Configuration).
 *
 * One database kind: every header here is set by the HTTP layer (request hooks, the
 * dashboard, the docs page, the OAuth mount) from the request alone; which database stores
 * the rows behind a response changes none of them.
 */
describe('security headers and cookies on every response type (sqlite)', () => {
  let server: TestServer
  let admin: TestUser

  beforeAll(async () => {
    ensureDashboardBuilt()
    server = await startOAuthServer('sqlite', { env: { TRUST_PROXY: 'true', BRANDWAVE_WEBHOOK_ALLOW_PRIVATE: 'true', BRANDWAVE_RESOURCES: 'contacts' } })
    admin = await loginAdmin(server)
  })
  afterAll(() => server?.close())

  describe.each<Transport>(['http', 'https'])('over %s', (transport) => {
    const origin = () => (transport === 'https' ? `https://${new URL(server.url).host}` : server.url)
    const send = (path: string, init: RequestInit & { token?: string; json?: unknown } = {}) => {
      const headers = new Headers(init.headers)
      if (transport === 'https') headers.set('x-forwarded-proto', 'https')
      if (init.token !== undefined) headers.set('authorization', `Bearer ${init.token}`)
      if (init.json !== undefined) headers.set('content-type', 'application/json')
      return fetch(new URL(path, server.url), { ...init, headers, redirect: 'manual', ...(init.json !== undefined && { body: JSON.stringify(init.json) }) })
    }
    const check = async (what: string, response: Response | Promise<Response>, status?: number) => {
      const answered = await response
      if (status !== undefined) expect(answered.status, `${what}: ${await answered.clone().text()}`).toBe(status)
      expectSecurityHeaders(answered, transport, what)
      return answered
    }
    const checkSecret = async (what: string, response: Response | Promise<Response>, status: number) => {
      const answered = await check(what, response, status)
      expectNoStore(answered, what)
      return answered
    }

    it('JSON successes and every kind of JSON error', async () => {
      await check('GET /v1/me', send('/v1/me', { token: admin.accessToken }), 200)
      await check('GET /v1/scopes', send('/v1/scopes', { token: admin.accessToken }), 200)
      await check('400', send('/v1/personal-access-tokens', { method: 'POST', token: admin.accessToken, json: { name: 7 } }), 400)
      await check('401', send('/v1/me'), 401)
      await check('403', send('/v1/auth/browser-session', { method: 'POST', json: {}, headers: { origin: 'https://evil.example' } }), 403)
      await check('404', send('/v1/nowhere', { token: admin.accessToken }), 404)
      await check('405', send('/v1/api-keys', { method: 'PUT', token: admin.accessToken, json: {} }), 405)
      await check('413', send('/v1/personal-access-tokens', { method: 'POST', token: admin.accessToken, json: { name: 'x', padding: 'a'.repeat(70 * 1024) } }), 413)
      await check('415', send('/v1/personal-access-tokens', { method: 'POST', token: admin.accessToken, body: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415)
      await check('400 credential in the URL', send('/v1/me?access_token=anything'), 400)

      const email = `nobody-${transport}@example.com`
      let throttled: Response | undefined
      for (let attempt = 0; attempt < 10 && throttled === undefined; attempt++) {
        const response = await send('/v1/auth/login', { method: 'POST', json: { email, password: 'not the password' } })
        if (response.status === 429) throttled = response
        else await check('401 login', response, 401)
      }
      expect(throttled, 'sign-in throttled').toBeDefined()
      await check('429', throttled!, 429)
      expect(throttled!.headers.get('retry-after')).toMatch(/^\d+$/)
    })

    it('the documents and probes: /openapi.json, /healthz, /readyz, the /docs page and its files', async () => {
      const openapi = await check('/openapi.json', send('/openapi.json'), 200)
      expect(openapi.headers.get('content-type')).toMatch(/^application\/json/)
      await check('/healthz', send('/healthz'), 200)
      await check('/readyz', send('/readyz'), 200)
      const docs = await check('/docs', send('/docs'), 200)
      expect(docs.headers.get('content-type')).toMatch(/^text\/html/)
      // The page's own script and stylesheet, under the API's locked-down policy.
      const assets = [...(await docs.text()).matchAll(/(?:src|href)="([^"]+\.(?:js|css))"/g)].map((match) => new URL(match[1]!, `${server.url}/docs/`).pathname)
      expect(assets.length).toBeGreaterThan(0)
      for (const asset of assets) await check(`/docs file ${asset}`, send(asset), 200)
      await check('/metrics', send('/metrics'))
    })

    it('the dashboard: its pages under the strict CSP, its hashed assets', async () => {
      for (const path of ['/', '/sign-in', '/settings/developer/api-keys', '/invitations/accept', '/reset-password']) {
        const page = await check(`dashboard ${path}`, send(path, { headers: { accept: 'text/html' } }), 200)
        expect(page.headers.get('content-type')).toMatch(/^text\/html/)
      }
      for (const asset of readdirSync(join(DEFAULT_DASHBOARD_DIR, 'assets')).filter((name) => /\.(js|css)$/.test(name))) {
        await check(`asset ${asset}`, send(`/assets/${asset}`), 200)
      }
      await check('missing asset', send('/assets/index-00000000.js'), 404)
    })

    it('errors the HTTP parser answers itself: oversized headers (431), a malformed URL', async () => {
      // Written before any request object exists, so the forwarded protocol is unknown: the
      // headers every response carries are there, HSTS cannot be.
      if (transport === 'https') return
      const oversized = await rawRequest(server.url, `GET /v1/me HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)
      expect(oversized.status).toBe(431)
      expect(oversized.headers.toLowerCase()).toContain('x-content-type-options: nosniff')
      expect(oversized.headers.toLowerCase()).toContain("frame-ancestors 'none'")
      const long = await rawRequest(server.url, `GET /v1/api-keys/${'a'.repeat(300)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)
      expect(long.status).toBe(404)
      expect(long.headers.toLowerCase()).toContain('x-content-type-options: nosniff')
      expect(long.headers.toLowerCase()).toContain("frame-ancestors 'none'")
    })

    it('refuses a request whose length is ambiguous (Content-Length and Transfer-Encoding together): no smuggling', async () => {
      if (transport === 'https') return
      const ambiguous = await rawRequest(
        server.url,
        `POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\nGET /v1/me HTTP/1.1\r\nHost: x\r\n\r\n`,
      )
      expect(ambiguous.status).toBe(400)
      // One answer for one connection: the smuggled second request was never read.
      expect(ambiguous.body).not.toContain('HTTP/1.1')
    })

    it('no-store on every response that carries a secret: sign-in, refresh, credentials, 2FA, invitations, webhook secrets', async () => {
      const user = await signUp(server, `Headers${transport}`)
      const signedIn = await checkSecret('login', send('/v1/auth/login', { method: 'POST', json: { email: user.email, password: user.password } }), 200)
      const { refreshToken } = ((await signedIn.json()) as { data: { refreshToken: string } }).data
      await checkSecret('refresh', send('/v1/auth/refresh', { method: 'POST', json: { refreshToken } }), 200)
      await checkSecret('signup', send('/v1/auth/signup', { method: 'POST', json: { email: `signup-${transport}@example.com`, password: 'a long enough passphrase', name: 'S', organizationName: 'S' } }), 201)

      const pat = await checkSecret('PAT create', send('/v1/personal-access-tokens', { method: 'POST', token: user.accessToken, json: { name: 'headers', currentPassword: user.password } }), 201)
      const patData = ((await pat.json()) as { data: { id: string; token: string } }).data
      await checkSecret('PAT rotate', send(`/v1/personal-access-tokens/${patData.id}/rotate`, { method: 'POST', token: user.accessToken, json: { currentPassword: user.password } }), 201)

      const key = await checkSecret('API key create', send('/v1/api-keys', { method: 'POST', token: admin.accessToken, json: { name: 'headers', scopes: ['contacts:read'] } }), 201)
      const keyId = ((await key.json()) as { data: { id: string } }).data.id
      await checkSecret('API key rotate', send(`/v1/api-keys/${keyId}/rotate`, { method: 'POST', token: admin.accessToken, json: {} }), 201)

      const automation = await createApiKey(server, admin.accessToken, { scopes: ['api_keys:write', 'api_keys:workflow', 'contacts:read'] })
      const accountToken = await checkSecret('account token create', send('/api/accounts/1/api_tokens', { method: 'POST', headers: { 'api-token': automation.token }, json: { name: 'headers' } }), 200)
      const accountTokenId = ((await accountToken.json()) as { id: number }).id
      await checkSecret('account token reset', send(`/api/accounts/1/api_tokens/${accountTokenId}/reset`, { method: 'POST', headers: { 'api-token': automation.token }, json: {} }), 200)

      const setup = await checkSecret('2FA setup', send('/v1/auth/2fa/setup', { method: 'POST', token: user.accessToken, json: { currentPassword: user.password } }), 200)
      const { secret } = ((await setup.json()) as { data: { secret: string } }).data
      const code = await generate({ secret, epoch: Math.floor(server.clock.now() / 1000) })
      await checkSecret('2FA enable (recovery codes)', send('/v1/auth/2fa/enable', { method: 'POST', token: user.accessToken, json: { code, currentPassword: user.password } }), 200)
      await checkSecret('new recovery codes', send('/v1/auth/2fa/recovery-codes', { method: 'POST', token: user.accessToken, json: { currentPassword: user.password } }), 200)

      const invitation = await checkSecret('invitation create', send('/v1/invitations', { method: 'POST', token: admin.accessToken, json: { email: `invited-${transport}@example.com`, role: 'member' } }), 201)
      const acceptUrl = ((await invitation.json()) as { data: { acceptUrl: string } }).data.acceptUrl
      expect(invitationTokenOf(acceptUrl)).not.toBe('')
      await checkSecret('password reset request', send('/v1/auth/password-reset', { method: 'POST', json: { email: user.email } }), 202)

      const webhook = await checkSecret('webhook endpoint create', send('/v1/webhook-endpoints', { method: 'POST', token: admin.accessToken, json: { url: 'http://127.0.0.1:9/hook' } }), 201)
      const webhookId = ((await webhook.json()) as { data: { id: string } }).data.id
      await checkSecret('webhook secret rotate', send(`/v1/webhook-endpoints/${webhookId}/rotate-secret`, { method: 'POST', token: admin.accessToken, json: {} }), 200)

      // The refused requests above answer the same way: an error may echo what was sent.
      await checkSecret('wrong password', send('/v1/auth/login', { method: 'POST', json: { email: user.email, password: 'wrong' } }), 401)
      // A PAT of a member acts on the API like any other credential.
      const member = await createPat(server, user, { name: 'reader' })
      await check('GET /v1/me with a PAT', send('/v1/me', { token: member.token }), 200)
    })

    it('the dashboard session: the refresh cookie is HttpOnly, SameSite=Strict, path-scoped, Secure behind TLS', async () => {
      const user = await signUp(server, `Cookie${transport}`)
      const started = await checkSecret('browser session', send('/v1/auth/browser-session', { method: 'POST', headers: { origin: origin() }, json: { email: user.email, password: user.password } }), 200)
      const cookies = started.headers.getSetCookie()
      expect(cookies).toHaveLength(1)
      const { name, attributes } = cookieAttributes(cookies[0]!)
      expect(name).toBe('brandwave_refresh')
      expect(attributes.get('samesite')).toBe('Strict')
      expect(attributes.get('path')).toBe('/v1/auth/browser-session')
      const value = cookies[0]!.slice(cookies[0]!.indexOf('=') + 1, cookies[0]!.indexOf(';'))
      const refreshed = await checkSecret('browser session refresh', send('/v1/auth/browser-session/refresh', { method: 'POST', headers: { origin: origin(), cookie: `brandwave_refresh=${value}` }, json: {} }), 200)
      expect(refreshed.headers.getSetCookie()).toHaveLength(1)
      const cleared = await check('refresh with a dead cookie', send('/v1/auth/browser-session/refresh', { method: 'POST', headers: { origin: origin(), cookie: `brandwave_refresh=${value}` }, json: {} }), 401)
      expect(cleared.headers.getSetCookie()[0]).toMatch(/^brandwave_refresh=;.*Max-Age=0/)
    })

    it('OAuth: metadata, registration, authorize redirects, the sign-in and consent page, the error page, the token endpoint', async () => {
      await check('RFC 8414 metadata', send('/.well-known/oauth-authorization-server'), 200)
      await check('JWKS', send('/oauth/jwks'), 200)
      const registered = await checkSecret('client registration', send('/oauth/register', { method: 'POST', json: { client_name: 'Headers', redirect_uris: [REDIRECT_URI], grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'none' } }), 201)
      const clientId = ((await registered.json()) as { client_id: string }).client_id

      const verifier = oauthClient.randomPKCECodeVerifier()
      const authorize = new URL('/oauth/authorize', server.url)
      authorize.search = new URLSearchParams({ client_id: clientId, redirect_uri: REDIRECT_URI, response_type: 'code', scope: 'openid contacts:read', state: 'state-1', code_challenge: await oauthClient.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' }).toString()
      const cookieJar = new Map<string, string>()
      const browser = async (path: string, init: Parameters<typeof send>[1] = {}) => {
        const headers = new Headers(init.headers)
        if (cookieJar.size > 0) headers.set('cookie', [...cookieJar].map(([name, value]) => `${name}=${value}`).join('; '))
        const response = await send(path, { ...init, headers })
        for (const line of response.headers.getSetCookie()) {
          const pair = line.slice(0, line.indexOf(';'))
          cookieJar.set(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1))
        }
        return response
      }

      const toInteraction = await check('authorize (redirect to sign-in and consent)', browser(authorize.pathname + authorize.search), 303)
      expect(toInteraction.headers.getSetCookie().length, 'the interaction cookie').toBeGreaterThan(0)
      const interaction = new URL(toInteraction.headers.get('location') ?? '', server.url).pathname
      const uid = interaction.split('/').pop()!
      const page = await check('sign-in and consent page', browser(interaction, { headers: { accept: 'text/html' } }), 200)
      expect(page.headers.get('content-type')).toMatch(/^text\/html/)
      await check('consent details', browser(`${interaction}/details`, { token: admin.accessToken }), 200)
      const decided = await check('consent decision', browser(`${interaction}/decision`, { method: 'POST', token: admin.accessToken, json: { decision: 'allow' } }), 200)
      const redirectTo = ((await decided.json()) as { data: { redirectTo: string } }).data.redirectTo
      const resumed = await check('authorize resumed (redirect to the app)', browser(new URL(redirectTo, server.url).pathname), 303)
      const callback = new URL(resumed.headers.get('location') ?? '')
      expect(callback.origin + callback.pathname).toBe(REDIRECT_URI)
      expect(uid).not.toBe('')

      const exchange = (body: Record<string, string>) => send('/oauth/token', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(body).toString() })
      const tokens = await checkSecret('token endpoint', exchange({ grant_type: 'authorization_code', code: callback.searchParams.get('code') ?? '', redirect_uri: REDIRECT_URI, client_id: clientId, code_verifier: verifier }), 200)
      const { refresh_token: refresh } = (await tokens.json()) as { refresh_token: string }
      await checkSecret('token endpoint refresh', exchange({ grant_type: 'refresh_token', refresh_token: refresh, client_id: clientId }), 200)
      await checkSecret('token endpoint error', exchange({ grant_type: 'refresh_token', refresh_token: refresh, client_id: clientId }), 400)

      const unknownClient = new URL(authorize)
      unknownClient.searchParams.set('client_id', 'nobody')
      const errorPage = await check('OAuth error page', send(unknownClient.pathname + unknownClient.search, { headers: { accept: 'text/html' } }), 400)
      expect(errorPage.headers.get('content-type')).toMatch(/^text\/html/)
    })
  })

  it('believes X-Forwarded-Proto only from a trusted proxy: without TRUST_PROXY, no HSTS and no Secure cookie', async () => {
    const direct = await startOAuthServer('sqlite')
    try {
      const admin = await loginAdmin(direct)
      const forged = { 'x-forwarded-proto': 'https' }
      const me = await fetch(`${direct.url}/v1/me`, { headers: { ...forged, authorization: `Bearer ${admin.accessToken}` } })
      expect(me.status).toBe(200)
      expectSecurityHeaders(me, 'http', 'untrusted X-Forwarded-Proto')
      const started = await fetch(`${direct.url}/v1/auth/browser-session`, {
        method: 'POST',
        headers: { ...forged, origin: direct.url, 'content-type': 'application/json' },
        body: JSON.stringify({ email: admin.email, password: admin.password }),
      })
      expect(started.status).toBe(200)
      expectSecurityHeaders(started, 'http', 'untrusted X-Forwarded-Proto, browser session')
    } finally {
      await direct.close()
    }
  })
})
