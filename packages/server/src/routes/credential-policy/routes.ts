import { getCredentialPolicy, putCredentialPolicy, type CredentialPolicy } from '@brandwave/contract'
import type { Static } from 'typebox'
import type { CredentialPolicyService, CredentialPolicyView } from '../../services/credential-policy.js'
import type { RouteRegistrar } from '../route-registrar.js'

/** The organization's rules for its credentials; reading and setting them takes `organization:*` (admins). */
export function credentialPolicyRoutes(route: RouteRegistrar, { credentialPolicies }: { readonly credentialPolicies: CredentialPolicyService }): void {
  route(getCredentialPolicy, async ({ principal }) => ({ status: 200, body: { data: policyResponse(await credentialPolicies.get(principal)) } }))
  route(putCredentialPolicy, async ({ principal, body, request }) => ({ status: 200, body: { data: policyResponse(await credentialPolicies.put(principal, body, request)) } }))
}

function policyResponse(policy: CredentialPolicyView): Static<typeof CredentialPolicy> {
  return { ...policy, allowedEnvironments: [...policy.allowedEnvironments], updatedBy: policy.updatedBy === null ? null : { ...policy.updatedBy } }
}
