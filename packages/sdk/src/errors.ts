import type { ErrorBody } from '@brandwave/contract'

/**
 * Every error code the API answers with (`error.code`): stable, unlike messages.
 *
 * @example
 * const retryable: ErrorCode[] = ['rate_limited', 'unavailable']
 */
export type ErrorCode = ErrorBody['error']['code']

/**
 * Where in the request a problem is, and what it is.
 *
 * @example
 * for (const { field, message } of error.details) form.setError(field, message)
 */
export interface ErrorDetail {
  readonly field: string
  readonly message: string
}

/**
 * A failed API call. Branch on `code` (or on the subclass) rather than on `message`.
 *
 * @example
 * try {
 *   await bw.personalAccessTokens.get({ id })
 * } catch (error) {
 *   if (error instanceof BrandwaveError && error.code === 'not_found') return null
 *   throw error
 * }
 */
export class BrandwaveError extends Error {
  /** The HTTP status; 0 when no response arrived (see {@link BrandwaveConnectionError}). */
  readonly status: number
  readonly code: ErrorCode | 'connection_failed'
  /** `meta.request_id` of the response, for support requests and log searches. */
  readonly requestId: string | null
  readonly details: readonly ErrorDetail[]

  constructor(init: { status: number; code: ErrorCode | 'connection_failed'; message: string; requestId: string | null; details?: readonly ErrorDetail[]; cause?: unknown }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause })
    this.name = new.target.name
    this.status = init.status
    this.code = init.code
    this.requestId = init.requestId
    this.details = init.details ?? []
  }
}

/**
 * 400, 413, 415, 422: the request itself must change.
 *
 * @example
 * catch (error) { if (error instanceof BrandwaveValidationError) showFieldErrors(error.details) }
 */
export class BrandwaveValidationError extends BrandwaveError {}
/**
 * 401: no credential, or one that is malformed, unknown, revoked, expired or used from a forbidden address.
 *
 * @example
 * catch (error) { if (error instanceof BrandwaveAuthenticationError) redirectToSignIn() }
 */
export class BrandwaveAuthenticationError extends BrandwaveError {}
/**
 * 403: authenticated, but the role or the credential's scopes do not allow it.
 *
 * @example
 * catch (error) { if (error instanceof BrandwavePermissionError) show('Ask an admin for access.') }
 */
export class BrandwavePermissionError extends BrandwaveError {}
/**
 * 404: nothing there — or nothing the caller may know about.
 *
 * @example
 * const token = await bw.personalAccessTokens.get({ id }).catch((error) => (error instanceof BrandwaveNotFoundError ? null : Promise.reject(error)))
 */
export class BrandwaveNotFoundError extends BrandwaveError {}
/**
 * 409: conflicts with the current state (already rotated, last admin, request in flight).
 *
 * @example
 * catch (error) { if (error instanceof BrandwaveConflictError) show(error.message) }
 */
export class BrandwaveConflictError extends BrandwaveError {}

/**
 * 429: slow down; `retryAfterSeconds` says for how long.
 *
 * @example
 * catch (error) { if (error instanceof BrandwaveRateLimitError) await sleep((error.retryAfterSeconds ?? 1) * 1000) }
 */
export class BrandwaveRateLimitError extends BrandwaveError {
  readonly retryAfterSeconds: number | null

  constructor(init: ConstructorParameters<typeof BrandwaveError>[0] & { retryAfterSeconds: number | null }) {
    super(init)
    this.retryAfterSeconds = init.retryAfterSeconds
  }
}

/**
 * 5xx: the service failed; retried automatically before this is thrown.
 *
 * @example
 * catch (error) { if (error instanceof BrandwaveServerError) report(error.requestId) }
 */
export class BrandwaveServerError extends BrandwaveError {}
/**
 * No response at all (network down, DNS, connection reset); retried automatically before this is thrown.
 *
 * @example
 * catch (error) { if (error instanceof BrandwaveConnectionError) show('Brandwave is unreachable.') }
 */
export class BrandwaveConnectionError extends BrandwaveError {}

/** The error class for a status: one place, so every caller gets the same family. */
export function errorClassFor(status: number): typeof BrandwaveError {
  if (status === 401) return BrandwaveAuthenticationError
  if (status === 403) return BrandwavePermissionError
  if (status === 404) return BrandwaveNotFoundError
  if (status === 409) return BrandwaveConflictError
  if (status >= 500) return BrandwaveServerError
  return BrandwaveValidationError
}
