import type { FastifyInstance } from 'fastify'
import fastifyPlugin from 'fastify-plugin'
import type { Authenticator } from '../auth/authenticator.js'
import type { UsageRecorder } from '../auth/usage-recorder.js'
import type { Config } from '../config.js'
import { registerDashboard } from '../http/dashboard.js'
import type { Idempotency } from '../http/idempotency.js'
import { registerOpenApi } from '../http/openapi.js'
import { registerOperation } from '../http/register-operation.js'
import type { Metrics } from '../metrics/index.js'
import type { Services } from '../shared-services.js'
import type { SharedState } from '../shared-state/index.js'
import { accountTokenRoutes } from './account-tokens/routes.js'
import { apiKeyRoutes } from './api-keys/routes.js'
import { auditLogRoutes } from './audit-logs/routes.js'
import { authRoutes } from './auth/routes.js'
import { browserSessionRoutes } from './browser-session/routes.js'
import { credentialsRevokeRoutes } from './credentials-revoke/routes.js'
import { healthRoutes } from './health/routes.js'
import { invitationRoutes } from './invitations/routes.js'
import { keysVerifyRoutes } from './keys-verify/routes.js'
import { meRoutes } from './me/routes.js'
import { memberRoutes } from './members/routes.js'
import { myOrganizationRoutes } from './my-organizations/routes.js'
import { passwordResetRoutes } from './password-reset/routes.js'
import { personalAccessTokenRoutes } from './personal-access-tokens/routes.js'
import type { RouteRegistrar } from './route-registrar.js'
import { scopeRoutes } from './scopes/routes.js'
import { PublicKeyDirectory } from './secret-scanning/public-keys.js'
import { secretScanningRoutes } from './secret-scanning/routes.js'
import { webhookEndpointRoutes } from './webhook-endpoints/routes.js'
import { authorizedAppRoutes } from './authorized-apps/routes.js'
import { credentialPolicyRoutes } from './credential-policy/routes.js'
import { credentialUsageRoutes } from './credential-usage/routes.js'

export interface RouteDependencies {
  readonly config: Pick<Config, 'leaks'>
  readonly services: Services
  readonly authenticator: Authenticator
  readonly usage: UsageRecorder
  readonly idempotency: Idempotency
  readonly shared: SharedState
  readonly checkDatabase: () => Promise<void>
  readonly metrics: Metrics
  readonly version: string
}

/** Every route the server answers, grouped as SPEC §3 and §5 list them. */
export async function registerRoutes(app: FastifyInstance, deps: RouteDependencies): Promise<void> {
  const { services, authenticator, idempotency, shared, metrics, config } = deps
  // Tests and benchmarks reach the pipeline, pending usage writes and the ledger through these.
  app.decorate('authenticator', authenticator).decorate('usage', deps.usage).decorate('idempotency', idempotency)
  app.decorateRequest('principal', null)
  app.decorateRequest('refusedPrincipal', null)
  app.decorateRequest('idempotencyClaim', null)
  app.decorateRequest('retryOnly', false)
  metrics.sources.redisUp = shared.redisUp
  await registerOpenApi(app, { version: deps.version })
  healthRoutes(app, {
    database: { check: deps.checkDatabase, required: true },
    ...(shared.checkRedis && { redis: { check: shared.checkRedis, required: false } }),
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
        keysVerifyRoutes(route, { authenticator, clock: services.clock })
        auditLogRoutes(route, services)
        invitationRoutes(route, services)
        passwordResetRoutes(route, services)
        myOrganizationRoutes(route, services)
        webhookEndpointRoutes(route, services)
        credentialsRevokeRoutes(route, services)
        authorizedAppRoutes(route, services)
        credentialUsageRoutes(route, services)
        credentialPolicyRoutes(route, services)
        done()
      },
      { prefix },
    )
  }
  const scannerKeys = (partner: string, url: string | null) =>
    new PublicKeyDirectory({ url, onFetchError: (error) => app.log.warn({ err: error, partner }, 'could not fetch the secret-scanning public keys; alerts signed with unknown keys are refused') })
  await secretScanningRoutes(app, { leaks: services.leaks, keys: { github: scannerKeys('github', config.leaks.githubKeysUrl), gitlab: scannerKeys('gitlab', config.leaks.gitlabKeysUrl) } })
  browserSessionRoutes(app, { sessions: services.sessions, authenticator })
  if (!registerDashboard(app)) app.log.warn('The dashboard is not built (npm run build): / answers 404.')
}

/**
 * The routes as a named plugin, so later plugins can say they need them (OAuth mounts after
 * them) and Fastify checks it at start. It decorates the instance, so it is not encapsulated.
 */
export const routesPlugin = fastifyPlugin(registerRoutes, { name: 'brandwave-routes', fastify: '5.x' })
