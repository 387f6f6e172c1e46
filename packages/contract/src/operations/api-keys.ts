import { CreateApiKeyBody } from '../credentials.js'
import { credentialOperations } from './credential-operations.js'

/** Organization keys that survive their creator; managed by admins or keys with `api_keys:*`. */
const apiKeys = credentialOperations({
  path: 'api-keys',
  resource: 'api_keys',
  noun: 'an API key',
  nouns: 'the organization’s API keys',
  stem: 'ApiKey',
  tag: 'API keys',
  authentication: 'any',
  createBody: CreateApiKeyBody,
  createDescription:
    'Creates an organization API key with at least one scope (none you do not hold yourself). `environment: "test"` gives a `{prefix}_test_` key. ' +
    'The secret (`token`) is returned only in this response.',
  listDescription: 'The organization’s API keys, newest first, with counts by status and environment.',
})

export const createApiKey = apiKeys.create
export const listApiKeys = apiKeys.list
export const getApiKey = apiKeys.get
export const updateApiKey = apiKeys.update
export const revokeApiKey = apiKeys.revoke
export const rotateApiKey = apiKeys.rotate
export const disableApiKey = apiKeys.disable
export const enableApiKey = apiKeys.enable
