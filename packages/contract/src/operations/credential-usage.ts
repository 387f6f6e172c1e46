import { Data } from '../common.js'
import { CredentialIdParams } from '../credentials.js'
import { defineOperation } from '../operation.js'
import { CredentialUsage, CredentialUsageQuery } from '../usage.js'

const description =
  'Counts of accepted and refused requests per hour or UTC day, refusals by reason, and the last 10 client addresses it was accepted from with first and last seen. ' +
  'Requests are counted in memory and written in batches every few seconds, so the newest ones may take that long to appear. Counts are kept 90 days.'

export const getApiKeyUsage = defineOperation({
  operationId: 'getApiKeyUsage',
  method: 'GET',
  path: '/v1/api-keys/:id/usage',
  summary: 'Get an API key’s usage',
  description,
  tag: 'API keys',
  authentication: 'any',
  scope: 'api_keys:read',
  params: CredentialIdParams,
  query: CredentialUsageQuery,
  responses: { 200: Data(CredentialUsage) },
  errors: ['validation_failed', 'not_found'],
})

export const getPersonalAccessTokenUsage = defineOperation({
  operationId: 'getPersonalAccessTokenUsage',
  method: 'GET',
  path: '/v1/personal-access-tokens/:id/usage',
  summary: 'Get a personal access token’s usage',
  description,
  tag: 'Personal access tokens',
  authentication: 'user',
  scope: 'personal_access_tokens:read',
  params: CredentialIdParams,
  query: CredentialUsageQuery,
  responses: { 200: Data(CredentialUsage) },
  errors: ['validation_failed', 'not_found'],
})
