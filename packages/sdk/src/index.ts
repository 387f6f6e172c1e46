export { Brandwave, type CredentialResource } from './client.js'
export type { BrandwaveOptions, RequestOptions } from './transport.js'
export {
  BrandwaveAuthenticationError,
  BrandwaveConflictError,
  BrandwaveConnectionError,
  BrandwaveError,
  BrandwaveNotFoundError,
  BrandwavePermissionError,
  BrandwaveRateLimitError,
  BrandwaveServerError,
  BrandwaveValidationError,
  type ErrorCode,
  type ErrorDetail,
} from './errors.js'
export type {
  AuditEvent,
  BodyOf,
  CreatedCredential,
  Credential,
  CredentialPolicy,
  CredentialUsage,
  Invitation,
  Me,
  Member,
  OperationName,
  PathParamsOf,
  QueryOf,
  ResponseOf,
  ScopeDescription,
  TokenPair,
  VerificationResult,
} from './types.js'
