import type { Authentication, Operation } from '@brandwave/contract'
import type { onRequestHookHandler } from 'fastify'
import type { Authenticator, Verification } from '../auth/authenticator.js'
import type { RequestPrincipal } from '../auth/principal.js'
import { presentedCredential } from './presented-credential.js'
import { fromCode, type ErrorResponse } from './problems.js'
import { atEndOfTurn } from '../end-of-turn.js'
import { setRateLimitHeaders } from './rate-limit-headers.js'
import { sendError } from './responses.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the authentication hook of operations that require a principal. */
    principal: RequestPrincipal | null
    /**
     * Who a refused request authenticated as (a scope or kind it lacked, its rate limit), for
     * the request log only: nothing that acts on the request may read it as a principal.
     */
    refusedPrincipal: RequestPrincipal | null
  }
}

/** RFC 6750 §3: a 401 tells the client which scheme to use and, for a bad token, why. */
const CHALLENGE = { missing: 'Bearer realm="brandwave"', invalid: 'Bearer realm="brandwave", error="invalid_token"' }

// Refusals that do not depend on the request are built once: a flood of bad tokens allocates nothing for them.
type Refused = Exclude<Verification['code'], 'VALID' | 'INSUFFICIENT_SCOPE' | 'RATE_LIMITED' | 'USAGE_EXCEEDED'>
const invalidToken = (reason: Refused, message: string) =>
  fromCode('unauthorized', { message, details: [{ field: 'credential', message, reason }], headers: { 'www-authenticate': CHALLENGE.invalid } })
/** The 401 for each refused credential; the idempotency hook answers a retired key's non-retry with REVOKED. */
export const UNAUTHORIZED: Record<Refused, ErrorResponse> = {
  MALFORMED: invalidToken('MALFORMED', 'The credential is not valid.'),
  NOT_FOUND: invalidToken('NOT_FOUND', 'The credential is not valid.'),
  EXPIRED: invalidToken('EXPIRED', 'The credential has expired.'),
  REVOKED: invalidToken('REVOKED', 'The credential has been revoked.'),
  DISABLED: invalidToken('DISABLED', 'The credential is disabled; an administrator can enable it again.'),
  IP_NOT_ALLOWED: invalidToken('IP_NOT_ALLOWED', 'The credential may not be used from this IP address.'),
}
const RATE_LIMITED = fromCode('rate_limited')
const USAGE_EXCEEDED_MESSAGE = 'The credential has no remaining uses.'
const USAGE_EXCEEDED = fromCode('rate_limited', { message: USAGE_EXCEEDED_MESSAGE, details: [{ field: 'credential', message: USAGE_EXCEEDED_MESSAGE, reason: 'USAGE_EXCEEDED' }] })
const NO_CREDENTIAL = fromCode('unauthorized', { message: 'Send a credential: Authorization: Bearer <token>, X-API-Key or Api-Token.', headers: { 'www-authenticate': CHALLENGE.missing } })
const WRONG_SCHEME = fromCode('unauthorized', { message: 'Use the Bearer scheme: Authorization: Bearer <token>.', headers: { 'www-authenticate': CHALLENGE.missing } })
const SEVERAL_CREDENTIALS = fromCode('validation_failed', { message: 'Send one credential, in one header.', details: [{ field: 'authorization', message: 'different credentials in several headers' }] })
const SESSION_ONLY = fromCode('forbidden', { message: 'This needs a signed-in session, not a token.' })
const USER_ONLY = fromCode('forbidden', { message: 'This acts on a user’s own resources; API keys belong to the organization.' })

function refusal(verification: Verification, scope: string | undefined): ErrorResponse {
  switch (verification.code) {
    case 'VALID':
      throw new TypeError('a valid verification is not a refusal')
    case 'RATE_LIMITED':
      // Retry-After goes out with the RateLimit-* headers, set for every verdict that counted.
      return RATE_LIMITED
    case 'USAGE_EXCEEDED':
      if (verification.retryAfterSeconds === undefined) return USAGE_EXCEEDED
      return fromCode('rate_limited', {
        message: `${USAGE_EXCEEDED_MESSAGE} They are refilled in ${verification.retryAfterSeconds} seconds.`,
        details: USAGE_EXCEEDED.details,
        headers: { 'retry-after': String(verification.retryAfterSeconds) },
      })
    case 'INSUFFICIENT_SCOPE': {
      const details = scope === undefined ? [] : [{ field: 'scope', message: `this needs "${scope}"` }]
      // A session's permissions come from its role; a token's from its scopes.
      return verification.principal.kind === 'session'
        ? fromCode('forbidden', { message: 'Your role does not allow this.', details })
        : fromCode('insufficient_scope', { details })
    }
    default:
      return UNAUTHORIZED[verification.code]
  }
}

const singleHeader = (value: string | string[] | undefined): string | undefined => (typeof value === 'string' ? value : undefined)

function kindRefusal(mode: Authentication, principal: RequestPrincipal): ErrorResponse | null {
  if ((mode === 'session' || mode === 'optional-session') && principal.kind !== 'session') return SESSION_ONLY
  if (mode === 'user' && principal.kind === 'credential' && principal.userId === null) {
    return USER_ONLY
  }
  return null
}

/**
 * The HTTP side of SPEC §7 for one operation: read the credential from the headers, run
 * the pipeline, set the rate-limit headers, and either attach the principal or refuse.
 * Callback style: Fastify runs it without allocating a promise of its own per request.
 * Refusals are sent from here (and `done` is then not called, as Fastify requires), not
 * passed to the error handler: a flood of bad tokens should cost little more than a health check.
 */
export function authenticationHook(authenticator: Authenticator, operation: Operation): onRequestHookHandler {
  const options = { requiredScopes: operation.scope === undefined ? [] : [operation.scope], detectReuse: operation.detectsReuse === true }
  const optional = operation.authentication === 'optional-session'
  return (request, reply, done) => {
    const presented = presentedCredential(request.headers)
    switch (presented.kind) {
      case 'none':
        if (optional) {
          done()
          return
        }
        sendError(reply, request.id, NO_CREDENTIAL)
        return
      case 'unsupported_scheme':
        sendError(reply, request.id, WRONG_SCHEME)
        return
      case 'ambiguous':
        sendError(reply, request.id, SEVERAL_CREDENTIALS)
        return
      case 'token':
        break
    }
    const settle = (verification: Verification): void => {
      if (verification.rateLimit !== null) setRateLimitHeaders(reply, verification.rateLimit)
      // An expired or ended session is no session: the handler may still act on the body.
      if (optional && verification.principal === null) {
        done()
        return
      }
      const refused = verification.valid ? kindRefusal(operation.authentication, verification.principal) : refusal(verification, operation.scope)
      if (refused !== null) {
        request.refusedPrincipal = verification.principal
        sendError(reply, request.id, refused)
        return
      }
      request.principal = verification.principal
      if (verification.valid && verification.retry === true) request.retryOnly = true
      done()
    }
    const check = (): void => {
      // Only an operation that detects reuse may write (and audit) on a refusal: only it needs who asked.
      const verifyOptions = options.detectReuse
        ? { ip: request.ip, arrival: request.arrival, requestId: request.id, userAgent: request.headers['user-agent'] ?? null, idempotencyKey: singleHeader(request.headers['idempotency-key']), ...options }
        : { ip: request.ip, arrival: request.arrival, ...options }
      // A warm credential is decided without I/O: answered now, without a promise.
      const decided = authenticator.verifyNow(presented.token, verifyOptions)
      if (decided !== undefined) {
        // A use spent on the warm path is answered once it is stored, with the rest of its turn's spends.
        if (decided.valid && decided.committed !== undefined) decided.committed.then(() => settle(decided), (error: unknown) => done(error as Error))
        else settle(decided)
        return
      }
      authenticator.verifyUndecided(presented.token, verifyOptions).then(settle, (error: unknown) => done(error as Error))
    }
    if (authenticator.readsVersionPerBatch) atEndOfTurn(check)
    else check()
  }
}
