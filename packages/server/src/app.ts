import { createScopeCatalog } from '@brandwave/core'
import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import { createAuthentication } from './auth/index.js'
import { SessionTokens } from './auth/session-tokens.js'
import { runWhileOpen } from './background.js'
import { systemClock, type Clock } from './clock.js'
import type { Config } from './config.js'
import { createHttpServer } from './http/http-server.js'
import { Idempotency } from './http/idempotency.js'
import { createMail } from './mail/index.js'
import { createMetrics } from './metrics/index.js'
import { routesPlugin } from './routes/index.js'
import type { RequestContext } from './request-context.js'
import type { DerivedKeys } from './secret.js'
import { AuditLog } from './services/audit.js'
import { createServices } from './shared-services.js'
import { usageRetention } from './services/credential-usage.js'
import { createSharedState, type SharedStateDependencies } from './shared-state/index.js'
import { RedisBudgets } from './shared-state/redis-budgets.js'
import type { CredentialRecord } from './storage/credentials.js'
import type { DatabaseHandle } from './storage/database.js'
import { createStorage } from './storage/index.js'
import { deliverWebhooks } from './webhooks/index.js'
import { oauthPlugin } from './oauth/index.js'

export interface AppDependencies extends SharedStateDependencies {
  readonly config: Config
  readonly database: DatabaseHandle
  readonly keys: DerivedKeys
  readonly clock?: Clock
  /** A logger to use instead of one built from `config.logLevel` (tests pass a silent one). */
  readonly logger?: FastifyBaseLogger
  readonly version?: string
  /** Every prefix the deployment has issued, the current one first (default: only the current one). */
  readonly tokenPrefixes?: readonly string[]
}

/** The one place things are wired. The caller opens the database and Redis, and closes them after `app.close()`. */
export async function createApp(deps: AppDependencies): Promise<FastifyInstance> {
  const { config, database, keys, clock = systemClock } = deps
  const tokenPrefixes = deps.tokenPrefixes ?? [config.tokenPrefix]
  const catalog = createScopeCatalog(config.hostResources)
  const sessionTokens = new SessionTokens(keys.sessionSigning, config.issuer)
  const metrics = createMetrics()
  const app = createHttpServer({ config, logger: deps.logger, tokenPrefixes, metrics })
  const shared = createSharedState(deps, app.log)
  const storage = createStorage(database)
  const budgets = deps.redis ? new RedisBudgets(deps.redis, config.redisPrefix, { ...storage.budgets, spendTogether: storage.spendTogether }, app.log, shared.accessVersion) : null
  const audit = new AuditLog(clock)
  const webhooks = deliverWebhooks(app, { config, storage, secretKey: keys.webhookSecretEncryption, clock, audit })
  const mail = createMail({ config, storage, sealKey: keys.mailEncryption, clock, log: app.log })
  const services = createServices({ config, storage, keys, clock, catalog, sessionTokens, tokenPrefixes, shared, audit, mail: mail.queue,
    wakeWebhooks: () => void webhooks.wake(),
    onBackgroundError: (error) => app.log.error({ err: error }, 'password reset request failed'),
    onCredentialLookup: () => metrics.storageLookups.inc({ kind: 'credential' }),
    budgets,
  })
  // A retired secret presented to rotate: at authentication, or as a retry that is not one.
  const revokeFamilyOnReuse = async (credential: CredentialRecord, context: RequestContext) => void (await services.credentials.revokeFamilyOnReuse(credential, context))
  const idempotency = new Idempotency(storage, keys, clock, (sessionId) => services.sessions.isLive(sessionId), revokeFamilyOnReuse)
  const { authenticator, usage, counts, rateLimiter } = createAuthentication({ config, keys, storage, shared, tokenPrefixes, catalog, sessionTokens, clock, metrics, logger: app.log,
    onRetiredSecret: revokeFamilyOnReuse,
    madeRequest: (credentialId, idempotencyKey) => idempotency.madeRequest(credentialId, idempotencyKey),
    spend: (credential, cost) => services.credentials.spend(credential, cost),
    countAndSpend: (credential, cost, rateLimit, version) => services.credentials.countAndSpend(credential, cost, rateLimit, version),
    spendNow: services.credentials.spendNow,
    onFirstUse: (credentialId, at) => services.credentials.successorFirstUsed(credentialId, at),
  })
  app.decorate('usageCounts', counts)
  runWhileOpen(app, [budgets, usage, counts, usageRetention(storage, clock, app.log), idempotency.sweeper(app.log), webhooks, { stop: () => services.passwordResets.drain() }, mail.worker, rateLimiter, shared])
  await app.register(routesPlugin, { config, services, authenticator, usage, idempotency, shared, checkDatabase: () => database.ping(), metrics, version: deps.version ?? '0.1.0' })
  await app.register(oauthPlugin, { config, storage, keys, catalog, clock, shared, oauthApps: services.oauthApps, authenticator, idempotency, tokenPrefixes })
  return app
}
