import Type from 'typebox'
import { BrowserAccessToken, LoginBody, LogoutResult, Role } from '../auth.js'
import { Data, NoBody, Uuid } from '../common.js'
import { defineOperation } from '../operation.js'

const tag = 'Authentication'

const cookieRules =
  'The refresh token is set as an `HttpOnly`, `SameSite=Strict` cookie (`Secure` over https) that only the `/v1/auth/browser-session` paths receive; ' +
  'requests whose `Origin` is not this server’s own are refused with 403.'

export const startBrowserSession = defineOperation({
  operationId: 'startBrowserSession',
  method: 'POST',
  path: '/v1/auth/browser-session',
  summary: 'Sign in from the dashboard, keeping the refresh token in a cookie',
  description: `Like \`/v1/auth/login\`, for page scripts: the body carries only the access token. ${cookieRules}`,
  tag,
  authentication: 'none',
  body: LoginBody,
  responses: { 200: Data(BrowserAccessToken) },
  errors: ['validation_failed', 'invalid_credentials', 'two_factor_required', 'forbidden', 'rate_limited'],
})

export const refreshBrowserSession = defineOperation({
  operationId: 'refreshBrowserSession',
  method: 'POST',
  path: '/v1/auth/browser-session/refresh',
  summary: 'Get a new access token with the session cookie',
  description: `Exchanges the refresh-token cookie for a new access token and a new cookie (the old one dies; reusing it ends the session). ${cookieRules}`,
  tag,
  authentication: 'none',
  body: NoBody,
  bodyOptional: true,
  responses: { 200: Data(BrowserAccessToken) },
  errors: ['validation_failed', 'unauthorized', 'forbidden'],
})

export const endBrowserSession = defineOperation({
  operationId: 'endBrowserSession',
  method: 'POST',
  path: '/v1/auth/browser-session/logout',
  summary: 'Sign out of the dashboard',
  description: `Ends the session at once and clears its cookie. ${cookieRules}`,
  tag,
  authentication: 'session',
  body: NoBody,
  bodyOptional: true,
  responses: { 200: Data(LogoutResult) },
  errors: ['forbidden'],
})

export const switchBrowserSession = defineOperation({
  operationId: 'switchBrowserSession',
  method: 'POST',
  path: '/v1/auth/browser-session/switch',
  summary: 'Move the dashboard session to another of your organizations',
  description: `Starts a session in \`organizationId\` (one of yours) and ends the current one. ${cookieRules}`,
  tag,
  authentication: 'session',
  body: Type.Object({ organizationId: Uuid }, { additionalProperties: false }),
  responses: { 200: Data(BrowserAccessToken) },
  errors: ['validation_failed', 'forbidden'],
})

export const listMyOrganizations = defineOperation({
  operationId: 'listMyOrganizations',
  method: 'GET',
  path: '/v1/me/organizations',
  summary: 'The organizations you belong to',
  description: 'Each with your role there, oldest membership first; sign in to one with `organizationId`.',
  tag,
  authentication: 'session',
  responses: {
    200: Data(Type.Array(Type.Object({ id: Uuid, name: Type.String(), role: Role }, { additionalProperties: false }))),
  },
  errors: [],
})
