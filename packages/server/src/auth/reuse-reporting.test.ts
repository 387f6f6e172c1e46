import { randomBytes } from 'node:crypto'
import { createScopeCatalog, generateToken } from '@brandwave/core'
import { describe, expect, it } from 'vitest'
import { localAccessVersion } from '../shared-state/access-version.js'
import { inMemoryCounters } from '../shared-state/counters.js'
import type { RequestContext } from '../request-context.js'
import type { CredentialRecord } from '../storage/credentials.js'
import { Authenticator, type CredentialEntry } from './authenticator.js'
import { requestRateLimiter } from './rate-limiter.js'
import { SessionTokens } from './session-tokens.js'
import { storedCredential } from './stored-credential.fixture.js'
import { UsageRecorder } from './usage-recorder.js'
import { VerificationCache, VersionedCache } from './verification-cache.js'

/** A secret that was rotated away and revoked: presenting it where reuse is detected reports its family. */
const retired: CredentialRecord = {
  ...storedCredential,
  seq: 7,
  updatedAt: '2026-11-20T10:05:00.000Z',
  revokedAt: '2026-11-20T10:05:00.000Z',
  revokedReason: 'rotated',
  rotatedToId: '0194a7c2-7d7e-7000-8000-000000000002',
}

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void } {
  let resolve!: () => void
  let reject!: (error: Error) => void
  const promise = new Promise<void>((yes, no) => {
    resolve = yes
    reject = no
  })
  return { promise, resolve, reject }
}

/** Lets every promise chain that can move without I/O move: the pipeline here has none. */
const settle = () => new Promise((resolve) => setImmediate(resolve))

function authenticatorReportingTo(onRetiredSecret: (credential: CredentialRecord, context: RequestContext) => Promise<void>): Authenticator {
  const cacheOptions = { maxEntries: 100, ttlMs: 60_000 }
  return new Authenticator({
    tokenPrefixes: ['bw'],
    tokenHashKey: randomBytes(32),
    catalog: createScopeCatalog([]),
    credentials: { findForVerification: () => Promise.resolve({ credential: retired, ownerRole: null, ownerName: null }) },
    sessions: { findForAuthentication: () => Promise.resolve(undefined) },
    sessionTokens: new SessionTokens(randomBytes(32), 'https://brandwave.test'),
    accessVersion: localAccessVersion(null),
    credentialCache: new VersionedCache<CredentialEntry>(cacheOptions),
    sessionCache: new VerificationCache(cacheOptions),
    rateLimiter: requestRateLimiter(inMemoryCounters),
    usage: new UsageRecorder({ write: () => Promise.resolve(), intervalMs: 60_000, onError: () => undefined }),
    defaultRateLimitPerMinute: 60,
    clock: { now: () => Date.parse('2026-11-21T00:00:00.000Z') },
    onRetiredSecret,
  })
}

describe('reporting a retired secret', () => {
  const token = generateToken('bw', 'live', randomBytes)
  const presentation = { ip: '203.0.113.9', requiredScopes: [], detectReuse: true, requestId: 'req-1', userAgent: 'replayer/1.0' } as const

  it('every presentation of the family waits for the one report in flight, and is refused only once it is done', async () => {
    const report = deferred()
    const reports: RequestContext[] = []
    const authenticator = authenticatorReportingTo((_credential, context) => {
      reports.push(context)
      return report.promise
    })
    const outcomes: string[] = []
    const first = authenticator.verify(token, presentation).then((v) => outcomes.push(`first ${v.code}`))
    const second = authenticator.verify(token, { ...presentation, requestId: 'req-2' }).then((v) => outcomes.push(`second ${v.code}`))
    await settle()
    // Refused now, a caller could still use the family's live members afterwards.
    expect(outcomes).toEqual([])
    expect(reports).toEqual([{ requestId: 'req-1', ip: '203.0.113.9', userAgent: 'replayer/1.0' }])

    report.resolve()
    await Promise.all([first, second])
    expect(outcomes.sort()).toEqual(['first REVOKED', 'second REVOKED'])
    // Reported: later presentations cost no write.
    expect((await authenticator.verify(token, presentation)).code).toBe('REVOKED')
    expect(reports).toHaveLength(1)
  })

  it('a report that fails fails every request waiting on it, and the next presentation reports again', async () => {
    const failing = deferred()
    let reports = 0
    const authenticator = authenticatorReportingTo(() => {
      reports += 1
      return reports === 1 ? failing.promise : Promise.resolve()
    })
    const first = authenticator.verify(token, presentation)
    const second = authenticator.verify(token, presentation)
    await settle()
    failing.reject(new Error('deadlock detected'))
    await expect(first).rejects.toThrow('deadlock detected')
    await expect(second).rejects.toThrow('deadlock detected')

    expect((await authenticator.verify(token, presentation)).code).toBe('REVOKED')
    expect(reports).toBe(2)
  })
})
