import type { IncomingMessage, ServerResponse } from 'node:http'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ApiError, type ScopeCatalog } from '@brandwave/core'
import { decideOAuthInteraction, getOAuthInteraction } from '@brandwave/contract'
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fastifyPlugin from 'fastify-plugin'
import type Provider from 'oidc-provider'
import type { Authenticator, OAuthEntry } from '../auth/authenticator.js'
import type { SessionPrincipal } from '../auth/principal.js'
import { UsageRecorder } from '../auth/usage-recorder.js'
import { VerificationCache } from '../auth/verification-cache.js'
import type { Clock } from '../clock.js'
import type { Config } from '../config.js'
import { DEFAULT_DASHBOARD_DIR } from '../http/dashboard.js'
import type { Idempotency } from '../http/idempotency.js'
import { HTML_CSP } from '../http/openapi.js'
import { registerOperation } from '../http/register-operation.js'
import type { RouteRegistrar } from '../routes/route-registrar.js'
import type { DerivedKeys } from '../secret.js'
import type { RequestContext } from '../request-context.js'
import { AddressThrottle } from '../shared-state/counters.js'
import type { SharedState } from '../shared-state/index.js'
import type { Storage } from '../storage/index.js'
import { createProvider, IDENTITY_SCOPES, OAUTH_ROUTES } from './provider.js'
import type { OAuthAppService, GrantEndReason } from '../services/oauth-apps.js'
import { loadSigningKey } from './signing-key.js'
import { OAuthTokenVerifier } from './verification.js'

export interface OAuthDependencies {
  readonly config: Config
  readonly storage: Storage
  readonly keys: DerivedKeys
  readonly catalog: ScopeCatalog
  readonly clock: Clock
  /** The access version every revocation moves, and when caches must start cold. */
  readonly shared: SharedState
  /** Consents: recorded on Allow, ended when oidc-provider ends a grant. */
  readonly oauthApps: OAuthAppService
  readonly authenticator: Authenticator
  readonly idempotency: Idempotency
  readonly tokenPrefixes: readonly string[]
}

const EXPIRED_SWEEP_INTERVAL_MS = 10 * 60_000

/** What the consent page calls each identity scope, in words. */
const IDENTITY_SCOPE_WORDS: Readonly<Record<(typeof IDENTITY_SCOPES)[number], string>> = {
  openid: 'Know who you are (your Brandwave user id)',
  email: 'See your email address',
  profile: 'See your name',
}

/**
 * OAuth 2.1 for third-party apps (SPEC §6): oidc-provider mounted at the bare origin
 * (`/oauth/…`, `/.well-known/…`), the consent page's two calls, `/oauth/userinfo`,
 * `/v1/authorized-apps`, and `{prefix}_at_…` tokens on `/v1`. The provider's routes get
 * neither the API's JSON-only rule, its CORS refusal nor its error envelope: they answer as
 * RFC 6749 says, to browser clients of any origin.
 */
export async function registerOAuth(app: FastifyInstance, deps: OAuthDependencies): Promise<void> {
  const { config, keys, catalog, authenticator, idempotency, shared } = deps
  const accessVersion = shared.accessVersion
  const { storage } = deps
  const oauth = deps.oauthApps
  const provider = createProvider({
    issuer: config.publicUrl,
    storage,
    catalog,
    tokenPrefix: config.tokenPrefix,
    tokenPrefixes: deps.tokenPrefixes,
    tokenHashKey: keys.tokenHash,
    sealKey: keys.oauthEncryption,
    cookieKey: keys.oauthCookies,
    signingKey: await loadSigningKey(storage, keys.oauthEncryption),
    accessVersion,
    onGrantRevoked: (grantId) => oauth.markGrantRevoked(grantId),
    stylesheet: dashboardStylesheet(),
  })
  // Behind a trusted proxy (TRUST_PROXY), it terminates TLS: the forwarded protocol decides cookies' Secure flag.
  provider.proxy = config.trustProxy !== false

  // `/v1` accepts access tokens through the one verification pipeline.
  const cache = new VerificationCache<OAuthEntry>({ maxEntries: config.cacheEntries, ttlMs: Math.max(shared.cacheTtlMs, 1) })
  shared.onLost(() => cache.clear())
  const usage = new UsageRecorder({
    write: (entries) => storage.oauthAuthorizations.recordUsage(entries),
    intervalMs: config.usageFlushIntervalMs,
    onError: (error) => app.log.error({ err: error }, 'could not record OAuth app usage; will retry'),
  })
  usage.start()
  const sweep = setInterval(() => {
    storage.oauthModels
      .purgeExpired(new Date().toISOString())
      .catch((error: unknown) => app.log.error({ err: error }, 'could not purge expired OAuth records; will retry'))
  }, EXPIRED_SWEEP_INTERVAL_MS)
  sweep.unref()
  app.addHook('onClose', async () => {
    clearInterval(sweep)
    await usage.stop()
  })
  authenticator.acceptOAuthTokens({
    verifier: new OAuthTokenVerifier({ oauthModels: storage.oauthModels, tokenHashKey: keys.tokenHash, sealKey: keys.oauthEncryption, catalog, defaultRateLimitPerMinute: config.defaultRateLimitPerMinute }),
    cache,
    usage,
  })

  const contexts = new WeakMap<IncomingMessage, RequestContext>()
  auditProviderEvents(provider, oauth, contexts, app.log)

  // Registration is open to anyone: each address may register as many clients as it may sign up.
  const registrations = new AddressThrottle(shared.counters, config.signupThrottle, 'oauth-register-ip')
  await app.register((group, _options, done) => {
    mountProvider(group, provider, contexts, registrations)
    group.route({ method: ['GET', 'POST'], url: OAUTH_ROUTES.userinfo, schema: { hide: true }, handler: userinfo(authenticator) })
    group.options(OAUTH_ROUTES.userinfo, { schema: { hide: true } }, (_request, reply) =>
      reply
        .code(204)
        .header('access-control-allow-origin', '*')
        .header('access-control-allow-methods', 'GET, POST')
        .header('access-control-allow-headers', 'authorization, content-type')
        .header('access-control-max-age', '600')
        .send(),
    )
    done()
  })

  // The consent page's calls, under the interaction's path so its cookie comes along.
  const raw = new Map<string, { req: IncomingMessage; res: ServerResponse }>()
  await app.register((group, _options, done) => {
    group.addHook('onRequest', (request, reply, next) => {
      raw.set(request.id, { req: request.raw, res: reply.raw })
      next()
    })
    group.addHook('onResponse', (request, _reply, next) => {
      raw.delete(request.id)
      next()
    })
    group.addHook('onRequestAbort', (request, next) => {
      raw.delete(request.id)
      next()
    })
    const route: RouteRegistrar = (operation, handler) => registerOperation(group, operation, handler, { authenticator, idempotency, hidden: true })
    const interaction = async (requestId: string | null, uid: string) => {
      const exchange = requestId === null ? undefined : raw.get(requestId)
      if (exchange === undefined) throw new ApiError('not_found', 'This sign-in request is unknown.')
      const details = await provider.interactionDetails(exchange.req, exchange.res).catch(() => undefined)
      // The cookie names the interaction this browser started: another uid is not its own.
      if (details?.uid !== uid) throw new ApiError('not_found', 'This sign-in request has expired or belongs to another browser. Start again from the app.')
      return { details, exchange }
    }

    route(getOAuthInteraction, async ({ principal, params, request }) => {
      const { details } = await interaction(request.requestId, params.uid)
      const client = await provider.Client.find(String(details.params.client_id))
      if (client === undefined) throw new ApiError('not_found', 'The app is no longer registered.')
      const found = await storage.organizations.find(principal.organizationId)
      if (found === undefined) throw new ApiError('not_found', 'Your organization no longer exists.')
      const organization = { id: found.id, name: found.name }
      return {
        status: 200,
        body: {
          data: {
            clientId: client.clientId,
            clientName: client.clientName ?? null,
            clientUri: typeof client.clientUri === 'string' ? client.clientUri : null,
            redirectUri: String(details.params.redirect_uri),
            signInRequired: !signInFreshEnough(details, principal, deps.clock.now()),
            organization,
            scopes: requestedScopes(details.params.scope).map((scope) => describeScope(scope, principal, catalog)),
          },
        },
      }
    })

    route(decideOAuthInteraction, async ({ principal, params, body, request }) => {
      const { details, exchange } = await interaction(request.requestId, params.uid)
      if (body.decision === 'deny') {
        const redirectTo = await provider.interactionResult(exchange.req, exchange.res, { error: 'access_denied', error_description: 'The user denied the request.' }, { mergeWithLastSubmission: false })
        return { status: 200, body: { data: { redirectTo } } }
      }
      const client = await provider.Client.find(String(details.params.client_id))
      if (client === undefined) throw new ApiError('not_found', 'The app is no longer registered.')
      if (!signInFreshEnough(details, principal, deps.clock.now())) throw new ApiError('forbidden', 'The app asks you to sign in again first.')
      const requested = requestedScopes(details.params.scope)
      // Scopes the user does not hold are refused on the grant itself, or the provider would ask again.
      const granted = requested.filter((scope) => isGrantable(scope, principal))
      const refused = requested.filter((scope) => !isGrantable(scope, principal))
      const grant = new provider.Grant({ accountId: principal.userId, clientId: client.clientId })
      if (granted.length > 0) grant.addOIDCScope(granted.join(' '))
      if (refused.length > 0) grant.rejectOIDCScope(refused.join(' '))
      const grantId = await grant.save()
      await oauth.recordConsent(principal, { grantId, clientId: client.clientId, clientName: client.clientName ?? null, scopes: granted }, request)
      const redirectTo = await provider.interactionResult(exchange.req, exchange.res, { login: { accountId: principal.userId, ts: Math.floor(Date.parse(principal.sessionCreatedAt) / 1000) }, consent: { grantId } }, { mergeWithLastSubmission: false })
      return { status: 200, body: { data: { redirectTo } } }
    })
    done()
  })
}

/**
 * `prompt=login` wants a sign-in made after the app asked; `max_age` one at most that many
 * seconds old. The dashboard session answers for the user only when it is that fresh; its
 * sign-in time becomes the ID token's `auth_time`.
 */
function signInFreshEnough(details: { iat: number; params: Record<string, unknown> }, principal: SessionPrincipal, now: number): boolean {
  const signedInAt = Date.parse(principal.sessionCreatedAt)
  const prompts = typeof details.params.prompt === 'string' ? details.params.prompt.split(' ') : []
  if (prompts.includes('login') && signedInAt < details.iat * 1000) return false
  const maxAge = Number(details.params.max_age)
  if (details.params.max_age !== undefined && Number.isFinite(maxAge) && now - signedInAt > maxAge * 1000) return false
  return true
}

function requestedScopes(scope: unknown): string[] {
  return typeof scope === 'string' ? [...new Set(scope.split(' ').filter((entry) => entry !== ''))] : []
}

function isGrantable(scope: string, principal: SessionPrincipal): boolean {
  return (IDENTITY_SCOPES as readonly string[]).includes(scope) || (principal.scopes as ReadonlySet<string>).has(scope)
}

function describeScope(scope: string, principal: SessionPrincipal, catalog: ScopeCatalog) {
  const identity = IDENTITY_SCOPE_WORDS[scope as keyof typeof IDENTITY_SCOPE_WORDS] as string | undefined
  const description = identity ?? catalog.scopes.find((entry) => entry.scope === scope)?.description ?? 'Unknown permission'
  return { scope, description, grantable: isGrantable(scope, principal) }
}

/**
 * The provider's routes, handed to it raw: no body parsing here (it reads the body itself),
 * and the reply hijacked so Fastify's envelope and error handler stay out of the way. The
 * headers every response carries are copied over first.
 */
function mountProvider(group: FastifyInstance, provider: Provider, contexts: WeakMap<IncomingMessage, RequestContext>, registrations: AddressThrottle): void {
  const callback = provider.callback()
  group.removeAllContentTypeParsers()
  group.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined))
  const forward = (rewriteTo?: string, ownCors = false) => async (request: FastifyRequest, reply: FastifyReply) => {
    if (ownCors) {
      // oidc-provider leaves registration without CORS; SPEC §6 opens it to browser clients.
      void reply.header('access-control-allow-origin', '*')
      if (request.method === 'OPTIONS') {
        return reply
          .code(204)
          .header('access-control-allow-methods', 'GET, POST')
          .header('access-control-allow-headers', 'authorization, content-type')
          .header('access-control-max-age', '600')
          .send()
      }
      if (request.method === 'POST') {
        const decision = await registrations.attempt(request.ip)
        if (!decision.allowed) {
          return reply
            .code(429)
            .header('retry-after', String(decision.retryAfterSeconds))
            .send({ error: 'rate_limited', error_description: 'Too many client registrations from this address; wait before trying again.' })
        }
      }
    }
    reply.hijack()
    for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) reply.raw.setHeader(name, value)
    reply.raw.setHeader('content-security-policy', HTML_CSP)
    contexts.set(request.raw, { requestId: request.id, ip: request.ip, userAgent: request.headers['user-agent'] ?? null })
    if (rewriteTo !== undefined) request.raw.url = rewriteTo + (request.raw.url?.includes('?') === true ? request.raw.url.slice(request.raw.url.indexOf('?')) : '')
    void callback(request.raw, reply.raw)
    return reply
  }
  const routes: Array<{ url: string; methods: Array<'GET' | 'POST'>; rewriteTo?: string; ownCors?: true }> = [
    { url: '/.well-known/openid-configuration', methods: ['GET'] },
    // RFC 8414's document is the same metadata.
    { url: '/.well-known/oauth-authorization-server', methods: ['GET'], rewriteTo: '/.well-known/openid-configuration' },
    { url: OAUTH_ROUTES.authorization, methods: ['GET', 'POST'] },
    { url: `${OAUTH_ROUTES.authorization}/:uid`, methods: ['GET'] },
    { url: OAUTH_ROUTES.token, methods: ['POST'] },
    { url: OAUTH_ROUTES.registration, methods: ['POST'], ownCors: true },
    { url: `${OAUTH_ROUTES.registration}/:clientId`, methods: ['GET'], ownCors: true },
    { url: '/api/v1/oauth/register', methods: ['POST'], rewriteTo: OAUTH_ROUTES.registration, ownCors: true },
    { url: OAUTH_ROUTES.revocation, methods: ['POST'] },
    { url: OAUTH_ROUTES.jwks, methods: ['GET'] },
  ]
  for (const route of routes) {
    group.route({ method: [...route.methods, 'OPTIONS'], url: route.url, schema: { hide: true }, handler: forward(route.rewriteTo, route.ownCors) })
  }
}

/** `GET /oauth/userinfo` for every valid access token (SPEC §6), `openid` or not: `sub`, and `email`/`name` with their scopes. */
function userinfo(authenticator: Authenticator) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    void reply.header('access-control-allow-origin', '*')
    const header = request.headers.authorization
    const token = typeof header === 'string' && /^bearer /i.test(header) ? header.slice(7).trim() : ''
    const refuse = (status: number, error: string, description: string) =>
      reply
        .code(status)
        .header('www-authenticate', `Bearer realm="brandwave", error="${error}"`)
        .send({ error, error_description: description })
    if (token === '') return refuse(401, 'invalid_token', 'Send the access token: Authorization: Bearer <token>.')
    const verification = await authenticator.verify(token, { ip: request.ip, requiredScopes: [] })
    if (verification.code === 'RATE_LIMITED') return reply.code(429).header('retry-after', String(verification.rateLimit.retryAfterSeconds)).send({ error: 'rate_limited', error_description: 'Too many requests.' })
    const principal = verification.principal
    if (!verification.valid || principal?.kind !== 'oauth') return refuse(401, 'invalid_token', 'The access token is not valid.')
    const granted = new Set(principal.grantedScopes)
    return reply.send({
      sub: principal.userId,
      ...(granted.has('email') && { email: principal.email }),
      ...(granted.has('profile') && { name: principal.userName }),
    })
  }
}

function auditProviderEvents(provider: Provider, oauth: OAuthAppService, contexts: WeakMap<IncomingMessage, RequestContext>, log: FastifyBaseLogger): void {
  const contextOf = (req: IncomingMessage): RequestContext => contexts.get(req) ?? { requestId: null, ip: null, userAgent: null }
  const failed = (error: unknown) => log.error({ err: error }, 'could not audit an OAuth event')
  provider.on('grant.success', (ctx) => {
    const token = ctx.oidc.entities.AccessToken
    if (token?.grantId === undefined) return
    const grantType = ctx.oidc.params?.grant_type
    oauth.tokensIssued(token.grantId, typeof grantType === 'string' ? grantType : '', token.scope ?? '', contextOf(ctx.req)).catch(failed)
  })
  provider.on('grant.revoked', (ctx, grantId) => {
    const grantType = ctx.oidc.params?.grant_type
    const reason: GrantEndReason =
      ctx.oidc.route === 'revocation' ? 'revoked_by_client' : grantType === 'refresh_token' ? 'refresh_token_reused' : grantType === 'authorization_code' ? 'code_reused' : 'ended'
    oauth.grantEnded(grantId, reason, contextOf(ctx.req)).catch(failed)
  })
  provider.on('server_error', (_ctx, error) => log.error({ err: error }, 'the OAuth provider failed'))
}

/** The dashboard's stylesheet, so the provider's own pages look like the rest; null when not built. */
function dashboardStylesheet(): string | null {
  try {
    return /href="(\/assets\/[^"]+\.css)"/.exec(readFileSync(join(DEFAULT_DASHBOARD_DIR, 'index.html'), 'utf8'))?.[1] ?? null
  } catch {
    return null
  }
}

/**
 * OAuth as a named plugin: its catch-all provider routes must come after the API's routes,
 * and it reuses the pipeline the routes plugin decorates the instance with.
 */
export const oauthPlugin = fastifyPlugin(registerOAuth, {
  name: 'brandwave-oauth',
  fastify: '5.x',
  dependencies: ['brandwave-routes'],
  decorators: { fastify: ['authenticator', 'idempotency'] },
})
