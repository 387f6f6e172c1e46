/**
 * The one table from error code to HTTP status and default message (SPEC §3). Every
 * response the server sends for a failure, its own or the framework's, goes through it.
 */
export const ERROR_CATALOGUE = {
  validation_failed: { status: 400, message: 'The request is not valid.' },
  unauthorized: { status: 401, message: 'A valid credential is required.' },
  invalid_credentials: { status: 401, message: 'The email or password is incorrect.' },
  two_factor_required: { status: 401, message: 'A two-factor authentication code is required.' },
  forbidden: { status: 403, message: 'You are not allowed to do this.' },
  insufficient_scope: { status: 403, message: 'The credential lacks a scope this request needs.' },
  not_found: { status: 404, message: 'Nothing was found here.' },
  method_not_allowed: { status: 405, message: 'This path does not support this method; the Allow header lists those it does.' },
  conflict: { status: 409, message: 'The request conflicts with the current state.' },
  idempotency_in_progress: { status: 409, message: 'A request with this Idempotency-Key is still in progress.' },
  payload_too_large: { status: 413, message: 'The request body is too large.' },
  unsupported_media_type: { status: 415, message: 'Request bodies must be JSON (Content-Type: application/json).' },
  idempotency_key_reused: { status: 422, message: 'This Idempotency-Key was used for a different request.' },
  policy_violation: { status: 422, message: 'The organization’s credential policy does not allow this credential.' },
  rate_limited: { status: 429, message: 'Too many requests; retry later.' },
  headers_too_large: { status: 431, message: 'The request headers are too large.' },
  internal_error: { status: 500, message: 'An unexpected error occurred.' },
  unavailable: { status: 503, message: 'The service is temporarily unavailable.' },
} as const satisfies Record<string, { status: number; message: string }>

export type ErrorCode = keyof typeof ERROR_CATALOGUE
export const ERROR_CODES = Object.keys(ERROR_CATALOGUE) as ErrorCode[]

/** Where in the request a problem is (a JSON pointer or a header/query name), and what it is. */
export interface ErrorDetail {
  readonly field: string
  readonly message: string
  /** A machine-readable cause where one exists (a refused credential's verification code): clients branch on it, not on `message`. */
  readonly reason?: string
}

/**
 * A failure whose code, status and message can be shown to the caller as they are.
 * Anything else that is thrown becomes a 500 `internal_error` with no detail.
 *
 * @example
 * throw new ApiError('not_found', 'No personal access token with this id.')
 */
export class ApiError extends Error {
  readonly code: ErrorCode
  readonly status: number
  readonly details: readonly ErrorDetail[]
  /** Extra response headers, such as `Retry-After` on `rate_limited`. */
  readonly headers: Readonly<Record<string, string>>

  constructor(code: ErrorCode, message?: string, options: { details?: readonly ErrorDetail[]; headers?: Record<string, string> } = {}) {
    super(message ?? ERROR_CATALOGUE[code].message)
    this.name = 'ApiError'
    this.code = code
    this.status = ERROR_CATALOGUE[code].status
    this.details = options.details ?? []
    this.headers = options.headers ?? {}
  }
}

/**
 * The code the catalogue uses for a bare HTTP status, for failures raised outside
 * Brandwave's own code (the framework, the HTTP parser).
 *
 * @example
 * codeForStatus(413) // 'payload_too_large'
 */
export function codeForStatus(status: number): ErrorCode {
  for (const code of ERROR_CODES) if (ERROR_CATALOGUE[code].status === status) return code
  return status >= 500 ? 'internal_error' : 'validation_failed'
}

/**
 * The refusal of a throttle or rate limit: 429, with `Retry-After` saying when to come back.
 *
 * @example
 * if (!decision.allowed) throw rateLimited('Too many sign-ups from this address; wait before trying again.', decision.retryAfterSeconds)
 */
export function rateLimited(message: string, retryAfterSeconds: number): ApiError {
  return new ApiError('rate_limited', message, { headers: { 'retry-after': String(retryAfterSeconds) } })
}
