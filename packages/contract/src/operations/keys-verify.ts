import { Data } from '../common.js'
import { defineOperation } from '../operation.js'
import { VerificationResult, VerifyKeyBody } from '../verification.js'

export const verifyKey = defineOperation({
  operationId: 'verifyKey',
  method: 'POST',
  path: '/v1/keys/verify',
  summary: 'Verify a key presented to another service',
  description:
    'For your own backend services: checks a key your customer sent you, exactly as Brandwave checks its own requests (format, checksum, revocation, expiry, IP allowlist, rate limit, scopes). ' +
    'Counts toward the key’s rate limit and records its use. Only keys of your organization are found. Always 200: read `valid` and `code`. ' +
    'A read: `Idempotency-Key` is ignored, so a verdict is never replayed and a retry sees a revocation made meanwhile.',
  tag: 'Verification',
  authentication: 'any',
  scope: 'api_keys:workflow',
  body: VerifyKeyBody,
  responses: { 200: Data(VerificationResult) },
  errors: ['validation_failed'],
  readOnly: true,
})
