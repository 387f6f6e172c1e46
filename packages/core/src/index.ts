export { BASE62_ALPHABET, encodeBase62Fixed, randomBase62, type RandomBytes } from './base62.js'
export {
  generateToken,
  parseToken,
  tokenScanPattern,
  TOKEN_BODY_LENGTH,
  TOKEN_CHECKSUM_LENGTH,
  TOKEN_KINDS,
  TOKEN_PREFIX_PATTERN,
  TOKEN_RANDOM_LENGTH,
  type ParsedToken,
  type TokenKind,
  type TokenParseResult,
} from './token.js'
export { constantTimeEqual, deriveKey, hashToken, MIN_SECRET_BYTES, open, seal, type KeyPurpose } from './secrets.js'
export {
  BUILT_IN_RESOURCES,
  adminOnlyScopes,
  createScopeCatalog,
  effectiveScopes,
  missingScopes,
  RESOURCE_NAME_PATTERN,
  ROLES,
  SCOPE_ACTIONS,
  SCOPE_PATTERN,
  isScope,
  type BuiltInResource,
  type Role,
  type Scope,
  type ScopeAction,
  type ScopeCatalog,
  type ScopeDescription,
} from './scopes.js'
export { ApiError, codeForStatus, ERROR_CATALOGUE, ERROR_CODES, rateLimited, type ErrorCode, type ErrorDetail } from './errors.js'
export { CREDENTIAL_STATUSES, credentialStatus, type CredentialStatus, type Lifetime } from './policy/credential-status.js'
export { decideCredential, VERIFICATION_CODES, type CredentialDecision, type CredentialState, type VerificationCode } from './policy/credential-decision.js'
export { allowlistWithin, clientThrottleKey, ipAllowed, normalizeIpRange, parseAllowlist, parseClientIp, parseIpRange, type IpRange } from './policy/ip-allowlist.js'
export { reachViolations, type CredentialReach, type ReachViolation } from './policy/credential-bounds.js'
export { decideRateLimit, decideThrottle, type FailureCount, type RateLimitCount, type RateLimitDecision, type ThrottleDecision } from './policy/rate-limit.js'
export { addressRefusal } from './policy/network-target.js'
export { contextWords, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, passwordProblem, PRODUCT_WORDS, type PasswordProblem } from './policy/password.js'
export {
  currentRemaining,
  metadataProblem,
  METADATA_MAX_BYTES,
  METADATA_MAX_DEPTH,
  nextRefillAt,
  REFILL_INTERVALS,
  refillPeriodStart,
  type Refill,
  type RefillInterval,
} from './policy/metering.js'
