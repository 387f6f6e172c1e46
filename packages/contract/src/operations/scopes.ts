import { Page } from '../common.js'
import { defineOperation } from '../operation.js'
import { ScopeDescriptionSchema, ScopeFacets } from '../scopes.js'

export const listScopes = defineOperation({
  operationId: 'listScopes',
  method: 'GET',
  path: '/v1/scopes',
  summary: 'The scope catalog',
  description: 'Every scope credentials can be granted: Brandwave’s own resources and the product’s (`BRANDWAVE_RESOURCES`), each with read, write, delete and workflow.',
  tag: 'Scopes',
  authentication: 'any',
  responses: { 200: Page(ScopeDescriptionSchema, ScopeFacets) },
  errors: [],
})
