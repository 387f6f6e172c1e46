import { Data } from '../common.js'
import { RevokeByValueAccepted, RevokeByValueBody } from '../leaks.js'
import { defineOperation } from '../operation.js'

export const revokeCredentialsByValue = defineOperation({
  operationId: 'revokeCredentialsByValue',
  method: 'POST',
  path: '/v1/credentials/revoke',
  summary: 'Report leaked credentials by value',
  description:
    'For anyone who found a token: each live Brandwave credential among them is handled as exposed (revoked at once with `revocationReason: "exposed"`, or only reported when the deployment runs with `BRANDWAVE_LEAK_ACTION=notify`), and its owner is told. Answers 202 with the same body whatever the tokens were. No authentication; throttled per client address.',
  tag: 'Credentials',
  authentication: 'none',
  body: RevokeByValueBody,
  responses: { 202: Data(RevokeByValueAccepted) },
  errors: ['validation_failed', 'rate_limited'],
})
