import type { operations } from '@brandwave/contract'
import type { OperationName } from './types.js'

type Operations = typeof operations

/**
 * Method and path of each operation the client calls. Written out so the client needs no
 * schema library at run time, and checked against the contract at compile time: a route
 * that differs from the server's does not build.
 */
export const routes = {
  login: { method: 'POST', path: '/v1/auth/login' },
  refreshSession: { method: 'POST', path: '/v1/auth/refresh' },
  logout: { method: 'POST', path: '/v1/auth/logout' },
  signup: { method: 'POST', path: '/v1/auth/signup' },
  startBrowserSession: { method: 'POST', path: '/v1/auth/browser-session' },
  refreshBrowserSession: { method: 'POST', path: '/v1/auth/browser-session/refresh' },
  endBrowserSession: { method: 'POST', path: '/v1/auth/browser-session/logout' },
  switchBrowserSession: { method: 'POST', path: '/v1/auth/browser-session/switch' },
  listMyOrganizations: { method: 'GET', path: '/v1/me/organizations' },
  changePassword: { method: 'POST', path: '/v1/auth/password' },
  setUpTwoFactor: { method: 'POST', path: '/v1/auth/2fa/setup' },
  enableTwoFactor: { method: 'POST', path: '/v1/auth/2fa/enable' },
  disableTwoFactor: { method: 'POST', path: '/v1/auth/2fa/disable' },
  regenerateRecoveryCodes: { method: 'POST', path: '/v1/auth/2fa/recovery-codes' },
  requestEmailChange: { method: 'POST', path: '/v1/auth/email' },
  confirmEmailChange: { method: 'POST', path: '/v1/auth/email/confirm' },
  getMe: { method: 'GET', path: '/v1/me' },
  createPersonalAccessToken: { method: 'POST', path: '/v1/personal-access-tokens' },
  listPersonalAccessTokens: { method: 'GET', path: '/v1/personal-access-tokens' },
  getPersonalAccessToken: { method: 'GET', path: '/v1/personal-access-tokens/:id' },
  updatePersonalAccessToken: { method: 'PATCH', path: '/v1/personal-access-tokens/:id' },
  revokePersonalAccessToken: { method: 'DELETE', path: '/v1/personal-access-tokens/:id' },
  rotatePersonalAccessToken: { method: 'POST', path: '/v1/personal-access-tokens/:id/rotate' },
  disablePersonalAccessToken: { method: 'POST', path: '/v1/personal-access-tokens/:id/disable' },
  enablePersonalAccessToken: { method: 'POST', path: '/v1/personal-access-tokens/:id/enable' },
  createApiKey: { method: 'POST', path: '/v1/api-keys' },
  listApiKeys: { method: 'GET', path: '/v1/api-keys' },
  getApiKey: { method: 'GET', path: '/v1/api-keys/:id' },
  updateApiKey: { method: 'PATCH', path: '/v1/api-keys/:id' },
  revokeApiKey: { method: 'DELETE', path: '/v1/api-keys/:id' },
  rotateApiKey: { method: 'POST', path: '/v1/api-keys/:id/rotate' },
  disableApiKey: { method: 'POST', path: '/v1/api-keys/:id/disable' },
  enableApiKey: { method: 'POST', path: '/v1/api-keys/:id/enable' },
  getApiKeyUsage: { method: 'GET', path: '/v1/api-keys/:id/usage' },
  getPersonalAccessTokenUsage: { method: 'GET', path: '/v1/personal-access-tokens/:id/usage' },
  getCredentialPolicy: { method: 'GET', path: '/v1/organization/credential-policy' },
  putCredentialPolicy: { method: 'PUT', path: '/v1/organization/credential-policy' },
  listMembers: { method: 'GET', path: '/v1/members' },
  changeMemberRole: { method: 'PATCH', path: '/v1/members/:userId' },
  removeMember: { method: 'DELETE', path: '/v1/members/:userId' },
  endMemberSessions: { method: 'POST', path: '/v1/members/:userId/end-sessions' },
  listScopes: { method: 'GET', path: '/v1/scopes' },
  verifyKey: { method: 'POST', path: '/v1/keys/verify', readOnly: true },
  listAuditEvents: { method: 'GET', path: '/v1/audit-logs' },
  createInvitation: { method: 'POST', path: '/v1/invitations' },
  listInvitations: { method: 'GET', path: '/v1/invitations' },
  withdrawInvitation: { method: 'DELETE', path: '/v1/invitations/:id' },
  acceptInvitation: { method: 'POST', path: '/v1/invitations/accept' },
  requestPasswordReset: { method: 'POST', path: '/v1/auth/password-reset' },
  confirmPasswordReset: { method: 'POST', path: '/v1/auth/password-reset/confirm' },
  createWebhookEndpoint: { method: 'POST', path: '/v1/webhook-endpoints' },
  listWebhookEndpoints: { method: 'GET', path: '/v1/webhook-endpoints' },
  getWebhookEndpoint: { method: 'GET', path: '/v1/webhook-endpoints/:id' },
  updateWebhookEndpoint: { method: 'PATCH', path: '/v1/webhook-endpoints/:id' },
  deleteWebhookEndpoint: { method: 'DELETE', path: '/v1/webhook-endpoints/:id' },
  rotateWebhookEndpointSecret: { method: 'POST', path: '/v1/webhook-endpoints/:id/rotate-secret' },
  listWebhookDeliveries: { method: 'GET', path: '/v1/webhook-endpoints/:id/deliveries' },
  retryWebhookDelivery: { method: 'POST', path: '/v1/webhook-endpoints/:id/deliveries/:deliveryId/retry' },
  revokeCredentialsByValue: { method: 'POST', path: '/v1/credentials/revoke' },
  listAuthorizedApps: { method: 'GET', path: '/v1/authorized-apps' },
  revokeAuthorizedApp: { method: 'DELETE', path: '/v1/authorized-apps/:clientId' },
  getOAuthInteraction: { method: 'GET', path: '/oauth/interaction/:uid/details' },
  decideOAuthInteraction: { method: 'POST', path: '/oauth/interaction/:uid/decision' },
} as const satisfies {
  readonly [N in Exclude<OperationName, AccountTokenOperation>]: { readonly method: Operations[N]['method']; readonly path: Operations[N]['path'] } & ReadOnlyAs<Operations[N]>
}

/** A read-only POST (the contract's `readOnly`) says so here too, and nothing else does. */
type ReadOnlyAs<O> = O extends { readonly readOnly: true } ? { readonly readOnly: true } : { readonly readOnly?: never }

/** The account-token surface stays server-side: the client speaks `/v1` (the same keys, as `apiKeys`). */
type AccountTokenOperation = 'listAccountTokens' | 'createAccountToken' | 'getAccountToken' | 'deleteAccountToken' | 'resetAccountToken'

export type RoutedOperation = keyof typeof routes
