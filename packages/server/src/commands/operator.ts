import { existsSync } from 'node:fs'
import { hostname, userInfo } from 'node:os'
import { join } from 'node:path'
import { once } from 'node:events'
import { createScopeCatalog } from '@brandwave/core'
import pino from 'pino'
import type { OperatorPrincipal } from '../auth/principal.js'
import { SessionTokens } from '../auth/session-tokens.js'
import { systemClock } from '../clock.js'
import type { Config } from '../config.js'
import { connectRedis, type RedisHandle } from '../shared-state/redis-connection.js'
import { createSharedState } from '../shared-state/index.js'
import { deriveKeys, loadMasterSecret, SECRET_FILE_NAME } from '../secret.js'
import { MailQueue } from '../mail/queue.js'
import { AuditLog } from '../services/audit.js'
import { recordTokenPrefix } from '../storage/token-prefixes.js'
import { createServices, type Services } from '../shared-services.js'
import { openDatabase } from '../storage/database.js'
import { createStorage } from '../storage/index.js'
import { checkSecretFingerprint } from '../storage/secret-fingerprint.js'
import { CliFailure } from './output.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const REDIS_CONNECT_TIMEOUT_MS = 5000

/** Who the audit log says did it: the CLI, and the operating-system account that ran it. */
function operatorName(): string {
  let user = process.env.USER ?? 'unknown'
  try {
    user = userInfo().username
  } catch {
    // A container user without a passwd entry: keep $USER.
  }
  return `brandwave CLI (${user}@${hostname()})`
}

export interface OperatorContext {
  readonly services: Services
  readonly principal: OperatorPrincipal
}

/**
 * Opens what a running server uses (secret, database, Redis), builds the same services as
 * the API and runs `work` as the operator of one organization. Changes that deny access
 * move the same access version the servers read, so every instance refuses on its next
 * request; if that cannot be announced, the command fails rather than report success.
 */
export async function asOperator<T>(config: Config, organization: string | undefined, work: (context: OperatorContext) => Promise<T>): Promise<T> {
  if (config.secret === null && !existsSync(join(config.dataDir, SECRET_FILE_NAME))) {
    // Creating a secret here would start a second, empty Brandwave beside the real one.
    throw new CliFailure(`No Brandwave data in ${config.dataDir}: start the server once, or set BRANDWAVE_DATA_DIR (or DATABASE_URL and BRANDWAVE_SECRET) as the server has them.`)
  }
  if (organization !== undefined && !UUID.test(organization)) throw new CliFailure('--organization must be an organization id (a UUID).')

  const { secret } = loadMasterSecret(config)
  const keys = deriveKeys(secret)
  const database = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir })
  const logger = pino({ level: 'silent' })
  let redis: RedisHandle | null = null
  try {
    await checkSecretFingerprint(database.db, keys.tokenHash)
    if (config.redisUrl !== null) redis = await connectOrFail(config.redisUrl, logger)
    const shared = createSharedState({ config, database, redis }, logger)
    const catalog = createScopeCatalog(config.hostResources)
    // The CLI issues tokens too: under the current prefix, which is recorded like the server does.
    const tokenPrefixes = await recordTokenPrefix(database.db, config.tokenPrefix, new Date(systemClock.now()))
    const services = createServices({
      config,
      storage: createStorage(database),
      keys,
      clock: systemClock,
      catalog,
      shared,
      sessionTokens: new SessionTokens(keys.sessionSigning, config.issuer),
      tokenPrefixes: tokenPrefixes.accepted,
      // Events go to the outbox in the database; the servers' delivery picks them up.
      audit: new AuditLog(systemClock),
      // Mail is queued in the database; the servers' mail worker sends it.
      mail: new MailQueue({ enabled: config.smtpUrl !== null, sealKey: keys.mailEncryption, clock: systemClock }),
      wakeWebhooks: () => undefined,
      onBackgroundError: () => undefined,
    })
    const organizationId = await resolveOrganization(services, organization)
    const principal: OperatorPrincipal = {
      kind: 'operator',
      organizationId,
      scopes: new Set(catalog.roleScopes('company_admin')),
      rateLimit: { key: 'operator', perMinute: config.defaultRateLimitPerMinute },
      name: operatorName(),
      userId: null,
      role: 'company_admin',
    }
    let result: T
    try {
      result = await work({ services, principal })
    } finally {
      shared.stop()
    }
    if (shared.unpublished) {
      throw new CliFailure('The change is saved, but Redis could not be told: running instances may accept the old state for up to a minute. Check REDIS_URL.')
    }
    return result
  } finally {
    await redis?.close()
    await database.close()
  }
}

async function connectOrFail(url: string, logger: pino.Logger): Promise<RedisHandle> {
  const redis = connectRedis(url, logger)
  if (redis.client.status === 'ready') return redis
  const timeout = AbortSignal.timeout(REDIS_CONNECT_TIMEOUT_MS)
  try {
    await once(redis.client, 'ready', { signal: timeout })
    return redis
  } catch {
    await redis.close()
    // Before any change: a revocation other instances never hear of is worse than none.
    throw new CliFailure('Cannot reach Redis at REDIS_URL: running instances could not be told of changes, so nothing was done.')
  }
}

async function resolveOrganization(services: Services, id: string | undefined): Promise<string> {
  if (id !== undefined) {
    if ((await services.organizations.find(id)) === undefined) throw new CliFailure(`No organization has the id ${id}.`)
    return id
  }
  const first = await services.organizations.list(2)
  if (first.length === 0) throw new CliFailure('There is no organization yet: start the server once to create the first one.')
  if (first.length > 1) throw new CliFailure('There are several organizations: name one with --organization ID.')
  return first[0]!.id
}
