import { Data } from '../common.js'
import { Me } from '../me.js'
import { defineOperation } from '../operation.js'

export const getMe = defineOperation({
  operationId: 'getMe',
  method: 'GET',
  path: '/v1/me',
  summary: 'Who is calling',
  description: 'For a PAT or API key: its id, name, organization, current scopes, environment and expiry (handy to sanity-check a new key). For a session: the user, organization and role.',
  tag: 'Identity',
  authentication: 'any',
  responses: { 200: Data(Me) },
  errors: [],
})
