export { Data, DisplayName, ErrorBody, ErrorDetailSchema, Meta, NoBody, Nullable, Page, PlainText, Timestamp, Uuid } from './common.js'
export {
  Actor,
  AllowedIps,
  CreateApiKeyBody,
  CreatedCredential,
  CreatePersonalAccessTokenBody,
  Credential,
  CredentialFacets,
  CredentialIdParams,
  CredentialStatusSchema,
  CREDENTIAL_TYPES,
  CredentialType,
  type CredentialTypeName,
  Environment,
  ListCredentialsQuery,
  RateLimit,
  REVOCATION_REASONS,
  RevocationReason,
  RotateCredentialBody,
  ScopeList,
  ScopeString,
  UpdateCredentialBody,
} from './credentials.js'
export {
  DisableTwoFactorBody,
  Email,
  EmailChangeBody,
  EmailChangeConfirmBody,
  EmailChanged,
  EmailChangeRequested,
  EnableTwoFactorBody,
  LoginBody,
  LogoutBody,
  LogoutResult,
  NewPassword,
  Organization,
  PasswordChangeBody,
  RecoveryCodes,
  RefreshBody,
  RegenerateRecoveryCodesBody,
  Role,
  SetUpTwoFactorBody,
  SignupBody,
  SignupResult,
  StepUpProof,
  TokenPair,
  TotpCode,
  TwoFactorSetup,
  User,
} from './auth.js'
export { CredentialPrincipal, Me, SessionPrincipal } from './me.js'
export { defineOperation, type Authentication, type HttpMethod, type Operation } from './operation.js'
export {
  createPersonalAccessToken,
  disablePersonalAccessToken,
  enablePersonalAccessToken,
  getPersonalAccessToken,
  listPersonalAccessTokens,
  revokePersonalAccessToken,
  rotatePersonalAccessToken,
  updatePersonalAccessToken,
} from './operations/personal-access-tokens.js'
export {
  changePassword,
  confirmEmailChange,
  disableTwoFactor,
  enableTwoFactor,
  login,
  logout,
  refreshSession,
  regenerateRecoveryCodes,
  requestEmailChange,
  setUpTwoFactor,
  signup,
} from './operations/auth.js'
export { getMe } from './operations/me.js'
export { BrowserAccessToken } from './auth.js'
export { endBrowserSession, listMyOrganizations, refreshBrowserSession, startBrowserSession, switchBrowserSession } from './operations/browser-session.js'
export { operations, type OperationName } from './operations/index.js'
export type { CredentialOperationFamily } from './operations/credential-operations.js'
export { createApiKey, disableApiKey, enableApiKey, getApiKey, listApiKeys, revokeApiKey, rotateApiKey, updateApiKey } from './operations/api-keys.js'
export { changeMemberRole, endMemberSessions, listMembers, removeMember } from './operations/members.js'
export { listScopes } from './operations/scopes.js'
export { verifyKey } from './operations/keys-verify.js'
export { listAuditEvents } from './operations/audit-logs.js'
export { createAccountToken, deleteAccountToken, getAccountToken, listAccountTokens, resetAccountToken } from './operations/account-tokens.js'
export { ChangeRoleBody, EndedMemberSessions, ListMembersQuery, Member, MemberFacets, MemberParams, RemovedMember } from './members.js'
export { ScopeDescriptionSchema, ScopeFacets } from './scopes.js'
export { VerificationCodeSchema, VerificationResult, VerifyKeyBody } from './verification.js'
export { AUDIT_ACTIONS, AuditEvent, AuditFacets, ListAuditEventsQuery, type AuditAction } from './audit.js'
export { AccountParams, AccountToken, AccountTokenParams, AccountTokenWithSecret, CreateAccountTokenBody } from './account-tokens.js'
export { acceptInvitation, createInvitation, listInvitations, withdrawInvitation } from './operations/invitations.js'
export { confirmPasswordReset, requestPasswordReset } from './operations/password-reset.js'
export { revokeCredentialsByValue } from './operations/leaks.js'
export { MAX_REPORTED_CREDENTIALS, RevokeByValueAccepted, RevokeByValueBody } from './leaks.js'
export {
  AcceptedInvitation,
  AcceptInvitationBody,
  CreatedInvitation,
  CreateInvitationBody,
  Invitation,
  InvitationFacets,
  InvitationParams,
  InvitationToken,
  ListInvitationsQuery,
  WithdrawnInvitation,
} from './invitations.js'
export { PasswordResetConfirmBody, PasswordResetDone, PasswordResetRequestBody, PasswordResetRequested } from './password-reset.js'
export {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  getWebhookEndpoint,
  listWebhookDeliveries,
  listWebhookEndpoints,
  retryWebhookDelivery,
  rotateWebhookEndpointSecret,
  updateWebhookEndpoint,
} from './operations/webhook-endpoints.js'
export {
  CreateWebhookEndpointBody,
  DeletedWebhookEndpoint,
  ListWebhookDeliveriesQuery,
  ListWebhookEndpointsQuery,
  UpdateWebhookEndpointBody,
  WEBHOOK_EVENT_TYPES,
  WebhookDelivery,
  WebhookDeliveryFacets,
  WebhookDeliveryParams,
  WebhookEndpoint,
  WebhookEndpointFacets,
  WebhookEndpointParams,
  WebhookEndpointWithSecret,
  WebhookEventTypeSchema,
  WebhookUrl,
  type WebhookEventType,
} from './webhooks.js'
export { decideOAuthInteraction, getOAuthInteraction, listAuthorizedApps, revokeAuthorizedApp } from './operations/oauth.js'
export { AuthorizedApp, AuthorizedAppFacets, AuthorizedAppParams, OAuthDecision, OAuthDecisionBody, OAuthInteraction, OAuthInteractionParams, RevokedAuthorizedApp } from './oauth.js'
export { getApiKeyUsage, getPersonalAccessTokenUsage } from './operations/credential-usage.js'
export { ClientAddress, CredentialUsage, CredentialUsageQuery, UsageBucket, USAGE_GRANULARITIES } from './usage.js'
export { getCredentialPolicy, putCredentialPolicy } from './operations/credential-policy.js'
export { CredentialPolicy, CredentialPolicyBody } from './credential-policy.js'
