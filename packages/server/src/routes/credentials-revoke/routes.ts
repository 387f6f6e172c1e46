import { rateLimited } from '@brandwave/core'
import { revokeCredentialsByValue } from '@brandwave/contract'
import type { AddressThrottle } from '../../shared-state/counters.js'
import type { LeakResponse } from '../../services/leaks.js'
import type { RouteRegistrar } from '../route-registrar.js'

const ACCEPTED = 'Thank you. Every live credential of this service among these tokens is handled as exposed, and its owner is told.'

/**
 * Revoke-by-value for anyone who found a token (SPEC §10). The answer is the same whatever
 * the tokens were, so the endpoint is no oracle for whether a token exists.
 */
export function credentialsRevokeRoutes(route: RouteRegistrar, { leaks, revokeThrottle }: { leaks: LeakResponse; revokeThrottle: AddressThrottle }): void {
  route(revokeCredentialsByValue, async ({ body, request }) => {
    const decision = await revokeThrottle.attempt(request.ip)
    if (!decision.allowed) throw rateLimited('Too many reports from this address; wait before trying again.', decision.retryAfterSeconds)
    await leaks.report(body.credentials.map((token) => ({ token, url: null, source: 'revoke_endpoint' })), 'revoke_endpoint', request)
    return { status: 202, body: { data: { message: ACCEPTED } } }
  })
}
