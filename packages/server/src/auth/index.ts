import type { ScopeCatalog } from '@brandwave/core'
import type { FastifyBaseLogger } from 'fastify'
import type { Clock } from '../clock.js'
import type { Config } from '../config.js'
import type { DerivedKeys } from '../secret.js'
import type { Metrics } from '../metrics/index.js'
import type { SharedState } from '../shared-state/index.js'
import type { CredentialRecord, SpendResult } from '../storage/credentials.js'
import type { RequestContext } from '../request-context.js'
import type { Storage } from '../storage/index.js'
import type { SessionForAuthentication } from '../storage/sessions.js'
import { Authenticator, type AuthenticatorDependencies, type CredentialEntry } from './authenticator.js'
import { requestRateLimiter, type RateLimiter } from './rate-limiter.js'
import type { SessionTokens } from './session-tokens.js'
import { UsageCounts } from './usage-counts.js'
import { UsageRecorder } from './usage-recorder.js'
import { UnknownKeyCache, VerificationCache, VersionedCache } from './verification-cache.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The verification pipeline, exposed for benchmarks that call it without HTTP. */
    authenticator: Authenticator
    /** Pending `lastUsedAt` writes; `flush()` writes them now. */
    usage: UsageRecorder
    /** Pending request counts per credential and hour; `flush()` writes them now. */
    usageCounts: UsageCounts
  }
}

export interface AuthenticationDependencies {
  readonly storage: Pick<Storage, 'credentials' | 'sessions' | 'usage'>
  readonly shared: SharedState
  readonly tokenPrefixes: readonly string[]
  readonly config: Pick<Config, 'defaultRateLimitPerMinute' | 'usageFlushIntervalMs' | 'cacheEntries'>
  readonly keys: Pick<DerivedKeys, 'tokenHash'>
  readonly catalog: ScopeCatalog
  readonly sessionTokens: SessionTokens
  readonly clock: Clock
  readonly metrics: Metrics
  readonly logger: FastifyBaseLogger
  /** A retired secret authenticated an operation that detects reuse: revoke its family. */
  readonly onRetiredSecret: (credential: CredentialRecord, context: RequestContext) => Promise<void>
  /** Whether this credential sent a request with this Idempotency-Key (finished or not). */
  readonly madeRequest: (credentialId: string, idempotencyKey: string) => Promise<boolean>
  /** Spends a metered credential's remaining uses (issue 24). */
  readonly spend: (credential: CredentialRecord, cost: number) => Promise<SpendResult>
  /** The same for a warm credential, with its request's count, in one trip to Redis where there is one. */
  readonly countAndSpend: AuthenticatorDependencies['countAndSpend']
  /** The same without a promise, where storage can (the embedded database); null elsewhere. */
  readonly spendNow: AuthenticatorDependencies['spendNow'] | null
  /** A rotation's successor was first used: start the grace period that waited for it. */
  readonly onFirstUse: (credentialId: string, at: number) => Promise<void>
}

/**
 * The request pipeline of SPEC §7 with what it keeps warm: the caches of verified
 * credentials and sessions (valid under the shared access version) and the batched
 * `lastUsedAt` writes, whose recorder the caller runs and stops with the server.
 */
export function createAuthentication(deps: AuthenticationDependencies): { authenticator: Authenticator; usage: UsageRecorder; counts: UsageCounts; rateLimiter: RateLimiter } {
  const { storage, shared, metrics } = deps
  const cacheOptions = { maxEntries: deps.config.cacheEntries, ttlMs: Math.max(shared.cacheTtlMs, 1) }
  const credentialCache = new VersionedCache<CredentialEntry>(cacheOptions)
  const unknownKeys = new UnknownKeyCache(cacheOptions)
  const sessionCache = new VerificationCache<SessionForAuthentication>(cacheOptions)
  // A lost connection may have hidden a change: start cold when it returns.
  shared.onLost(() => {
    credentialCache.clear()
    unknownKeys.clear()
    sessionCache.clear()
  })
  metrics.sources.cacheSizes = () => ({ credential: credentialCache.size, session: sessionCache.size })

  const usage = new UsageRecorder({
    write: async (entries) => {
      await storage.credentials.recordUsage(entries)
      metrics.usageRowsWritten.inc({ kind: 'last_used' }, entries.length)
    },
    intervalMs: deps.config.usageFlushIntervalMs,
    onError: (error) => deps.logger.error({ err: error }, 'could not record credential usage; will retry'),
  })
  const counts = new UsageCounts({
    write: async (rows, sightings) => {
      await storage.usage.add(rows, sightings)
      metrics.usageRowsWritten.inc({ kind: 'counts' }, rows.length)
      metrics.usageRowsWritten.inc({ kind: 'addresses' }, sightings.length)
    },
    intervalMs: deps.config.usageFlushIntervalMs,
    onError: (error) => deps.logger.error({ err: error }, 'could not record credential request counts; will retry'),
  })
  const rateLimiter = requestRateLimiter(shared.counters, (command) => metrics.rateLimitCommands.inc({ command }))
  const authenticator = new Authenticator({
    tokenPrefixes: deps.tokenPrefixes,
    tokenHashKey: deps.keys.tokenHash,
    catalog: deps.catalog,
    credentials: storage.credentials,
    sessions: storage.sessions,
    sessionTokens: deps.sessionTokens,
    accessVersion: shared.accessVersion,
    credentialCache,
    unknownKeys,
    sessionCache,
    rateLimiter,
    usage,
    counts,
    defaultRateLimitPerMinute: deps.config.defaultRateLimitPerMinute,
    clock: deps.clock,
    onStorageLookup: (kind) => metrics.storageLookups.inc({ kind }),
    onOutcome: (code) => metrics.authentications.count(code),
    madeRequest: deps.madeRequest,
    spend: deps.spend,
    countAndSpend: deps.countAndSpend,
    ...(deps.spendNow !== null && { spendNow: deps.spendNow }),
    onFirstUse: async (credentialId, at) => {
      try {
        await deps.onFirstUse(credentialId, at)
      } catch (error) {
        deps.logger.error({ err: error, credentialId }, 'could not start the grace period that waited for this credential’s first use; its next use tries again')
        throw error
      }
    },
    onRetiredSecret: async (credential, context) => {
      try {
        await deps.onRetiredSecret(credential, context)
      } catch (error) {
        deps.logger.error(
          { err: error, reqId: context.requestId, ip: context.ip, credentialId: credential.id, familyId: credential.familyId },
          'could not revoke the family of a retired credential that was presented; the next presentation tries again',
        )
        throw error
      }
    },
  })
  return { authenticator, usage, counts, rateLimiter }
}
