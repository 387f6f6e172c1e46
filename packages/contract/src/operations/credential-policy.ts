import { Data } from '../common.js'
import { CredentialPolicy, CredentialPolicyBody } from '../credential-policy.js'
import { defineOperation } from '../operation.js'

const tag = 'Organization'

export const getCredentialPolicy = defineOperation({
  operationId: 'getCredentialPolicy',
  method: 'GET',
  path: '/v1/organization/credential-policy',
  summary: 'Get the organization’s credential policy',
  tag,
  authentication: 'any',
  scope: 'organization:read',
  responses: { 200: Data(CredentialPolicy) },
  errors: [],
})

export const putCredentialPolicy = defineOperation({
  operationId: 'putCredentialPolicy',
  method: 'PUT',
  path: '/v1/organization/credential-policy',
  summary: 'Set the organization’s credential policy',
  description:
    'Replaces the policy. From then on, creating, rotating or changing a personal access token or API key in a way that breaks a rule is refused with 422 `policy_violation`, ' +
    'whose `details[].reason` names the rule: `POLICY_MAX_LIFETIME`, `POLICY_EXPIRY_REQUIRED`, `POLICY_ENVIRONMENT` or `POLICY_LIVE_ALLOWED_IPS`. ' +
    'Existing credentials are not changed: lists and gets show the rules each one breaks in `policyViolations`. A policy that contradicts itself is refused with 400. Audited.',
  tag,
  authentication: 'any',
  scope: 'organization:write',
  body: CredentialPolicyBody,
  responses: { 200: Data(CredentialPolicy) },
  errors: ['validation_failed'],
})
