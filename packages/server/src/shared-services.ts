import { createHmac } from 'node:crypto'
import type { ScopeCatalog } from '@brandwave/core'
import { AddressThrottle } from './shared-state/counters.js'
import type { SharedState } from './shared-state/index.js'
import { LoginThrottle } from './sign-in/throttle.js'
import type { SessionTokens } from './auth/session-tokens.js'
import type { Clock } from './clock.js'
import type { Config } from './config.js'
import type { DerivedKeys } from './secret.js'
import type { Storage } from './storage/index.js'
import type { MailQueue } from './mail/queue.js'
import { AdminService } from './sign-in/admins.js'
import { AuditTrail, type AuditLog } from './services/audit.js'
import { CredentialService } from './services/credentials.js'
import { CredentialPolicyService } from './services/credential-policy.js'
import { CredentialUsageService } from './services/credential-usage.js'
import { InvitationService } from './sign-in/invitations.js'
import { MemberService } from './services/members.js'
import { OrganizationService } from './services/organizations.js'
import { PasswordResetService } from './sign-in/password-reset.js'
import { SecurityNotices } from './sign-in/security-notices.js'
import { SessionService } from './sign-in/sessions.js'
import { EmailChangeService } from './sign-in/email-change.js'
import { StepUp } from './sign-in/step-up.js'
import { TwoFactorService } from './sign-in/two-factor.js'
import { LeakResponse } from './services/leaks.js'
import { OAuthAppService } from './services/oauth-apps.js'
import { WebhookEndpointService } from './webhooks/endpoints.js'
import type { RedisBudgets } from './shared-state/redis-budgets.js'

export interface ServiceDependencies {
  readonly config: Config
  readonly storage: Storage
  readonly keys: DerivedKeys
  readonly clock: Clock
  readonly catalog: ScopeCatalog
  /** The access version (how every instance learns access was taken away) and the counters. */
  readonly shared: Pick<SharedState, 'accessVersion' | 'counters'>
  readonly sessionTokens: SessionTokens
  /** Every prefix this deployment has issued tokens under: all of them are still accepted. */
  readonly tokenPrefixes: readonly string[]
  /** Writes each change's audit event and outbox event in the change's transaction. */
  readonly audit: AuditLog
  /** Where email is queued; it sends nothing when SMTP is not configured. */
  readonly mail: MailQueue
  /** Tells this process's webhook delivery that an endpoint changed (the CLI has none). */
  readonly wakeWebhooks: () => void
  /** Failures of work done after a request answered (a password reset's email). */
  readonly onBackgroundError: (error: unknown) => void
  /** Told of every credential read a leak report makes (metrics). */
  readonly onCredentialLookup?: () => void
  /** Remaining uses counted in Redis (the server, when it has Redis); else the database counts them. */
  readonly budgets?: RedisBudgets | null
}

/** The services the API and the operator CLI share, so their rules cannot drift apart. */
export interface Services {
  readonly clock: Clock
  readonly catalog: ScopeCatalog
  readonly audit: AuditLog
  readonly storage: Storage
  readonly auditTrail: AuditTrail
  readonly organizations: OrganizationService
  readonly credentials: CredentialService
  readonly members: MemberService
  readonly sessions: SessionService
  readonly twoFactor: TwoFactorService
  /** Proof of the account's owner in the request, for changes that could take an account over. */
  readonly stepUp: StepUp
  readonly emailChanges: EmailChangeService
  readonly admins: AdminService
  readonly invitations: InvitationService
  readonly passwordResets: PasswordResetService
  readonly notices: SecurityNotices
  readonly webhookEndpoints: WebhookEndpointService
  /** Leaked credentials (SPEC §10): one response for every way a leak is reported. */
  readonly leaks: LeakResponse
  /** Revoke-by-value requests per client address: anyone may report, nobody may flood. */
  readonly revokeThrottle: AddressThrottle
  /** OAuth consents: the apps each user authorized, and revoking them (SPEC §6). */
  readonly oauthApps: OAuthAppService
  /** Each organization's rules for its credentials, which `credentials` enforces. */
  readonly credentialPolicies: CredentialPolicyService
  /** Request counts per credential over time, and the addresses each was used from. */
  readonly credentialUsage: CredentialUsageService
}

/** Builds every service once from what the process has opened (database, keys, access version). */
export function createServices(deps: ServiceDependencies): Services {
  const { config, storage, keys, clock, catalog, audit, mail } = deps
  const { accessVersion, counters } = deps.shared
  const signupThrottle = new AddressThrottle(counters, config.signupThrottle)
  const throttle = new LoginThrottle(counters, config.loginThrottle, (account) => createHmac('sha256', keys.counterKey).update(account).digest('base64url'))
  const twoFactor = new TwoFactorService({
    storage,
    encryptionKey: keys.totpEncryption,
    tokenHashKey: keys.tokenHash,
    issuer: config.totpIssuer,
    accessVersion,
    audit,
    clock,
  })
  const sessions = new SessionService({
    storage,
    tokenPrefix: config.tokenPrefix,
    acceptedTokenPrefixes: deps.tokenPrefixes,
    tokenHashKey: keys.tokenHash,
    sessionTokens: deps.sessionTokens,
    accessVersion,
    clock,
    signup: config.signup,
    audit,
    throttle,
    signupThrottle,
    twoFactor,
  })
  const credentialPolicies = new CredentialPolicyService({ storage, audit, clock })
  const credentials = new CredentialService({
    storage,
    tokenPrefix: config.tokenPrefix,
    tokenHashKey: keys.tokenHash,
    catalog,
    accessVersion,
    audit,
    clock,
    defaultRateLimitPerMinute: config.defaultRateLimitPerMinute,
    policies: credentialPolicies,
    budgets: deps.budgets ?? null,
  })
  return {
    credentialPolicies,
    credentialUsage: new CredentialUsageService({ storage, clock, credentials }),
    twoFactor,
    clock,
    catalog,
    audit,
    storage,
    auditTrail: new AuditTrail(storage),
    organizations: new OrganizationService(storage),
    credentials,
    members: new MemberService({ storage, catalog, accessVersion, audit, clock }),
    sessions,
    stepUp: new StepUp({
      storage,
      throttle,
      audit,
      verifySecondFactor: (user, code, organizationId, context) => twoFactor.verifySecondFactor(user, code, organizationId, context),
      familiarAddress: (user, ip) => sessions.signedInFromLately(user, ip),
    }),
    emailChanges: new EmailChangeService({ storage, tokenHashKey: keys.tokenHash, publicUrl: config.publicUrl, mail, accessVersion, audit, clock }),
    admins: new AdminService({ storage, accessVersion, audit, clock }),
    invitations: new InvitationService({ storage, catalog, tokenHashKey: keys.tokenHash, publicUrl: config.publicUrl, mail, audit, clock, signupThrottle }),
    passwordResets: new PasswordResetService({
      storage,
      tokenHashKey: keys.tokenHash,
      publicUrl: config.publicUrl,
      mail,
      accessVersion,
      throttle,
      audit,
      clock,
      onError: deps.onBackgroundError,
    }),
    notices: new SecurityNotices({ storage, mail, clock }),
    webhookEndpoints: new WebhookEndpointService({
      storage,
      clock,
      secretKey: keys.webhookSecretEncryption,
      allowPrivate: config.webhooks.allowPrivate,
      audit,
      wake: deps.wakeWebhooks,
    }),
    leaks: new LeakResponse({
      storage,
      tokenPrefixes: deps.tokenPrefixes,
      tokenHashKey: keys.tokenHash,
      action: config.leaks.action,
      accessVersion,
      audit,
      mail,
      clock,
      ...(deps.onCredentialLookup && { onStorageLookup: deps.onCredentialLookup }),
    }),
    revokeThrottle: new AddressThrottle(counters, { perIp: config.leaks.revokeRequestsPerMinute, windowSeconds: 60 }, 'revoke-by-value-ip'),
    oauthApps: new OAuthAppService({ storage, audit, accessVersion, clock }),
  }
}
