import { expect } from 'vitest'
import * as client from 'openid-client'
import type { TestUser } from './actors.js'
import type { TestDatabaseKind } from './databases.js'
import { freePort } from './processes.js'
import { startTestServer, type TestServer, type TestServerOptions } from './server.js'

/** Where registered test apps say they live; nothing listens there: tests read the redirect. */
export const REDIRECT_URI = 'http://127.0.0.1:59999/callback'

/** A server whose issuer (BRANDWAVE_PUBLIC_URL) is the address it really listens on, as OAuth clients check. */
export async function startOAuthServer(kind: TestDatabaseKind, options: TestServerOptions = {}): Promise<TestServer> {
  const port = await freePort()
  return startTestServer(kind, { ...options, env: { PORT: String(port), BRANDWAVE_PUBLIC_URL: `http://127.0.0.1:${port}`, ...options.env } })
}

/** Registers a public client with openid-client's dynamic client registration (RFC 7591). */
export async function registerClient(server: Pick<TestServer, 'url'>, metadata: Partial<client.ClientMetadata> = {}, authentication?: client.ClientAuth): Promise<client.Configuration> {
  return client.dynamicClientRegistration(
    new URL(server.url),
    { client_name: 'Acme CRM', redirect_uris: [REDIRECT_URI], grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'none', ...metadata },
    authentication ?? client.None(),
    { algorithm: 'oauth2', execute: [client.allowInsecureRequests] },
  )
}

/** A browser's cookies, enough for the provider's interaction and session cookies (path-scoped). */
export class CookieJar {
  private readonly cookies = new Map<string, { value: string; path: string }>()

  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';').map((part) => part.trim())
      const separator = pair.indexOf('=')
      const name = pair.slice(0, separator)
      const value = pair.slice(separator + 1)
      const path = attributes.find((attribute) => attribute.toLowerCase().startsWith('path='))?.slice(5) ?? '/'
      const expired = attributes.some((attribute) => /^expires=thu, 01 jan 1970/i.test(attribute)) || value === ''
      if (expired) this.cookies.delete(`${name};${path}`)
      else this.cookies.set(`${name};${path}`, { value, path })
    }
  }

  header(url: URL): string {
    return [...this.cookies]
      .filter(([, cookie]) => url.pathname === cookie.path || url.pathname.startsWith(cookie.path.endsWith('/') ? cookie.path : `${cookie.path}/`))
      .map(([key, cookie]) => `${key.slice(0, key.indexOf(';'))}=${cookie.value}`)
      .join('; ')
  }

  /** A request as the browser would send it: its cookies, redirects not followed. */
  async fetch(url: URL | string, init: RequestInit = {}): Promise<Response> {
    const target = new URL(url)
    const headers = new Headers(init.headers)
    const cookie = this.header(target)
    if (cookie !== '') headers.set('cookie', cookie)
    const response = await fetch(target, { ...init, headers, redirect: 'manual' })
    this.store(response)
    return response
  }
}

export interface Authorization {
  readonly url: URL
  readonly verifier: string
  readonly state: string
  readonly jar: CookieJar
}

/** The authorization URL for code + PKCE S256, as openid-client builds it. */
export async function startAuthorization(config: client.Configuration, scope: string, extra: Record<string, string> = {}): Promise<Authorization> {
  const verifier = client.randomPKCECodeVerifier()
  const state = client.randomState()
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope,
    state,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    ...extra,
  })
  return { url, verifier, state, jar: new CookieJar() }
}

/** Follows the authorization request to the consent page; returns the interaction's uid. */
export async function openConsentPage(server: Pick<TestServer, 'url'>, authorization: Authorization): Promise<string> {
  const response = await authorization.jar.fetch(authorization.url)
  expect(response.status, await response.clone().text()).toBe(303)
  const location = new URL(response.headers.get('location') ?? '', server.url)
  const match = /^\/oauth\/interaction\/([A-Za-z0-9_-]+)$/.exec(location.pathname)
  expect(match, location.href).not.toBeNull()
  return match![1]!
}

/** What the consent page does on `Allow` or `Deny`, over HTTP, as the signed-in user; returns the URL the app is sent back to. */
export async function decide(server: Pick<TestServer, 'url'>, authorization: Authorization, user: Pick<TestUser, 'accessToken'>, uid: string, decision: 'allow' | 'deny'): Promise<URL> {
  const details = await authorization.jar.fetch(`${server.url}/oauth/interaction/${uid}/details`, { headers: { authorization: `Bearer ${user.accessToken}` } })
  expect(details.status, await details.clone().text()).toBe(200)
  const decided = await authorization.jar.fetch(`${server.url}/oauth/interaction/${uid}/decision`, {
    method: 'POST',
    headers: { authorization: `Bearer ${user.accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ decision }),
  })
  const body = (await decided.json()) as { data: { redirectTo: string } }
  expect(decided.status, JSON.stringify(body)).toBe(200)
  const resumed = await authorization.jar.fetch(new URL(body.data.redirectTo, server.url))
  expect(resumed.status).toBe(303)
  const callback = new URL(resumed.headers.get('location') ?? '', server.url)
  expect(callback.origin + callback.pathname).toBe(REDIRECT_URI)
  return callback
}

/** The whole flow for `user`: authorize, allow, exchange the code with openid-client. */
export async function authorizeAndExchange(server: Pick<TestServer, 'url'>, config: client.Configuration, user: Pick<TestUser, 'accessToken'>, scope: string) {
  const authorization = await startAuthorization(config, scope)
  const uid = await openConsentPage(server, authorization)
  const callback = await decide(server, authorization, user, uid, 'allow')
  const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: authorization.verifier, expectedState: authorization.state })
  return { tokens, callback, authorization }
}
