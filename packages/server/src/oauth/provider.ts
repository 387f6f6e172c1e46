import { randomBytes } from 'node:crypto'
import { generateToken, type ScopeCatalog } from '@brandwave/core'
import Provider, { type Configuration, type JWK, type KoaContextWithOIDC } from 'oidc-provider'
import type { AccessVersion } from '../shared-state/access-version.js'
import type { Storage } from '../storage/index.js'
import { oauthAdapterFactory } from './adapter.js'
import { errorPage } from './pages.js'

/** Scopes of OpenID Connect itself: what the userinfo answer and the ID token carry. */
export const IDENTITY_SCOPES = ['openid', 'email', 'profile'] as const
export const ACCESS_TOKEN_TTL_SECONDS = 3600
export const REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 3600

/** Where the provider answers; the issuer is the bare public origin, so these are absolute. */
export const OAUTH_ROUTES = {
  authorization: '/oauth/authorize',
  token: '/oauth/token',
  registration: '/oauth/register',
  revocation: '/oauth/revoke',
  userinfo: '/oauth/userinfo',
  jwks: '/oauth/jwks',
  end_session: '/oauth/session/end',
  introspection: '/oauth/introspect',
  pushed_authorization_request: '/oauth/par',
  code_verification: '/oauth/device',
  device_authorization: '/oauth/device/auth',
  backchannel_authentication: '/oauth/backchannel',
  challenge: '/oauth/challenge',
} as const

export const interactionPath = (uid: string) => `/oauth/interaction/${uid}`

export interface ProviderOptions {
  readonly issuer: string
  readonly storage: Pick<Storage, 'oauthModels' | 'users'>
  readonly catalog: ScopeCatalog
  readonly tokenPrefix: string
  readonly tokenPrefixes: readonly string[]
  readonly tokenHashKey: Buffer
  readonly sealKey: Buffer
  readonly cookieKey: Buffer
  readonly signingKey: JWK
  readonly accessVersion: AccessVersion
  readonly onGrantRevoked: (grantId: string) => Promise<void>
  /** The dashboard's stylesheet, for the error page; null when the dashboard is not built. */
  readonly stylesheet: string | null
}

/**
 * oidc-provider, configured for SPEC §6: authorization code with PKCE (S256) only, open
 * dynamic registration, rotating refresh tokens whose reuse ends the grant, Brandwave's own
 * token format, and storage that keeps only keyed hashes of tokens.
 */
export function createProvider(options: ProviderOptions): Provider {
  const { storage, catalog } = options
  const configuration: Configuration = {
    adapter: oauthAdapterFactory({ repository: storage.oauthModels, tokenPrefixes: options.tokenPrefixes, tokenHashKey: options.tokenHashKey, sealKey: options.sealKey, accessVersion: options.accessVersion, onGrantRevoked: options.onGrantRevoked }),
    jwks: { keys: [options.signingKey] },
    cookies: { keys: [options.cookieKey.toString('base64url')], long: { signed: true, sameSite: 'lax' }, short: { signed: true, sameSite: 'lax' } },
    routes: OAUTH_ROUTES,
    responseTypes: ['code'],
    pkce: { required: () => true },
    scopes: [...IDENTITY_SCOPES, ...catalog.scopes.map((entry) => entry.scope)],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    clientDefaults: { grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none' },
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true, initialAccessToken: false },
      // A client revokes only its own tokens; for another client's token, RFC 7009's answer is still 200.
      revocation: { enabled: true, allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId },
      userinfo: { enabled: true },
      introspection: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      claimsParameter: { enabled: false },
    },
    ttl: {
      AccessToken: ACCESS_TOKEN_TTL_SECONDS,
      RefreshToken: REFRESH_TOKEN_TTL_SECONDS,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 3600,
      Session: 24 * 3600,
      Grant: 365 * 24 * 3600,
    },
    rotateRefreshToken: true,
    // Refresh tokens go to every client registered for the refresh grant, offline_access or not.
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    // Tokens live their own lifetime; the provider's browser session only spans the sign-in.
    expiresWithSession: () => false,
    // Revoking any token of a grant, or replaying a used refresh token or code, ends the grant.
    revokeGrantPolicy: () => true,
    // Every authorization asks the signed-in user (consent is not remembered silently).
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const grantId = ctx.oidc.result?.consent?.grantId
      return grantId === undefined ? undefined : ctx.oidc.provider.Grant.find(grantId)
    },
    // Token, revocation, userinfo and registration answer browser clients of any origin.
    clientBasedCORS: () => true,
    interactions: { url: (_ctx, interaction) => interactionPath(interaction.uid) },
    findAccount: async (_ctx, sub) => {
      const user = await storage.users.find(sub)
      if (user === undefined) return undefined
      return {
        accountId: user.id,
        claims: () => ({ sub: user.id, email: user.email, email_verified: user.emailVerifiedAt !== null, name: user.name }),
      }
    },
    renderError: (ctx, out) => {
      ctx.type = 'html'
      ctx.body = errorPage(out, options.stylesheet)
    },
  }
  const provider = new Provider(options.issuer, configuration)
  patchTokenFormat(provider, options.tokenPrefix)
  return provider
}

/**
 * oidc-provider has no setting for the token format. Its opaque ids come from
 * `generateTokenId`; the original runs first (it records the format), then the id is
 * replaced by a Brandwave token, so access and refresh tokens match the scanners' pattern
 * and pass `parseToken`. This is internal API: oauth.test.ts fails if an upgrade breaks it.
 */
export function patchTokenFormat(provider: Provider, prefix: string): void {
  const patch = (model: { prototype: { generateTokenId: () => string } }, kind: 'at' | 'rt') => {
    const original = model.prototype.generateTokenId
    model.prototype.generateTokenId = function (this: unknown) {
      original.call(this)
      return generateToken(prefix, kind, randomBytes)
    }
  }
  patch(provider.AccessToken as unknown as { prototype: { generateTokenId: () => string } }, 'at')
  patch(provider.RefreshToken as unknown as { prototype: { generateTokenId: () => string } }, 'rt')
}
