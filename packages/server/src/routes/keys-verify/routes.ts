import { ApiError, isScope, parseClientIp } from '@brandwave/core'
import { verifyKey } from '@brandwave/contract'
import type { Authenticator } from '../../auth/authenticator.js'
import type { Clock } from '../../clock.js'
import { credentialResponse } from '../credential-response.js'
import type { RouteRegistrar } from '../route-registrar.js'

/** SPEC §5: another service of the customer's asks whether a key it was handed is good. */
export function keysVerifyRoutes(route: RouteRegistrar, { authenticator, clock }: { authenticator: Authenticator; clock: Clock }): void {
  route(verifyKey, async ({ principal, body, arrival }) => {
    if (body.ip !== undefined && parseClientIp(body.ip) === null) {
      throw new ApiError('validation_failed', undefined, { details: [{ field: '/ip', message: 'must be an IPv4 or IPv6 address' }] })
    }
    const verification = await authenticator.verifyCredential(body.key, {
      ip: body.ip ?? null,
      // The schema admits only scope-shaped strings, so this narrows without dropping any.
      requiredScopes: (body.requiredScopes ?? []).filter(isScope),
      organizationId: principal.organizationId,
      arrival,
      cost: body.cost ?? 1,
    })
    // What a spend left, when this verification spent (or could not): fresher than the record.
    const spent = verification.code === 'USAGE_EXCEEDED' || verification.code === 'VALID' ? verification.remaining : undefined
    const credential = verification.principal?.kind === 'credential' ? credentialResponse(verification.principal.credential, clock.now(), spent) : null
    const rateLimit = verification.rateLimit === null ? null : { limit: verification.rateLimit.limit, remaining: verification.rateLimit.remaining, reset: verification.rateLimit.resetSeconds }
    return { status: 200, body: { data: { valid: verification.valid, code: verification.code, credential, remaining: credential?.remaining ?? null, rateLimit } } }
  })
}
