import { ApiError, codeForStatus, ERROR_CATALOGUE, SCOPE_PATTERN, type ErrorCode, type ErrorDetail } from '@brandwave/core'
import type { FastifyError } from 'fastify'
import { classifyStorageError } from '../storage/errors.js'

/** The error envelope of SPEC §3, before `meta` is added. */
export interface ErrorResponse {
  readonly status: number
  readonly code: ErrorCode
  readonly message: string
  readonly details: readonly ErrorDetail[]
  readonly headers: Readonly<Record<string, string>>
}

interface AjvIssue {
  readonly instancePath: string
  readonly keyword: string
  readonly message?: string
  readonly params: Record<string, unknown>
  /** The offending value (ajv's `verbose`). */
  readonly data?: unknown
}

const FORMAT_HINTS: Readonly<Record<string, string>> = {
  'date-time': 'must be a date-time such as 2027-06-01T00:00:00Z (RFC 3339)',
  email: 'must be an email address',
  uuid: 'must be an id (a UUID)',
}

/** Where an ajv issue is: a JSON pointer into the body, or a query/path parameter name. */
function fieldOf(issue: AjvIssue, part: string | undefined): string {
  let pointer = issue.instancePath
  if (issue.keyword === 'required') pointer += `/${String(issue.params.missingProperty)}`
  if (issue.keyword === 'additionalProperties') pointer += `/${String(issue.params.additionalProperty)}`
  if (part === 'body') return pointer === '' ? '/' : pointer
  return pointer.replace(/^\//, '') || (part ?? 'request')
}

function messageOf(issue: AjvIssue): string {
  if (issue.keyword === 'additionalProperties') return 'is not a known field'
  if (issue.keyword === 'required') return 'is required'
  if (issue.keyword === 'pattern' && issue.params.pattern === SCOPE_PATTERN.source) {
    // Echoed only when short and printable: a message is no place for arbitrary input.
    const shown = typeof issue.data === 'string' && /^[\x21-\x7e]{1,80}$/.test(issue.data) ? ` ${issue.data}` : ''
    return `unknown scope${shown}; see GET /v1/scopes`
  }
  if (issue.keyword === 'pattern') return 'has characters or a shape that is not allowed'
  if (issue.keyword === 'enum' && Array.isArray(issue.params.allowedValues)) return `must be one of: ${issue.params.allowedValues.map(String).join(', ')}`
  if (issue.keyword === 'format') return FORMAT_HINTS[String(issue.params.format)] ?? `must be in the ${String(issue.params.format)} format`
  return issue.message ?? 'is not valid'
}

/**
 * Turns anything thrown while handling a request into the response the caller sees.
 * Brandwave's own `ApiError`s pass through; the framework's 4xx errors get their code from
 * the one catalogue; anything else is a 500 that reveals nothing.
 */
export function toErrorResponse(error: unknown): ErrorResponse {
  if (error instanceof ApiError) {
    return { status: error.status, code: error.code, message: error.message, details: error.details, headers: error.headers }
  }
  const fastifyError = error as Partial<FastifyError> & { validation?: AjvIssue[]; validationContext?: string }
  if (Array.isArray(fastifyError.validation)) {
    // A path parameter that cannot be an id names a resource that does not exist.
    if (fastifyError.validationContext === 'params') return fromCode('not_found')
    // Validation stops at the first failure; for a union (`x | null`) ajv also lists each
    // branch's failure and the union's own, of which the first branch's is the useful one.
    const issue = fastifyError.validation.find((candidate) => candidate.keyword !== 'anyOf') ?? fastifyError.validation[0]
    if (issue === undefined) return fromCode('validation_failed')
    const detail = { field: fieldOf(issue, fastifyError.validationContext), message: messageOf(issue) }
    // The message alone says what to fix: readers of a log line or an alert see no details[].
    return fromCode('validation_failed', { message: `The request is not valid: ${detail.field} ${detail.message}.`, details: [detail] })
  }
  const databaseProblem = fromDatabaseError(error)
  if (databaseProblem !== null) return databaseProblem
  const status = fastifyError.statusCode
  if (typeof status === 'number' && status >= 400 && status < 500) {
    switch (fastifyError.code) {
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return fromCode('unsupported_media_type')
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return fromCode('payload_too_large', { message: 'The request body is larger than 64 KiB.' })
      default:
        // Framework 4xx messages are fixed strings about the request's shape, never its content.
        return fromCode(codeForStatus(status), { message: fastifyError.message ?? ERROR_CATALOGUE[codeForStatus(status)].message })
    }
  }
  return fromCode('internal_error')
}

/** Storage refusals that bad or racing input can cause, answered as such instead of 500. */
function fromDatabaseError(error: unknown): ErrorResponse | null {
  switch (classifyStorageError(error)) {
    case 'unavailable':
      return { ...fromCode('unavailable', { message: 'The database is unavailable; retry shortly.' }), headers: { 'retry-after': '1' } }
    case 'unstorable':
      return fromCode('validation_failed', { message: 'The request holds a value that cannot be stored.' })
    case 'duplicate':
      return fromCode('conflict', { message: 'This conflicts with something that already exists.' })
    case null:
      return null
  }
}

/**
 * An error response straight from the catalogue. Refusals on the hot path (a bad token, a
 * rate limit) are built this way rather than by throwing: capturing a stack costs more than
 * verifying a warm credential.
 */
export function fromCode(
  code: ErrorCode,
  options: { message?: string | undefined; details?: readonly ErrorDetail[]; headers?: Readonly<Record<string, string>> } = {},
): ErrorResponse {
  const entry = ERROR_CATALOGUE[code]
  return { status: entry.status, code, message: options.message ?? entry.message, details: options.details ?? [], headers: options.headers ?? {} }
}
