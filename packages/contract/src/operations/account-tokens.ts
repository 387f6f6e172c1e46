import Type from 'typebox'
import { AccountParams, AccountToken, AccountTokenParams, AccountTokenWithSecret, CreateAccountTokenBody } from '../account-tokens.js'
import { NoBody } from '../common.js'
import { defineOperation } from '../operation.js'

const tag = 'Account API tokens'
const base = '/api/accounts/:accountId/api_tokens'

export const listAccountTokens = defineOperation({
  operationId: 'listAccountTokens',
  method: 'GET',
  path: base,
  summary: 'List API tokens',
  description: 'Returns all API tokens visible to the current API token (the account’s active API keys).',
  tag,
  authentication: 'any',
  scope: 'api_keys:read',
  params: AccountParams,
  responses: { 200: Type.Array(AccountToken) },
  errors: ['not_found'],
  envelope: false,
})

export const createAccountToken = defineOperation({
  operationId: 'createAccountToken',
  method: 'POST',
  path: base,
  summary: 'Create API token',
  description: 'Creates a new API token for the account with the given name and resource permissions (scopes; by default every scope the caller holds). The full token is returned once.',
  tag,
  authentication: 'any',
  scope: 'api_keys:write',
  params: AccountParams,
  body: CreateAccountTokenBody,
  responses: { 200: AccountTokenWithSecret },
  errors: ['validation_failed', 'not_found', 'forbidden'],
  envelope: false,
})

export const getAccountToken = defineOperation({
  operationId: 'getAccountToken',
  method: 'GET',
  path: `${base}/:id`,
  summary: 'Get API token',
  tag,
  authentication: 'any',
  scope: 'api_keys:read',
  params: AccountTokenParams,
  responses: { 200: AccountToken },
  errors: ['not_found'],
  envelope: false,
})

export const deleteAccountToken = defineOperation({
  operationId: 'deleteAccountToken',
  method: 'DELETE',
  path: `${base}/:id`,
  summary: 'Delete API token',
  description: 'Revokes the token permanently.',
  tag,
  authentication: 'any',
  scope: 'api_keys:delete',
  params: AccountTokenParams,
  body: NoBody,
  bodyOptional: true,
  responses: { 204: Type.Null({ description: 'No content' }) },
  errors: ['not_found'],
  envelope: false,
})

export const resetAccountToken = defineOperation({
  operationId: 'resetAccountToken',
  method: 'POST',
  path: `${base}/:id/reset`,
  summary: 'Reset API token',
  description:
    'Expires the requested token and creates a new token with the same permissions. The old token stops working after a short grace period (5 minutes). ' +
    'Only tokens that have not already been reset (no expiration set) can be reset: others are 409.',
  tag,
  authentication: 'any',
  scope: 'api_keys:workflow',
  detectsReuse: true,
  params: AccountTokenParams,
  body: NoBody,
  bodyOptional: true,
  responses: { 200: AccountTokenWithSecret },
  errors: ['not_found', 'conflict', 'forbidden'],
  envelope: false,
})
