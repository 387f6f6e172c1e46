import { hash } from 'node:crypto'
import {
  decideCredential,
  decideRateLimit,
  effectiveScopes,
  hashToken,
  nextRefillAt,
  parseToken,
  type CredentialState,
  type RateLimitCount,
  type RateLimitDecision,
  type Role,
  type Scope,
  type ScopeCatalog,
  type TokenKind,
  type VerificationCode,
} from '@brandwave/core'
import { LRUCache } from 'lru-cache'
import type { Clock } from '../clock.js'
import type { CredentialRecord, CredentialRepository, SpendResult } from '../storage/credentials.js'
import type { SpentNow } from '../storage/spends.js'
import type { SessionForAuthentication, SessionRepository } from '../storage/sessions.js'
import type { AccessVersion, Version } from '../shared-state/access-version.js'
import type { CountedSpend } from '../shared-state/redis-budgets.js'
import type { RequestContext } from '../request-context.js'
import type { RateLimiter } from './rate-limiter.js'
// The verification pipeline only ever yields callers of the API, never the operator.
import type { CredentialPrincipal, OAuthPrincipal, RequestPrincipal as Principal, SessionPrincipal } from './principal.js'
import { SessionTokens } from './session-tokens.js'
import type { UsageCounts } from './usage-counts.js'
import type { UsageRecorder } from './usage-recorder.js'
import type { UnknownKeyCache, VerificationCache, Versioned, VersionedCache } from './verification-cache.js'
import { WarmCredential } from './warm-credential.js'

/** The outcome codes of SPEC §5 (`POST /v1/keys/verify`), shared by every authenticated request. */
export type { VerificationCode }

type Allowed = Extract<RateLimitDecision, { allowed: true }>

export type Verification =
  /**
   * `retry`: the principal is a retired credential retrying a request it made with this
   * Idempotency-Key; the request may only replay that request's response (see `findCredential`).
   */
  /**
   * `remaining`: what a metered credential has left after this use (absent: not metered).
   * `committed`: from `verifyNow` only, for a use spent on the warm path; it is stored when this
   * settles, so answer only then (`verify` has awaited it already).
   */
  | {
      readonly valid: true
      readonly code: 'VALID'
      readonly principal: Principal
      readonly rateLimit: Allowed
      readonly retry?: true
      readonly remaining?: number | null
      readonly committed?: Promise<void>
    }
  | { readonly valid: false; readonly code: 'INSUFFICIENT_SCOPE'; readonly principal: Principal; readonly rateLimit: Allowed }
  | { readonly valid: false; readonly code: 'RATE_LIMITED'; readonly principal: Principal; readonly rateLimit: Extract<RateLimitDecision, { allowed: false }> }
  /** A metered credential without the uses this request would spend (issue 24). */
  | {
      readonly valid: false
      readonly code: 'USAGE_EXCEEDED'
      readonly principal: CredentialPrincipal
      readonly rateLimit: Allowed
      readonly remaining: number
      /** Until the next refill; absent when none is scheduled. */
      readonly retryAfterSeconds?: number
    }
  | { readonly valid: false; readonly code: 'MALFORMED' | 'NOT_FOUND' | 'EXPIRED' | 'REVOKED' | 'DISABLED' | 'IP_NOT_ALLOWED'; readonly principal: null; readonly rateLimit: null }

type Denied = Extract<Verification, { principal: null }>

/** A metered credential refused for want of uses: Retry-After until its next refill, if one is scheduled. */
function usageExceeded(principal: CredentialPrincipal, rateLimit: Allowed, remaining: number, now: number): Verification {
  const { refill } = principal.credential
  if (refill === null) return { valid: false, code: 'USAGE_EXCEEDED', principal, rateLimit, remaining }
  const retryAfterSeconds = Math.max(1, Math.ceil((nextRefillAt(refill, now) - now) / 1000))
  return { valid: false, code: 'USAGE_EXCEEDED', principal, rateLimit, remaining, retryAfterSeconds }
}

export interface VerifyOptions {
  /** The client address: the socket's, or the one `TRUST_PROXY` lets us believe. Null when unknown. */
  readonly ip: string | null
  /** Scopes the request needs; all must be held (SPEC §7 step 5). */
  readonly requiredScopes: readonly Scope[]
  /** Only credentials of this organization are found (`POST /v1/keys/verify`). */
  readonly organizationId?: string
  /** A retired secret presented here is reuse (see `Operation.detectsReuse`): report it. */
  readonly detectReuse?: boolean
  /** The number the request got when it arrived (`arrive()`); absent for calls from inside the process. */
  readonly arrival?: number
  /** The request's id and user agent, kept with what reporting a retired secret writes and logs. */
  readonly requestId?: string
  readonly userAgent?: string | null
  /** The request's Idempotency-Key header, read only where `detectReuse` is set. */
  readonly idempotencyKey?: string
  /** Remaining uses an accepted request of a metered credential spends (default 1). */
  readonly cost?: number
}

/**
 * A stored credential as the verification path needs it: the principal it authenticates
 * as, built once per storage read, and what each request must still check.
 */
export interface CredentialEntry extends CredentialState, Versioned {
  readonly principal: CredentialPrincipal
  /** It has remaining uses to spend: an accepted request writes, so it is decided synchronously only through `spendNow`. */
  readonly metered?: boolean
  /** A rotation's successor not used yet (see `AuthenticatorDependencies.onFirstUse`). */
  readonly awaitsFirstUse?: boolean
}

export interface AuthenticatorDependencies {
  /** Every prefix the deployment has issued: tokens keep working after the prefix changes. */
  readonly tokenPrefixes: readonly string[]
  readonly tokenHashKey: Buffer
  readonly catalog: ScopeCatalog
  readonly credentials: Pick<CredentialRepository, 'findForVerification'>
  readonly sessions: Pick<SessionRepository, 'findForAuthentication'>
  readonly sessionTokens: SessionTokens
  readonly accessVersion: AccessVersion
  readonly credentialCache: VersionedCache<CredentialEntry>
  /** Well-formed keys storage did not hold; without it, each one presented reads storage. */
  readonly unknownKeys?: UnknownKeyCache
  readonly sessionCache: VerificationCache<SessionForAuthentication>
  readonly rateLimiter: RateLimiter
  readonly usage: UsageRecorder
  /** Counts per hour of each credential's accepted and refused requests; without it, none are kept. */
  readonly counts?: UsageCounts
  readonly defaultRateLimitPerMinute: number
  readonly clock: Clock
  /** Told of every storage read the pipeline makes (metrics). */
  readonly onStorageLookup?: (kind: 'credential' | 'session') => void
  /** Told of every outcome (metrics). */
  readonly onOutcome?: (code: VerificationCode) => void
  /**
   * A retired secret (rotated, then revoked or past its grace period) was presented where
   * that means reuse (`VerifyOptions.detectReuse`). Awaited before the refusal is answered,
   * so the family is revoked by the time the caller hears back; if it fails, the request
   * fails with it rather than answer a refusal that claims a revocation that did not happen.
   */
  readonly onRetiredSecret?: (credential: CredentialRecord, context: RequestContext) => Promise<void>
  /** Whether this credential sent a request with this Idempotency-Key (finished or not). */
  readonly madeRequest?: (credentialId: string, idempotencyKey: string) => Promise<boolean>
  /** Spends a metered credential's uses, atomically across instances; without it, none are spent. */
  readonly spend?: (credential: CredentialRecord, cost: number) => Promise<SpendResult>
  /**
   * The same spend without a promise, where storage can (the embedded database), so a warm
   * metered credential is decided on the warm path; `ready()` false sends it to `spend`.
   * The spend is stored when `committed` settles.
   */
  readonly spendNow?: { ready(): boolean; spend(credential: CredentialRecord, cost: number): SpentNow }
  /**
   * The same spend for a warm credential, together with counting its request, in one trip to
   * the shared state, provided the access version there is still `version` (Redis); undefined
   * where that cannot be done, and then the request is counted and spent in turn.
   */
  readonly countAndSpend?: (credential: CredentialRecord, cost: number, rateLimit: { readonly key: string; readonly perMinute: number }, version: Version) => Promise<CountedSpend> | undefined
  /**
   * A rotation's successor was accepted for the first time (in this process): a grace period
   * waiting for that starts. Off the request path; a failure lets the next use try again.
   */
  readonly onFirstUse?: (credentialId: string, at: number) => Promise<void>
}

/** An OAuth access token as the pipeline keeps it warm; `principal` is null once its user left. */
export interface OAuthEntry {
  readonly principal: OAuthPrincipal | null
  readonly revoked: boolean
  readonly expiresAtMs: number
}

/** OAuth access tokens (`{prefix}_at_…`): the same cache rules and access version as credentials. */
export interface OAuthVerification {
  /** One storage read for a token not warm in the cache (the OAuth module provides it). */
  readonly verifier: { lookup(token: string): Promise<OAuthEntry | undefined> }
  readonly cache: VerificationCache<OAuthEntry>
  readonly usage: UsageRecorder
}

/**
 * How long after a credential rotated itself away it may still replay that request: long
 * enough for a client's retries of a rotation whose response it lost, short enough that a
 * copy of the request (which also needs its Idempotency-Key) is soon worth nothing.
 */
export const RETRY_AFTER_ROTATION_MS = 10 * 60_000

/** Refusals that mean a rotated secret is retired; a refusal for the address is not one. */
const RETIRED: ReadonlySet<VerificationCode> = new Set(['REVOKED', 'EXPIRED'])

const CREDENTIAL_KINDS: readonly TokenKind[] = ['live', 'test']
const OAUTH_KINDS: readonly TokenKind[] = ['at']
const denied = (code: Denied['code']): Denied => ({ valid: false, code, principal: null, rateLimit: null })
// Refusals carry nothing of the request: one object each, so a flood allocates none.
const DENIED = {
  MALFORMED: denied('MALFORMED'),
  NOT_FOUND: denied('NOT_FOUND'),
  EXPIRED: denied('EXPIRED'),
  REVOKED: denied('REVOKED'),
  DISABLED: denied('DISABLED'),
  IP_NOT_ALLOWED: denied('IP_NOT_ALLOWED'),
} as const satisfies Record<Denied['code'], Denied>

/** The cache's key for a token: a plain SHA-256 (see `findCredential`). */
// Latin-1 keeps all 256 bits in a 32-character string: a third smaller than base64url.
const cacheKeyOf = (token: string): string => hash('sha256', token, 'binary')

/**
 * The request authentication pipeline of SPEC §7, top to bottom. It knows nothing of HTTP:
 * the same path serves every authenticated request and `POST /v1/keys/verify`.
 *
 * The warm path costs one HMAC, one cache lookup and one trip to the shared state (the
 * access version and the rate-limit count travel together); storage is read only when the
 * cache cannot vouch for the credential under the current access version.
 */
export class Authenticator {
  /**
   * Families this process reported a retired secret for, or is reporting: a flood of one
   * retired key costs one write, and every presentation waits for that write to commit.
   */
  private readonly reportedFamilies = new LRUCache<string, Promise<void>>({ max: 10_000 })

  private oauth: OAuthVerification | undefined

  /** Successors whose first use this process has reported: once each is enough. */
  private readonly firstUses = new LRUCache<string, true>({ max: 10_000 })

  constructor(private readonly deps: AuthenticatorDependencies) {}

  /** Whether requests checked together share one access-version read (`AccessVersion.perBatch`). */
  get readsVersionPerBatch(): boolean {
    return this.deps.accessVersion.perBatch === true
  }

  /** From now on `{prefix}_at_…` tokens authenticate too (the OAuth module calls this once it is set up). */
  acceptOAuthTokens(oauth: OAuthVerification): void {
    this.oauth = oauth
  }

  async verify(token: string, options: VerifyOptions): Promise<Verification> {
    const warm = this.warm(token, options)
    if (warm === undefined) return this.verifyUndecided(token, options)
    if (warm.valid && warm.committed !== undefined) await warm.committed
    this.deps.onOutcome?.(warm.code)
    return warm
  }

  /**
   * The same verification when it needs no I/O, else undefined (then call `verifyUndecided`):
   * a malformed token, a warm credential or a known-unknown key, with the access version and
   * the rate-limit counter in this process. The authentication hook uses it to answer
   * without a promise; nothing is counted or recorded when it returns undefined.
   */
  verifyNow(token: string, options: VerifyOptions): Verification | undefined {
    const verification = this.warm(token, options)
    if (verification !== undefined) this.deps.onOutcome?.(verification.code)
    return verification
  }

  /**
   * `verify` for a token `verifyNow` has just left undecided, in the same step: the warm
   * path is not tried again. A second try would find no share of the key's rate-limit count
   * a second time, and two such misses in a row are what makes a key look busy
   * (`CounterShares`): every warm key would then take a share it mostly gives back.
   */
  async verifyUndecided(token: string, options: VerifyOptions): Promise<Verification> {
    const verification = await this.run(token, options)
    this.deps.onOutcome?.(verification.code)
    return verification
  }

  /**
   * SPEC §7 steps 1–6 for a credential this process can decide alone. Each step is the one
   * `run` takes; what `run` would have to await makes this return undefined first.
   */
  private warm(token: string, options: VerifyOptions): Verification | undefined {
    const { readNow } = this.deps.accessVersion
    const { countNow } = this.deps.rateLimiter
    if (readNow === undefined || SessionTokens.looksLikeJwt(token)) return undefined
    const cacheKey = cacheKeyOf(token)
    const entry = this.deps.credentialCache.peek(cacheKey)
    if (entry === undefined) {
      // OAuth access tokens have their own cache: `run` finds them.
      if (this.oauth !== undefined && parseToken(token, this.deps.tokenPrefixes, OAUTH_KINDS).ok) return undefined
      // The checksum is checked on a miss only: a warm entry was made by `run`, after this same check passed.
      if (!parseToken(token, this.deps.tokenPrefixes, CREDENTIAL_KINDS).ok) return DENIED.MALFORMED
      const version = readNow(options.arrival)
      return version !== null && this.deps.unknownKeys?.has(cacheKey, version) === true ? DENIED.NOT_FOUND : undefined
    }
    // An entry read under an older version is `run`'s to replace.
    if (entry.cachedUnder !== readNow(options.arrival)) return undefined

    const now = this.deps.clock.now()
    const decision = decideCredential(entry, { now, ip: options.ip, ...(options.organizationId !== undefined && { organizationId: options.organizationId }) })
    if (!decision.usable) {
      // Reporting a retired secret is a write: `run` does it.
      if (options.detectReuse === true && RETIRED.has(decision.code) && entry.principal.credential.rotatedToId !== null) return undefined
      this.deps.counts?.record(entry.principal.credential.id, now, decision.code, options.ip)
      return DENIED[decision.code]
    }
    // Spending is a write: done here only when storage can do it without a promise (checked
    // before anything is counted, since `run` would count again), else `run` does it.
    const spendNow = entry.metered === true ? this.deps.spendNow : undefined
    if (countNow === undefined || (entry.metered === true && spendNow?.ready() !== true)) return undefined
    const { principal } = entry
    const limit = principal.rateLimit
    const counted = countNow(limit.key, limit.perMinute)
    // No count to be had without I/O: `run` counts it, and nothing was counted here.
    if (counted === undefined) return undefined
    const rateLimit = decideRateLimit(limit.perMinute, counted)
    const counts = this.deps.counts
    if (!rateLimit.allowed) {
      counts?.record(principal.credential.id, now, 'RATE_LIMITED', options.ip)
      return { valid: false, code: 'RATE_LIMITED', principal, rateLimit }
    }
    for (const scope of options.requiredScopes) {
      if (!principal.scopes.has(scope)) {
        counts?.record(principal.credential.id, now, 'INSUFFICIENT_SCOPE', options.ip)
        return { valid: false, code: 'INSUFFICIENT_SCOPE', principal, rateLimit }
      }
    }
    // 5½, as `run` takes it.
    let spending: SpentNow | undefined
    try {
      spending = spendNow?.spend(principal.credential, options.cost ?? 1)
    } catch (error) {
      // Nothing was spent (the database stayed locked past busy_timeout, say): the request fails
      // with the error (503 for a lock) once its caller awaits it, and no use is recorded. Not
      // thrown: the caller has the rest of its turn's requests to answer.
      return { valid: true, code: 'VALID', principal, rateLimit, committed: Promise.reject(error instanceof Error ? error : new Error(String(error))) }
    }
    const spent = spending?.result
    if (spent?.spent === false) {
      counts?.record(principal.credential.id, now, 'USAGE_EXCEEDED', options.ip)
      return usageExceeded(principal, rateLimit, spent.remaining, now)
    }
    if (entry.awaitsFirstUse === true) {
      const credentialId = principal.credential.id
      // A grace period starts on a use that happened: once its spend is stored, if it spent.
      if (spending === undefined) this.firstUse(credentialId, now)
      else spending.committed.then(() => this.firstUse(credentialId, now), () => undefined)
    }
    this.deps.usage.record(principal.credential.id, now, options.ip)
    counts?.record(principal.credential.id, now, 'VALID', options.ip)
    return spending === undefined ? { valid: true, code: 'VALID', principal, rateLimit } : { valid: true, code: 'VALID', principal, rateLimit, remaining: spending.result.remaining, committed: spending.committed }
  }

  private firstUse(credentialId: string, now: number): void {
    const report = this.deps.onFirstUse
    if (report === undefined || this.firstUses.has(credentialId)) return
    this.firstUses.set(credentialId, true)
    report(credentialId, now).catch(() => this.firstUses.delete(credentialId))
  }

  private async run(token: string, options: VerifyOptions): Promise<Verification> {
    const now = this.deps.clock.now()

    // 1–3: parse and checksum, find (cache under the current access version, else storage),
    // refuse what may no longer be used. The request is counted meanwhile (step 4).
    const found = SessionTokens.looksLikeJwt(token)
      ? await this.findSession(token, now, options.arrival)
      : this.oauth !== undefined && options.organizationId === undefined && parseToken(token, this.deps.tokenPrefixes, OAUTH_KINDS).ok
        ? await this.findOAuth(token, now, this.oauth, options.arrival)
        : await this.findCredential(token, now, options)
    if (!('principal' in found) || found.principal === null) return found
    const { principal, counted } = found

    // 4: the rate limit, shared by every request of this principal (and every instance).
    const rateLimit = decideRateLimit(principal.rateLimit.perMinute, await counted)
    if (!rateLimit.allowed) {
      this.countCredential(principal, now, 'RATE_LIMITED', options.ip)
      return { valid: false, code: 'RATE_LIMITED', principal, rateLimit }
    }
    // A retry may only replay what the request it repeats did: no scope to check, no use to record.
    if ('retry' in found) return { valid: true, code: 'VALID', principal, rateLimit, retry: true }

    // 5: scopes.
    for (const scope of options.requiredScopes) {
      if (!principal.scopes.has(scope)) {
        this.countCredential(principal, now, 'INSUFFICIENT_SCOPE', options.ip)
        return { valid: false, code: 'INSUFFICIENT_SCOPE', principal, rateLimit }
      }
    }

    // 5½: spend a metered credential's uses (issue 24), atomically in storage, unless that was done with the count.
    let remaining: number | null | undefined
    const spentWithCount = 'spent' in found ? found.spent : undefined
    if ('entry' in found && found.entry.metered === true && principal.kind === 'credential' && (spentWithCount != null || this.deps.spend !== undefined)) {
      const spent = spentWithCount ?? (await this.deps.spend!(principal.credential, options.cost ?? 1))
      if (!spent.spent) {
        this.countCredential(principal, now, 'USAGE_EXCEEDED', options.ip)
        return usageExceeded(principal, rateLimit, spent.remaining, now)
      }
      remaining = spent.remaining
    }

    // 6: remember the use; written later, batched, off the request path.
    this.countCredential(principal, now, 'VALID', options.ip)
    if (principal.kind === 'credential') {
      if ('entry' in found && found.entry.awaitsFirstUse === true) this.firstUse(principal.credential.id, now)
      this.deps.usage.record(principal.credential.id, now, options.ip)
    } else if (principal.kind === 'oauth') this.oauth?.usage.record(principal.grantId, now, options.ip)
    return remaining === undefined ? { valid: true, code: 'VALID', principal, rateLimit } : { valid: true, code: 'VALID', principal, rateLimit, remaining }
  }

  /** Counts a request of a PAT or API key by outcome; sessions and OAuth tokens have no per-key usage. */
  private countCredential(principal: Principal, now: number, outcome: VerificationCode, ip: string | null): void {
    if (principal.kind === 'credential') this.deps.counts?.record(principal.credential.id, now, outcome, ip)
  }

  /**
   * Verifies a PAT or API key only (no session JWTs): what `POST /v1/keys/verify` checks
   * for another service.
   */
  async verifyCredential(token: string, options: VerifyOptions): Promise<Verification> {
    // Sessions and OAuth access tokens are not keys another service should accept.
    if (SessionTokens.looksLikeJwt(token) || parseToken(token, this.deps.tokenPrefixes, OAUTH_KINDS).ok) return DENIED.MALFORMED
    return this.verify(token, options)
  }

  /**
   * Reads the access version and, when the principal's counter key is already known (a
   * cached entry, a session's user), counts the request in the same breath: with a shared
   * store both go out together.
   */
  private async versionAndCount(rateKey: string | undefined, arrival: number | undefined): Promise<{ version: Version | null; counted: Promise<RateLimitCount> | undefined }> {
    const counted = rateKey === undefined ? undefined : this.deps.rateLimiter.count(rateKey)
    counted?.catch(() => undefined) // awaited later; do not let an early failure go unhandled
    return { version: await this.deps.accessVersion.read(arrival), counted }
  }

  private async findCredential(
    token: string,
    now: number,
    { ip, organizationId, detectReuse, arrival, requestId, userAgent, idempotencyKey, requiredScopes, cost }: VerifyOptions,
  ): Promise<{ principal: CredentialPrincipal; counted: Promise<RateLimitCount>; entry: CredentialEntry; retry?: true; spent?: SpendResult | null } | Denied> {
    const parsed = parseToken(token, this.deps.tokenPrefixes, CREDENTIAL_KINDS)
    if (!parsed.ok) return DENIED.MALFORMED

    // Warm entries are found by a plain SHA-256 of the token, a third of the HMAC's cost:
    // it never leaves this process's memory, which holds the HMAC key anyway. Storage is
    // searched by the keyed hash only (SPEC §2).
    const cacheKey = cacheKeyOf(token)
    const cache = this.deps.credentialCache
    const candidate = cache.peek(cacheKey)
    const candidateKey = candidate?.principal.rateLimit.key
    const together = candidate?.metered === true ? await this.countAndSpendWarm(candidate, now, { ip, organizationId, requiredScopes, cost }) : undefined
    // The entry was current when the request was counted and spent: it decides, as below.
    if (together?.current === true) return { principal: candidate!.principal, counted: Promise.resolve(together.count), entry: candidate!, spent: together.spent }
    const { version, counted } = together === undefined ? await this.versionAndCount(candidateKey, arrival) : { version: together.version, counted: Promise.resolve(together.count) }
    let entry = cache.get(cacheKey, version)
    if (entry === undefined) {
      const unknownKeys = this.deps.unknownKeys
      // `counted` exists only for a key that was warm under an older version: it cannot be a known-unknown one.
      if (counted === undefined && unknownKeys?.has(cacheKey, version) === true) return DENIED.NOT_FOUND
      this.deps.onStorageLookup?.('credential')
      const row = await this.deps.credentials.findForVerification(hashToken(this.deps.tokenHashKey, token))
      if (row === undefined) {
        if (candidateKey !== undefined) void counted?.then(() => this.deps.rateLimiter.refund(candidateKey)).catch(() => undefined)
        unknownKeys?.add(cacheKey, version)
        return DENIED.NOT_FOUND
      }
      entry = this.credentialEntry(row)
      cache.set(cacheKey, entry, version)
      unknownKeys?.delete(cacheKey)
    }

    // 3: refuse what may no longer be used here (core's one decision).
    const decision = decideCredential(entry, { now, ip, ...(organizationId !== undefined && { organizationId }) })
    if (!decision.usable) {
      const { credential, rateLimit } = entry.principal
      const reused = detectReuse === true && RETIRED.has(decision.code) && credential.rotatedToId !== null
      // A client retrying a rotation whose response it lost presents the secret that rotation
      // retired, with the same Idempotency-Key: that is one party, not two. The idempotency
      // hook replays the rotation's response, or reports reuse after all.
      if (reused && idempotencyKey !== undefined && (await this.retrying(credential, idempotencyKey, now))) {
        return { principal: entry.principal, counted: counted ?? this.deps.rateLimiter.count(rateLimit.key), entry, retry: true }
      }
      // A warm entry's request was counted before it was decided: a refusal gives it back.
      void counted?.then(() => this.deps.rateLimiter.refund(rateLimit.key)).catch(() => undefined)
      if (reused) await this.retiredSecretPresented(credential, { requestId: requestId ?? null, ip, userAgent: userAgent ?? null })
      this.deps.counts?.record(credential.id, now, decision.code, ip)
      return denied(decision.code)
    }
    // Counted under the credential's id: the same whether the candidate was current or not.
    return { principal: entry.principal, counted: counted ?? this.deps.rateLimiter.count(entry.principal.rateLimit.key), entry }
  }

  /**
   * Counts and spends in one trip (`countAndSpend`) for a warm metered credential whose entry
   * lets this request through; undefined otherwise, or if that trip fails (then nothing was
   * counted or spent, or, if Redis ran the script before the connection dropped, the request
   * is counted and spends again: never more than there was). What the entry refuses is left to the usual steps, with
   * their refunds and reports; so is everything if the entry turns out to be out of date.
   */
  private async countAndSpendWarm(
    entry: CredentialEntry,
    now: number,
    options: Pick<VerifyOptions, 'ip' | 'organizationId' | 'requiredScopes' | 'cost'>,
  ): Promise<CountedSpend | undefined> {
    const countAndSpend = this.deps.countAndSpend
    if (countAndSpend === undefined) return undefined
    const { ip, organizationId, requiredScopes, cost } = options
    if (!decideCredential(entry, { now, ip, ...(organizationId !== undefined && { organizationId }) }).usable) return undefined
    const { principal } = entry
    for (const scope of requiredScopes) if (!principal.scopes.has(scope)) return undefined
    try {
      return await countAndSpend(principal.credential, cost ?? 1, principal.rateLimit, entry.cachedUnder)
    } catch {
      return undefined
    }
  }

  /**
   * Whether `credential` was revoked by a rotation (not by anyone's revocation, which is final)
   * in the last ten minutes, and sent a request with this Idempotency-Key.
   */
  private async retrying(credential: CredentialRecord, idempotencyKey: string, now: number): Promise<boolean> {
    if (credential.revokedReason !== 'rotated' || credential.revokedAt === null) return false
    if (!(now - Date.parse(credential.revokedAt) <= RETRY_AFTER_ROTATION_MS)) return false
    return (await this.deps.madeRequest?.(credential.id, idempotencyKey)) === true
  }

  private retiredSecretPresented(credential: CredentialRecord, context: RequestContext): Promise<void> {
    const report = this.deps.onRetiredSecret
    if (report === undefined) return Promise.resolve()
    const { familyId } = credential
    // A concurrent presentation of the family waits for the same write: answering it
    // before that commits would let the family's live members through afterwards.
    const pending = this.reportedFamilies.get(familyId)
    if (pending !== undefined) return pending
    const reporting: Promise<void> = report(credential, context).catch((error: unknown) => {
      // Forgotten, so the next presentation tries again; the error fails this request, since
      // a refusal now would tell the caller the family is revoked when it is not.
      if (this.reportedFamilies.get(familyId) === reporting) this.reportedFamilies.delete(familyId)
      throw error
    })
    this.reportedFamilies.set(familyId, reporting)
    return reporting
  }

  private credentialEntry(row: { credential: CredentialRecord; ownerRole: Role | null; ownerName: string | null }): CredentialEntry {
    const { credential, ownerRole } = row
    const isPat = credential.ownerKind === 'user'
    // An API key is bounded by what the organization can do; a PAT by its owner's role.
    const ownerScopes = isPat ? (ownerRole === null ? new Set<Scope>() : this.deps.catalog.roleScopes(ownerRole)) : this.deps.catalog.all
    return new WarmCredential({
      record: credential,
      ownerRole,
      ownerName: row.ownerName,
      scopes: effectiveScopes(credential.scopes, ownerScopes),
      defaultRateLimitPerMinute: this.deps.defaultRateLimitPerMinute,
    })
  }

  /** An OAuth access token: the same steps as a credential, under the same access version. */
  private async findOAuth(token: string, now: number, oauth: OAuthVerification, arrival: number | undefined): Promise<{ principal: OAuthPrincipal; counted: Promise<RateLimitCount> } | Denied> {
    const cacheKey = hash('sha256', token, 'base64url')
    const candidate = oauth.cache.peek(cacheKey)
    const { version, counted } = await this.versionAndCount(candidate?.principal?.rateLimit.key, arrival)
    let entry = oauth.cache.get(cacheKey, version)
    if (entry === undefined) {
      this.deps.onStorageLookup?.('credential')
      entry = await oauth.verifier.lookup(token)
      if (entry === undefined) return denied('NOT_FOUND')
      oauth.cache.set(cacheKey, entry, version)
    }
    const { principal } = entry
    const refused = (code: Denied['code']): Denied => {
      if (principal !== null) void counted?.then(() => this.deps.rateLimiter.refund(principal.rateLimit.key)).catch(() => undefined)
      return denied(code)
    }
    if (entry.revoked || principal === null) return refused('REVOKED')
    if (entry.expiresAtMs <= now) return refused('EXPIRED')
    return { principal, counted: counted ?? this.deps.rateLimiter.count(principal.rateLimit.key) }
  }

  private async findSession(token: string, now: number, arrival: number | undefined): Promise<{ principal: SessionPrincipal; counted: Promise<RateLimitCount> } | Denied> {
    const check = await this.deps.sessionTokens.verify(token, now)
    if (!check.ok) return denied(check.reason === 'expired' ? 'EXPIRED' : 'MALFORMED')
    const { claims } = check

    // A session is limited per user: the key is known from the token itself.
    const { version, counted } = await this.versionAndCount(`user:${claims.userId}`, arrival)
    const cache = this.deps.sessionCache
    let found = cache.get(claims.sessionId, version)
    if (found === undefined) {
      this.deps.onStorageLookup?.('session')
      found = await this.deps.sessions.findForAuthentication(claims.sessionId)
      if (found === undefined) return denied('NOT_FOUND')
      cache.set(claims.sessionId, found, version)
    }

    const { session, user, role } = found
    const refused = (code: Denied['code']): Denied => {
      void counted?.then(() => this.deps.rateLimiter.refund(`user:${claims.userId}`)).catch(() => undefined)
      return denied(code)
    }
    if (session.userId !== claims.userId || session.organizationId !== claims.organizationId) return refused('NOT_FOUND')
    if (session.endedAt !== null || role === null) return refused('REVOKED')
    if (Date.parse(session.expiresAt) <= now) return refused('EXPIRED')
    return {
      principal: {
        kind: 'session',
        sessionId: session.id,
        sessionCreatedAt: session.createdAt,
        userId: user.id,
        email: user.email,
        name: user.name,
        role,
        twoFactorEnabled: user.twoFactorEnabled,
        organizationId: session.organizationId,
        scopes: this.deps.catalog.roleScopes(role),
        rateLimit: { key: `user:${user.id}`, perMinute: this.deps.defaultRateLimitPerMinute },
      },
      counted: counted ?? this.deps.rateLimiter.count(`user:${user.id}`),
    }
  }
}
