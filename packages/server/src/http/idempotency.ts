import { createHmac, randomUUID } from 'node:crypto'
import { ApiError, open, seal } from '@brandwave/core'
import type { FastifyBaseLogger, FastifyReply, FastifyRequest, onSendHookHandler, preHandlerAsyncHookHandler } from 'fastify'
import type { RequestPrincipal } from '../auth/principal.js'
import type { CredentialRecord } from '../storage/credentials.js'
import type { RequestContext } from '../request-context.js'
import { isoAt, type Clock } from '../clock.js'
import type { Storage } from '../storage/index.js'
import type { DerivedKeys } from '../secret.js'
import type { BackgroundWork } from '../background.js'
import { UNAUTHORIZED } from './authentication-hook.js'
import { sendError } from './responses.js'

/** Stripe's window: a retry within 24 hours replays; after that the key is forgotten. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 3600 * 1000
/**
 * Without a credential (sign-in, refresh, signup) there is no caller to scope a key to, so
 * the request itself is the scope: only an identical request, which carries the same
 * password or refresh token, sees the replay. It exists for a client retrying a response it
 * lost, and no longer: within a minute, once, and never after the session it started ended —
 * a copy of the request in a proxy log must not be a way into a live session.
 */
const ANONYMOUS_IDEMPOTENCY_WINDOW_MS = 60 * 1000
/** A claim older than this whose request never finished belonged to a process that died. */
const ABANDONED_AFTER_MS = 60_000
/** Expired entries (sealed responses, secrets included) are purged this often. */
const SWEEP_INTERVAL_MS = 10 * 60_000
const KEY_PATTERN = /^[\x20-\x7E]{1,255}$/

declare module 'fastify' {
  interface FastifyInstance {
    /** The Idempotency-Key ledger; `sweep()` purges what has expired now. */
    idempotency: Idempotency
  }
  interface FastifyRequest {
    /** Set when this request holds an Idempotency-Key claim its response must complete. */
    idempotencyClaim: { principalKey: string; key: string; owner: string; sessionId: string | null } | null
    /**
     * Set by authentication when the caller is a retired credential retrying a request it
     * made (`Verification.retry`): that request's response is replayed, and nothing runs.
     */
    retryOnly: boolean
  }
}

/**
 * Keys are scoped to the calling principal (SPEC §3): one credential, or one session. A
 * session, not its user: another session of the same user (or a thief's) must neither
 * replay this one's responses — recovery codes, a logout — nor be refused by its keys.
 */
function principalKeyOf(principal: RequestPrincipal): string {
  if (principal.kind === 'oauth') return `oauth:${principal.grantId}`
  return principal.kind === 'session' ? `session:${principal.sessionId}` : credentialKey(principal.credential.id)
}

const credentialKey = (credentialId: string) => `credential:${credentialId}`

/** JSON with object keys sorted, so `{"a":1,"b":2}` and `{"b":2,"a":1}` are one request. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`)
    return `{${entries.join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

/**
 * What makes two requests "the same": the operation (so `/v1/x` and `/api/v1/x` agree),
 * its path parameters and its body. Keyed (HMAC), because bodies can hold passwords and
 * codes (password change, 2FA) that a bare hash at rest would let a dictionary recover.
 */
export function requestFingerprint(key: Uint8Array, request: { method: string; operationId: string; params: unknown; body: unknown }): string {
  return createHmac('sha256', key).update(`${request.method}\n${request.operationId}\n${canonicalJson(request.params)}\n${canonicalJson(request.body)}`).digest('base64url')
}

function fingerprintOf(key: Buffer, request: FastifyRequest): string {
  const schema = request.routeOptions.schema
  return requestFingerprint(key, { method: request.method, operationId: schema?.operationId ?? request.routeOptions.url ?? '', params: request.params, body: request.body })
}

/** Reads and checks the header; null when absent. */
export function idempotencyKeyOf(request: FastifyRequest): string | null {
  const value = request.headers['idempotency-key']
  if (value === undefined) return null
  // Node joins repeated headers with ", ": count them in the raw list instead.
  const occurrences = request.raw.rawHeaders.filter((name, index) => index % 2 === 0 && name.toLowerCase() === 'idempotency-key').length
  if (typeof value !== 'string' || occurrences !== 1 || !KEY_PATTERN.test(value)) {
    throw new ApiError('validation_failed', 'Idempotency-Key must be 1–255 printable ASCII characters, sent once.', {
      details: [{ field: 'Idempotency-Key', message: 'must be 1–255 printable ASCII characters' }],
    })
  }
  return value
}

/**
 * Stripe's Idempotency-Key semantics around a state-changing operation (SPEC §3):
 * the first request runs; a repeat with the same request replays its status and body
 * (`Idempotent-Replayed: true`); the same key with another request is 422; a repeat while
 * the first runs is 409. Responses are sealed at rest (they can hold a secret); 5xx
 * responses are not kept, so the client can retry.
 */
export class Idempotency {
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly storage: Pick<Storage, 'idempotency'>,
    private readonly keys: Pick<DerivedKeys, 'idempotencyEncryption' | 'idempotencyFingerprint'>,
    private readonly clock: Clock,
    /** Whether a session is still live: a response bound to one that ended is not replayed. */
    private readonly sessionLive: (sessionId: string) => Promise<boolean>,
    /** A retired secret asked for something other than the replay of its own request: reuse. */
    private readonly reuse: (credential: CredentialRecord, context: RequestContext) => Promise<void>,
  ) {}

  /** Ties the response of the request holding `claim` to a session (sign-in, refresh). */
  static bindToSession(request: FastifyRequest, sessionId: string): void {
    if (request.idempotencyClaim !== null) request.idempotencyClaim.sessionId = sessionId
  }

  /** Runs after authentication and validation, before the handler. */
  readonly preHandler: preHandlerAsyncHookHandler = async (request, reply) => {
    const key = idempotencyKeyOf(request)
    const principal = request.principal
    if (request.retryOnly) return this.replayRetry(request, reply, key)
    if (key === null) return
    const hash = fingerprintOf(this.keys.idempotencyFingerprint, request)
    const [principalKey, window] = principal === null ? [`request:${hash}`, ANONYMOUS_IDEMPOTENCY_WINDOW_MS] : [principalKeyOf(principal), IDEMPOTENCY_WINDOW_MS]
    const now = this.clock.now()
    const ledger = this.storage.idempotency
    const owner = randomUUID()
    const claim = { principalKey, key, requestHash: hash, owner, now: isoAt(now), expiresAt: isoAt(now + window) }
    const claimed = async () => {
      if ((await ledger.claim(claim)) || (await ledger.takeOver({ ...claim, abandonedBefore: isoAt(now - ABANDONED_AFTER_MS) }))) {
        request.idempotencyClaim = { principalKey, key, owner, sessionId: null }
        return true
      }
      return false
    }
    if (await claimed()) return
    if (principal === null) {
      // Replayed once: the entry leaves the ledger as it is replayed, and the next identical
      // request runs for real (a used refresh token is then reuse, a used code refused).
      const entry = await ledger.consume(principalKey, key, hash, isoAt(now))
      if (entry !== undefined && entry.status !== null && entry.sealedResponse !== null && (entry.sessionId === null || (await this.sessionLive(entry.sessionId)))) {
        return this.replay(reply, entry.status, open(this.keys.idempotencyEncryption, entry.sealedResponse, `${principalKey}\n${key}`))
      }
      if (await claimed()) return
      throw new ApiError('idempotency_in_progress')
    }
    const existing = await ledger.find(principalKey, key)
    if (existing === undefined) {
      // Swept between our claim and our read: rare enough to ask for a retry.
      throw new ApiError('idempotency_in_progress', 'This Idempotency-Key is changing hands; retry the request.')
    }
    if (existing.requestHash !== hash) throw new ApiError('idempotency_key_reused')
    if (existing.state !== 'completed' || existing.status === null || existing.sealedResponse === null) throw new ApiError('idempotency_in_progress')
    return this.replay(reply, existing.status, open(this.keys.idempotencyEncryption, existing.sealedResponse, `${principalKey}\n${key}`))
  }

  /**
   * A rotated-away credential's retry (`Verification.retry`): the response of the very
   * request it made, or 409 while that request still runs. Any other request under that
   * Idempotency-Key is reuse after all. Nothing else runs.
   */
  private async replayRetry(request: FastifyRequest, reply: FastifyReply, key: string | null): Promise<FastifyReply> {
    const principal = request.principal
    if (key === null || principal?.kind !== 'credential') return sendError(reply, request.id, UNAUTHORIZED.REVOKED)
    const principalKey = principalKeyOf(principal)
    const made = await this.storage.idempotency.find(principalKey, key)
    if (made === undefined || made.requestHash !== fingerprintOf(this.keys.idempotencyFingerprint, request)) {
      await this.reuse(principal.credential, { requestId: request.id, ip: request.ip, userAgent: request.headers['user-agent'] ?? null })
      return sendError(reply, request.id, UNAUTHORIZED.REVOKED)
    }
    if (made.state !== 'completed' || made.status === null || made.sealedResponse === null) throw new ApiError('idempotency_in_progress')
    return this.replay(reply, made.status, open(this.keys.idempotencyEncryption, made.sealedResponse, `${principalKey}\n${key}`))
  }

  /** Whether this credential sent a request with this Idempotency-Key, finished or still running. */
  async madeRequest(credentialId: string, key: string): Promise<boolean> {
    return (await this.storage.idempotency.find(credentialKey(credentialId), key)) !== undefined
  }

  private replay(reply: FastifyReply, status: number, body: string): FastifyReply {
    const replay = reply.code(status).header('idempotent-replayed', 'true')
    if (body === '') return replay.send()
    return replay.type('application/json; charset=utf-8').send(body)
  }

  /**
   * Completes the claim with the response as sent; releases it instead when the outcome
   * was transient (5xx, 429: Stripe keeps neither), so a retry runs for real.
   */
  readonly onSend: onSendHookHandler = async (request, reply, payload) => {
    const claim = request.idempotencyClaim
    if (claim === null) return payload
    request.idempotencyClaim = null
    const ledger = this.storage.idempotency
    const body = typeof payload === 'string' ? payload : payload === null || payload === undefined ? '' : Buffer.isBuffer(payload) ? payload.toString('utf8') : null
    if (reply.statusCode >= 500 || reply.statusCode === 429 || body === null) {
      await ledger.release(claim.principalKey, claim.key, claim.owner)
      return payload
    }
    await ledger.complete(claim.principalKey, claim.key, claim.owner, reply.statusCode, seal(this.keys.idempotencyEncryption, body, `${claim.principalKey}\n${claim.key}`), claim.sessionId)
    return payload
  }

  /** Deletes every entry whose 24-hour window has ended, secrets included. */
  sweep(): Promise<number> {
    return this.storage.idempotency.deleteExpired(isoAt(this.clock.now()))
  }

  /** Sweeps every ten minutes while the server runs (expired entries hold sealed secrets). */
  sweeper(log: Pick<FastifyBaseLogger, 'error'>): BackgroundWork {
    const onError = (error: unknown) => log.error({ err: error }, 'idempotency sweep failed; will retry')
    return {
      start: () => {
        this.timer ??= setInterval(() => void this.sweep().catch(onError), SWEEP_INTERVAL_MS)
        this.timer.unref()
      },
      stop: () => {
        if (this.timer !== undefined) clearInterval(this.timer)
        this.timer = undefined
      },
    }
  }
}
