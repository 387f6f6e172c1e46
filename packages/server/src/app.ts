import { createScopeCatalog, tokenScanPattern } from '@brandwave/core'
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import { Authenticator, type CredentialEntry } from './auth/authenticator.js'
import { inMemoryCounters, requestRateLimiter, type CounterStoreFactory } from './auth/counters.js'
import { SessionTokens } from './auth/session-tokens.js'
import { UsageRecorder } from './auth/usage-recorder.js'
import { localAccessVersion, unknowableAccessVersion, type AccessVersion } from './auth/access-version.js'
import { UnknownKeyCache, VerificationCache, VersionedCache } from './auth/verification-cache.js'
import { createMetrics } from './metrics.js'
import type { RedisHandle } from './redis/connection.js'
import { RedisAccessVersion } from './redis/access-version.js'
import { redisCounters } from './redis/counters.js'
import type { SessionForAuthentication } from './storage/sessions.js'
import { systemClock, type Clock } from './clock.js'
import type { Config } from './config.js'
import { fromCode, toErrorResponse } from './http/problems.js'
import { MAX_PATH_PARAMETER_LENGTH, methodNotAllowed } from './http/method-not-allowed.js'
import { sendError, sendRawError, writeSocketError } from './http/responses.js'
import { registerRequestHooks } from './http/request-hooks.js'
import { lazyChildLoggerFactory } from './http/lazy-request-logger.js'
import { applyCorsPolicy } from './http/cors.js'
import { Idempotency } from './http/idempotency.js'
import { acceptJsonBodiesOnly } from './http/json-body.js'
import { OneLinePerRequest } from './http/request-log.js'
import { registerOpenApi } from './http/openapi.js'
import { registerOperation } from './http/register-operation.js'
import { validatorCompiler } from './http/validation.js'
import { newRequestId } from './ids.js'
import { loggerOptions } from './logger.js'
import { authRoutes } from './routes/auth/routes.js'
import { browserSessionRoutes } from './routes/browser-session/routes.js'
import { registerDashboard } from './http/dashboard.js'
import { healthRoutes } from './routes/health/routes.js'
import { meRoutes } from './routes/me/routes.js'
import { accountTokenRoutes } from './routes/account-tokens/routes.js'
import { apiKeyRoutes } from './routes/api-keys/routes.js'
import { auditLogRoutes } from './routes/audit-logs/routes.js'
import { keysVerifyRoutes } from './routes/keys-verify/routes.js'
import { memberRoutes } from './routes/members/routes.js'
import { myOrganizationRoutes } from './routes/my-organizations/routes.js'
import { personalAccessTokenRoutes } from './routes/personal-access-tokens/routes.js'
import { scopeRoutes } from './routes/scopes/routes.js'
import { invitationRoutes } from './routes/invitations/routes.js'
import { passwordResetRoutes } from './routes/password-reset/routes.js'
import { createMail } from './mail/index.js'
import { webhookEndpointRoutes } from './routes/webhook-endpoints/routes.js'
import { credentialsRevokeRoutes } from './routes/credentials-revoke/routes.js'
import { PublicKeyDirectory } from './routes/secret-scanning/public-keys.js'
import { secretScanningRoutes } from './routes/secret-scanning/routes.js'
import { LeakResponse } from './services/leaks.js'
import { SignupThrottle } from './auth/counters.js'
import type { RouteRegistrar } from './routes/route-registrar.js'
import type { DerivedKeys } from './secret.js'
import { AuditLog } from './services/audit.js'
import { EventOutbox } from './services/events.js'
import { ExpiryReminders } from './services/expiry-reminders.js'
import { createServices } from './services/index.js'
import { credentialRepository } from './storage/credentials.js'
import type { DatabaseHandle } from './storage/database.js'
import { sessionRepository } from './storage/sessions.js'
import { WebhookDispatcher } from './webhooks/dispatcher.js'
import { WebhookSender } from './webhooks/sender.js'

export interface AppDependencies {
  readonly config: Config
  readonly database: DatabaseHandle
  readonly keys: DerivedKeys
  readonly clock?: Clock
  /** A logger to use instead of one built from `config.logLevel` (tests pass a silent one). */
  readonly logger?: FastifyBaseLogger
  /** Where rate-limit and sign-in counters live when Redis does not hold them (a cluster's primary). */
  readonly counters?: CounterStoreFactory
  /** Redis, when `REDIS_URL` is set: the caller connects and closes it. */
  readonly redis?: RedisHandle | null
  readonly version?: string
  /** Every prefix the deployment has issued, the current one first (default: only the current one). */
  readonly tokenPrefixes?: readonly string[]
}

export const BODY_LIMIT_BYTES = 64 * 1024
/** Expired idempotency entries (sealed responses, secrets included) are purged this often. */
const IDEMPOTENCY_SWEEP_INTERVAL_MS = 10 * 60_000

declare module 'fastify' {
  interface FastifyInstance {
    /** The verification pipeline, exposed for tests and benchmarks that count storage lookups. */
    authenticator: Authenticator
    /** Pending `lastUsedAt` writes; `flush()` writes them now. */
    usage: UsageRecorder
    /** The Idempotency-Key ledger; `sweep()` purges what has expired now. */
    idempotency: Idempotency
    /** Webhook deliveries and expiry reminders; `wake()` runs what is due now (tests move the clock, then wake it). */
    webhooks: WebhookDispatcher
  }
}

/** A hop count trusts that many proxies in front of us (proxy-addr's semantics). */
function trustProxyOption(setting: Config['trustProxy']): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof setting === 'number') return (_address, hop) => hop < setting
  return typeof setting === 'boolean' ? setting : [...setting]
}

/**
 * How this instance learns of access changes made elsewhere, and where it counts what
 * instances share (docs/architecture.md):
 * - with Redis: the shared access version and shared counters;
 * - on the embedded database: this process's version plus SQLite's `data_version` (which
 *   sees other processes' commits); counters here (or in the cluster's primary);
 * - on PostgreSQL without Redis: no version can be trusted, so every check reads the database.
 * `BRANDWAVE_REVOCATION=cached` trades strictness for speed: other instances' changes are
 * seen when entries expire, after 10 seconds.
 */
export function sharedState(deps: Pick<AppDependencies, 'config' | 'database' | 'redis' | 'counters'>, logger: FastifyBaseLogger): { accessVersion: AccessVersion; counters: CounterStoreFactory; cacheTtlMs: number } {
  const { config, database, redis } = deps
  const counters = redis ? redisCounters(redis, config.redisPrefix) : (deps.counters ?? inMemoryCounters)
  // This instance still sees its own changes at once; the others within the entry lifetime.
  if (config.revocation === 'cached') return { accessVersion: localAccessVersion(null), counters, cacheTtlMs: 10_000 }
  if (redis) return { accessVersion: new RedisAccessVersion(redis, `${config.redisPrefix}access-version`, logger), counters, cacheTtlMs: 60_000 }
  if (database.externalWriteVersion !== null) return { accessVersion: localAccessVersion(database.externalWriteVersion), counters, cacheTtlMs: 5 * 60_000 }
  return { accessVersion: unknowableAccessVersion, counters, cacheTtlMs: 0 }
}

/**
 * Builds the whole HTTP application from its dependencies: the one place things are wired.
 * The caller owns the database and Redis (opens them before, closes them after `app.close()`).
 */
export async function createApp(deps: AppDependencies): Promise<FastifyInstance> {
  const { config, database, keys } = deps
  const clock = deps.clock ?? systemClock
  const tokenPrefixes = deps.tokenPrefixes ?? [config.tokenPrefix]
  const catalog = createScopeCatalog(config.hostResources)
  const sessionTokens = new SessionTokens(keys.sessionSigning, config.issuer)
  const metrics = createMetrics()

  const app = Fastify({
    ...(deps.logger !== undefined ? { loggerInstance: deps.logger } : { logger: loggerOptions(config.logLevel) }),
    genReqId: newRequestId,
    requestIdHeader: false,
    logController: new OneLinePerRequest(tokenScanPattern(tokenPrefixes), metrics),
    childLoggerFactory: lazyChildLoggerFactory,
    trustProxy: trustProxyOption(config.trustProxy),
    bodyLimit: BODY_LIMIT_BYTES,
    // While draining for shutdown, requests on open connections are still served properly.
    return503OnClosing: false,
    routerOptions: {
      maxParamLength: MAX_PATH_PARAMETER_LENGTH,
      // A path parameter that long cannot be an id: nothing is there.
      onMaxParamLength: (_path, _req, res) => sendRawError(res, newRequestId(), 'not_found'),
    },
    frameworkErrors: (error, request, reply) => {
      void sendError(reply, request.id, error.code === 'FST_ERR_BAD_URL' ? fromCode('validation_failed', { message: 'The URL is not valid.' }) : toErrorResponse(error))
    },
    clientErrorHandler: (error: NodeJS.ErrnoException, socket) => {
      if (error.code === 'ECONNRESET') return
      writeSocketError(socket, newRequestId(), error.code === 'HPE_HEADER_OVERFLOW' ? 'headers_too_large' : 'validation_failed')
    },
  })

  const { accessVersion, counters, cacheTtlMs } = sharedState(deps, app.log)
  const cacheOptions = { maxEntries: 100_000, ttlMs: Math.max(cacheTtlMs, 1) }
  const credentialCache = new VersionedCache<CredentialEntry>(cacheOptions)
  const unknownKeys = new UnknownKeyCache(cacheOptions)
  const sessionCache = new VerificationCache<SessionForAuthentication>(cacheOptions)
  // A lost connection may have hidden a change: start cold when it returns.
  deps.redis?.onLost(() => {
    credentialCache.clear()
    unknownKeys.clear()
    sessionCache.clear()
  })
  app.addHook('onClose', (_instance, done) => {
    if (accessVersion instanceof RedisAccessVersion) accessVersion.stop()
    done()
  })

  const usage = new UsageRecorder({
    write: (entries) => credentialRepository(database.db).recordUsage(entries),
    intervalMs: config.usageFlushIntervalMs,
    onError: (error) => app.log.error({ err: error }, 'could not record credential usage; will retry'),
  })
  usage.start()
  app.addHook('onClose', () => usage.stop())

  const authenticator = new Authenticator({
    tokenPrefixes,
    tokenHashKey: keys.tokenHash,
    catalog,
    credentials: credentialRepository(database.db),
    sessions: sessionRepository(database.db),
    sessionTokens,
    accessVersion,
    credentialCache,
    unknownKeys,
    sessionCache,
    rateLimiter: requestRateLimiter(counters),
    usage,
    defaultRateLimitPerMinute: config.defaultRateLimitPerMinute,
    clock,
    onStorageLookup: (kind) => metrics.storageLookups.inc({ kind }),
    onOutcome: (code) => metrics.authentications.inc({ code }),
    onRetiredSecret: async (credential, ip) => {
      try {
        await services.credentials.revokeFamilyOnReuse(credential, { requestId: null, ip, userAgent: null })
      } catch (error) {
        app.log.error({ err: error, credentialId: credential.id }, 'could not revoke the family of a retired credential that was presented')
        throw error
      }
    },
  })
  metrics.sources.cacheSizes = () => ({ credential: credentialCache.size, session: sessionCache.size })
  metrics.sources.redisUp = () => deps.redis?.client.status === 'ready'
  const idempotency = new Idempotency(database.db, { encryption: keys.idempotencyEncryption, fingerprint: keys.idempotencyFingerprint }, clock, (sessionId) =>
    services.sessions.isLive(sessionId),
  )
  idempotency.startSweeping(IDEMPOTENCY_SWEEP_INTERVAL_MS, (error) => app.log.error({ err: error }, 'idempotency sweep failed; will retry'))
  app.addHook('onClose', (_instance, done) => {
    idempotency.stopSweeping()
    done()
  })

  app.decorate('authenticator', authenticator)
  app.decorate('usage', usage)
  app.decorate('idempotency', idempotency)
  app.decorateRequest('principal', null)
  app.decorateRequest('idempotencyClaim', null)

  const outbox = new EventOutbox(clock)
  const audit = new AuditLog(clock, outbox)
  const webhooks = new WebhookDispatcher({
    db: database.db,
    dialect: database.dialect,
    clock,
    secretKey: keys.webhookSecretEncryption,
    retrySeconds: config.webhooks.retrySeconds,
    sender: new WebhookSender(config.webhooks.allowPrivate),
    reminders: new ExpiryReminders({ db: database.db, clock, outbox, reminderDays: config.expiryReminderDays }),
    audit,
    logger: app.log,
  })
  outbox.onCommitted(() => void webhooks.wake())
  app.decorate('webhooks', webhooks)
  app.addHook('onReady', (done) => {
    webhooks.start()
    done()
  })
  app.addHook('onClose', () => webhooks.stop())
  // A request that wrote an event has committed it by the time it answers: deliver now.
  app.addHook('onResponse', (request, _reply, done) => {
    outbox.requestFinished(request.id)
    done()
  })
  const mail = createMail({ config, database, sealKey: keys.mailEncryption, clock, log: app.log })
  mail.worker?.start()
  const services = {
    ...createServices({
      config,
      database,
      keys,
      clock,
      catalog,
      accessVersion,
      counters,
      sessionTokens,
      tokenPrefixes,
      audit,
      mail: mail.queue,
      wakeWebhooks: () => void webhooks.wake(),
      onBackgroundError: (error) => app.log.error({ err: error }, 'password reset request failed'),
    }),
    authenticator,
  }
  // Leaked credentials (SPEC §10): one response for every way a leak is reported.
  const leaks = new LeakResponse({
    db: database.db,
    tokenPrefixes,
    tokenHashKey: keys.tokenHash,
    action: config.leaks.action,
    accessVersion,
    audit,
    mail: mail.queue,
    clock,
    onStorageLookup: () => metrics.storageLookups.inc({ kind: 'credential' }),
  })
  const revokeThrottle = new SignupThrottle(counters, { perIp: config.leaks.revokeRequestsPerMinute, windowSeconds: 60 }, 'revoke-by-value-ip')
  const scannerKeys = (partner: string, url: string | null) =>
    new PublicKeyDirectory({ url, onFetchError: (error) => app.log.warn({ err: error, partner }, 'could not fetch the secret-scanning public keys; alerts signed with unknown keys are refused') })
  app.addHook('onClose', async () => {
    await services.passwordResets.drain()
    await mail.worker?.stop()
  })

  app.setValidatorCompiler(validatorCompiler())
  acceptJsonBodiesOnly(app)

  registerRequestHooks(app, tokenPrefixes)

  app.setErrorHandler((error, request, reply) => {
    const response = toErrorResponse(error)
    if (response.status >= 500) request.log.error({ err: error }, 'request failed')
    return sendError(reply, request.id, response)
  })

  app.setNotFoundHandler((request, reply) => {
    const wrongMethod = methodNotAllowed(app, request.method, request.url)
    return sendError(reply, request.id, wrongMethod !== null ? toErrorResponse(wrongMethod) : fromCode('not_found', { message: 'No route here. See /docs for the API.' }))
  })

  applyCorsPolicy(app, 'none')
  await registerOpenApi(app, { version: deps.version ?? '0.1.0' })
  const redis = deps.redis
  healthRoutes(app, {
    database: { check: () => database.ping(), required: true },
    ...(redis && {
      redis: {
        // Connected is not enough: until a change made during the outage is published, other
        // instances may still trust caches it invalidates.
        check: async () => {
          await redis.ping()
          if (accessVersion instanceof RedisAccessVersion && accessVersion.unpublished) throw new Error('an access change is not yet published')
        },
        required: false,
      },
    }),
  })
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    void reply.type(metrics.registry.contentType)
    return metrics.registry.metrics()
  })

  // The account-token surface lives at /api/accounts/…, outside /v1, and has no alias.
  await app.register((group, _options, done) => {
    accountTokenRoutes((operation, handler) => registerOperation(group, operation, handler, { authenticator, idempotency, hidden: false }), services)
    done()
  })

  // Every /v1 route also answers under /api/v1 (SPEC §3); the alias stays out of the document.
  for (const prefix of ['', '/api']) {
    await app.register(
      (group, _options, done) => {
        const route: RouteRegistrar = (operation, handler) => registerOperation(group, operation, handler, { authenticator, idempotency, hidden: prefix !== '' })
        authRoutes(route, services)
        meRoutes(route)
        personalAccessTokenRoutes(route, services)
        apiKeyRoutes(route, services)
        memberRoutes(route, services)
        scopeRoutes(route, services)
        keysVerifyRoutes(route, services)
        auditLogRoutes(route, services)
        invitationRoutes(route, services)
        passwordResetRoutes(route, services)
        myOrganizationRoutes(route, services)
        webhookEndpointRoutes(route, services)
        credentialsRevokeRoutes(route, { leaks, revokeThrottle })
        done()
      },
      { prefix },
    )
  }
  await secretScanningRoutes(app, { leaks, keys: { github: scannerKeys('github', config.leaks.githubKeysUrl), gitlab: scannerKeys('gitlab', config.leaks.gitlabKeysUrl) } })
  browserSessionRoutes(app, { sessions: services.sessions, authenticator })
  if (!registerDashboard(app)) app.log.warn('The dashboard is not built (npm run build): / answers 404.')
  return app
}
