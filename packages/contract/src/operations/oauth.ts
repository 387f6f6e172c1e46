import { Data, NoBody, Page } from '../common.js'
import { AuthorizedApp, AuthorizedAppFacets, AuthorizedAppParams, OAuthDecision, OAuthDecisionBody, OAuthInteraction, OAuthInteractionParams, RevokedAuthorizedApp } from '../oauth.js'
import { defineOperation } from '../operation.js'

const tag = 'OAuth'

export const listAuthorizedApps = defineOperation({
  operationId: 'listAuthorizedApps',
  method: 'GET',
  path: '/v1/authorized-apps',
  summary: 'List the apps you authorized',
  description: 'Third-party apps you let act for you in this organization through OAuth, with the scopes you granted and when they last called.',
  tag,
  authentication: 'session',
  responses: { 200: Page(AuthorizedApp, AuthorizedAppFacets) },
  errors: [],
})

export const revokeAuthorizedApp = defineOperation({
  operationId: 'revokeAuthorizedApp',
  method: 'DELETE',
  path: '/v1/authorized-apps/:clientId',
  summary: 'Revoke an app',
  description: 'Every access and refresh token the app holds for you in this organization stops working on the next request, on every instance.',
  tag,
  authentication: 'session',
  params: AuthorizedAppParams,
  body: NoBody,
  bodyOptional: true,
  responses: { 200: Data(RevokedAuthorizedApp) },
  errors: ['not_found'],
})

export const getOAuthInteraction = defineOperation({
  operationId: 'getOAuthInteraction',
  method: 'GET',
  path: '/oauth/interaction/:uid/details',
  summary: 'What an app asks for (consent page)',
  description: 'For the consent page: the app and the scopes it asks for. Needs the browser that started the authorization (its interaction cookie).',
  tag,
  authentication: 'session',
  params: OAuthInteractionParams,
  responses: { 200: Data(OAuthInteraction) },
  errors: ['not_found'],
})

export const decideOAuthInteraction = defineOperation({
  operationId: 'decideOAuthInteraction',
  method: 'POST',
  path: '/oauth/interaction/:uid/decision',
  summary: 'Allow or deny an app (consent page)',
  description: '`allow` grants the scopes asked for that you hold; `deny` sends `access_denied` back to the app. Answers where the browser goes next.',
  tag,
  authentication: 'session',
  params: OAuthInteractionParams,
  body: OAuthDecisionBody,
  responses: { 200: Data(OAuthDecision) },
  errors: ['validation_failed', 'not_found'],
})
