import { CreatePersonalAccessTokenBody } from '../credentials.js'
import { credentialOperations } from './credential-operations.js'

/** A user's own tokens, acting as them inside one organization. */
const personalAccessTokens = credentialOperations({
  path: 'personal-access-tokens',
  resource: 'personal_access_tokens',
  noun: 'a personal access token',
  nouns: 'your personal access tokens',
  stem: 'PersonalAccessToken',
  tag: 'Personal access tokens',
  authentication: 'user',
  createBody: CreatePersonalAccessTokenBody,
  createDescription:
    'Creates a token that acts as you inside the current organization. The secret (`token`) is returned only in this response. ' +
    'Without `scopes`, the token carries every permission you have, evaluated on each request (a scoped token minting another passes on its own scopes).',
  listDescription: 'Your own tokens in the current organization, newest first, with counts by status and environment.',
})

export const createPersonalAccessToken = personalAccessTokens.create
export const listPersonalAccessTokens = personalAccessTokens.list
export const getPersonalAccessToken = personalAccessTokens.get
export const updatePersonalAccessToken = personalAccessTokens.update
export const revokePersonalAccessToken = personalAccessTokens.revoke
export const rotatePersonalAccessToken = personalAccessTokens.rotate
export const disablePersonalAccessToken = personalAccessTokens.disable
export const enablePersonalAccessToken = personalAccessTokens.enable
