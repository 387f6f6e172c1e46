import {
  createPersonalAccessToken,
  disablePersonalAccessToken,
  enablePersonalAccessToken,
  getPersonalAccessToken,
  listPersonalAccessTokens,
  revokePersonalAccessToken,
  rotatePersonalAccessToken,
  updatePersonalAccessToken,
} from '@brandwave/contract'
import { adminOnlyScopes, isScope, type Scope, type ScopeCatalog } from '@brandwave/core'
import type { RequestPrincipal } from '../../auth/principal.js'
import type { RequestContext } from '../../request-context.js'
import type { StepUp, StepUpProof } from '../../sign-in/step-up.js'
import { sharedCredentialRoutes, type CredentialRouteDependencies } from '../credential-routes.js'
import { issuedCredentialResponse } from '../credential-response.js'
import type { RouteRegistrar } from '../route-registrar.js'

export interface PersonalAccessTokenRouteDependencies extends CredentialRouteDependencies {
  readonly catalog: ScopeCatalog
  readonly stepUp: StepUp
}

/** A user's own tokens, acting as them inside one organization. */
export function personalAccessTokenRoutes(route: RouteRegistrar, deps: PersonalAccessTokenRouteDependencies): void {
  /**
   * A token with admin-only scopes can manage the organization for months; minted from a
   * leaked access token, it would outlive the session it was stolen from. So a signed-in user
   * proves it is them in the request itself. Credentials and apps acting for a user cannot
   * mint beyond what they hold, and have no password to give.
   */
  const confirmAdminToken = async (principal: RequestPrincipal, scopes: readonly string[] | null, proof: StepUpProof, request: RequestContext): Promise<void> => {
    if (principal.kind !== 'session') return
    // Scopes the caller does not hold are refused by the service with its own answer.
    const carried = scopes === null ? principal.scopes : scopes.filter((scope): scope is Scope => isScope(scope) && principal.scopes.has(scope))
    if (adminOnlyScopes(deps.catalog, carried).length === 0) return
    await deps.stepUp.confirm(principal, proof, request, 'personal_access_token_admin_scopes')
  }

  route(createPersonalAccessToken, async ({ principal, body, request }) => {
    const { currentPassword, twoFactorCode, ...input } = body
    await confirmAdminToken(principal, input.scopes ?? null, { currentPassword, twoFactorCode }, request)
    const issued = await deps.credentials.create(principal, 'personal_access_token', input, request)
    return { status: 201, body: { data: issuedCredentialResponse(issued, deps.clock.now()) } }
  })
  sharedCredentialRoutes(
    route,
    {
      list: listPersonalAccessTokens,
      get: getPersonalAccessToken,
      update: updatePersonalAccessToken,
      revoke: revokePersonalAccessToken,
      rotate: rotatePersonalAccessToken,
      disable: disablePersonalAccessToken,
      enable: enablePersonalAccessToken,
    },
    'personal_access_token',
    deps,
    {
      // A new secret for an admin token is as good as a new admin token.
      beforeRotate: async (principal, id, proof, request) => {
        const token = await deps.credentials.get(principal, 'personal_access_token', id)
        await confirmAdminToken(principal, token.scopes, proof, request)
      },
    },
  )
}
