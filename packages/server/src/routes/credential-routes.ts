import type { CredentialOperationFamily } from '@brandwave/contract'
import type { RequestPrincipal } from '../auth/principal.js'
import type { Clock } from '../clock.js'
import type { RequestContext } from '../request-context.js'
import type { StepUpProof } from '../sign-in/step-up.js'
import { decodeCursor, encodeCursor } from '../http/cursor.js'
import type { CredentialService, CredentialType } from '../services/credentials.js'
import { credentialResponse, issuedCredentialResponse } from './credential-response.js'
import type { RouteRegistrar } from './route-registrar.js'

export interface CredentialRouteDependencies {
  readonly credentials: CredentialService
  readonly clock: Clock
}

/** What one credential type checks beyond the shared rules. */
export interface CredentialRouteChecks {
  /** Before a rotation issues a new secret (PATs: step-up for admin scopes). */
  readonly beforeRotate?: (principal: RequestPrincipal, id: string, proof: StepUpProof, request: RequestContext) => Promise<void>
}

/**
 * List, get, update, revoke, rotate, disable and enable: the same handlers for PATs and API keys (one
 * credential model, SPEC §1). Create differs by body and lives with each type.
 */
export function sharedCredentialRoutes(
  route: RouteRegistrar,
  operations: Omit<CredentialOperationFamily, 'create'>,
  type: CredentialType,
  { credentials, clock }: CredentialRouteDependencies,
  checks: CredentialRouteChecks = {},
): void {
  route(operations.list, async ({ principal, query }) => {
    const page = await credentials.list(principal, type, { ...query, limit: query.limit ?? 20, afterSeq: decodeCursor(query.cursor, 'seq') })
    const now = clock.now()
    return {
      status: 200,
      body: { items: page.items.map((item) => credentialResponse(item, now)), totalCount: page.totalCount, facets: page.facets, nextCursor: encodeCursor(page.nextAfterSeq) },
    }
  })

  route(operations.get, async ({ principal, params }) => {
    return { status: 200, body: { data: credentialResponse(await credentials.get(principal, type, params.id), clock.now()) } }
  })

  route(operations.update, async ({ principal, params, body, request }) => {
    return { status: 200, body: { data: credentialResponse(await credentials.update(principal, type, params.id, body, request), clock.now()) } }
  })

  route(operations.revoke, async ({ principal, params, request }) => {
    return { status: 200, body: { data: credentialResponse(await credentials.revoke(principal, type, params.id, request), clock.now()) } }
  })

  route(operations.rotate, async ({ principal, params, body, request }) => {
    const { currentPassword, twoFactorCode, ...input } = body
    await checks.beforeRotate?.(principal, params.id, { currentPassword, twoFactorCode }, request)
    const issued = await credentials.rotate(principal, type, params.id, input, request)
    return { status: 201, body: { data: issuedCredentialResponse(issued, clock.now()) } }
  })

  route(operations.disable, async ({ principal, params, request }) => {
    return { status: 200, body: { data: credentialResponse(await credentials.setDisabled(principal, type, params.id, true, request), clock.now()) } }
  })

  route(operations.enable, async ({ principal, params, request }) => {
    return { status: 200, body: { data: credentialResponse(await credentials.setDisabled(principal, type, params.id, false, request), clock.now()) } }
  })
}
