import * as accountTokens from './account-tokens.js'
import * as apiKeys from './api-keys.js'
import * as auditLogs from './audit-logs.js'
import * as auth from './auth.js'
import * as browserSession from './browser-session.js'
import * as invitations from './invitations.js'
import * as passwordReset from './password-reset.js'
import * as keysVerify from './keys-verify.js'
import * as leaks from './leaks.js'
import * as me from './me.js'
import * as members from './members.js'
import * as personalAccessTokens from './personal-access-tokens.js'
import * as scopes from './scopes.js'
import * as webhookEndpoints from './webhook-endpoints.js'
import * as oauth from './oauth.js'
import * as credentialUsage from './credential-usage.js'
import * as credentialPolicy from './credential-policy.js'

/** Every operation of the API by name; the server, OpenAPI and SDK all read this one table. */
export const operations = {
  ...auth,
  ...browserSession,
  ...me,
  ...personalAccessTokens,
  ...apiKeys,
  ...members,
  ...scopes,
  ...keysVerify,
  ...auditLogs,
  ...accountTokens,
  ...invitations,
  ...passwordReset,
  ...webhookEndpoints,
  ...leaks,
  ...oauth,
  ...credentialUsage,
  ...credentialPolicy,
} as const

export type OperationName = keyof typeof operations
