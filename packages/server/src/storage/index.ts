import type { Kysely } from 'kysely'
import { auditRepository, type AuditRepository } from './audit.js'
import { credentialRepository, type CredentialRepository } from './credentials.js'
import type { DatabaseHandle, Dialect } from './database.js'
import { eventRepository, type EventRepository } from './events.js'
import { idempotencyRepository, type IdempotencyRepository } from './idempotency.js'
import { invitationRepository, type InvitationRepository } from './invitations.js'
import { leakRepository, type LeakRepository } from './leaks.js'
import { mailRepository, type MailRepository } from './mail.js'
import { membershipRepository, type MembershipRepository } from './memberships.js'
import { oauthAuthorizationRepository, oauthModelRepository, type OAuthAuthorizationRepository, type OAuthModelRepository } from './oauth.js'
import { organizationRepository, type OrganizationRepository } from './organizations.js'
import { emailChangeRepository, type EmailChangeRepository } from './email-changes.js'
import { passwordResetRepository, type PasswordResetRepository } from './password-resets.js'
import type { Database } from './schema.js'
import { spending, type Spending, type SpendNow, type SpendTogether } from './spends.js'
import { settingsRepository, type SettingsRepository } from './settings.js'
import { sessionRepository, type SessionRepository } from './sessions.js'
import { userRepository, type UserRepository } from './users.js'
import { webhookRepository, type WebhookRepository } from './webhooks.js'
import { usageRepository, type UsageRepository } from './usage.js'
import { credentialPolicyRepository, type CredentialPolicyRepository } from './credential-policies.js'

/** One repository per aggregate, all reading and writing through the same connection. */
export interface Repositories {
  readonly organizations: OrganizationRepository
  readonly users: UserRepository
  readonly memberships: MembershipRepository
  readonly credentials: CredentialRepository
  readonly sessions: SessionRepository
  readonly invitations: InvitationRepository
  readonly passwordResets: PasswordResetRepository
  readonly emailChanges: EmailChangeRepository
  readonly audit: AuditRepository
  readonly events: EventRepository
  readonly webhooks: WebhookRepository
  readonly leaks: LeakRepository
  readonly mail: MailRepository
  readonly idempotency: IdempotencyRepository
  readonly oauthModels: OAuthModelRepository
  readonly oauthAuthorizations: OAuthAuthorizationRepository
  readonly settings: SettingsRepository
  /** Request counts per credential and hour, and the addresses credentials are used from. */
  readonly usage: UsageRepository
  readonly credentialPolicies: CredentialPolicyRepository
}

/**
 * The storage boundary: repositories over the database, and transactions that compose
 * them. Services hold this, never a query builder or a dialect.
 */
export interface Storage extends Repositories {
  /** Runs `work` in one transaction: everything it writes commits together, or nothing does. */
  transaction<T>(work: (repositories: Repositories) => Promise<T>): Promise<T>
  /**
   * Spends remaining uses of metered credentials, a batch in one transaction (`spends.ts`):
   * the hottest write there is, so it has its own path rather than a repository's.
   */
  readonly spendTogether: SpendTogether
  /** The same, one spend without a promise: the embedded database only (null on PostgreSQL). */
  readonly spendNow: SpendNow | null
  /** What a count kept in Redis starts from and gives back (`spends.ts`, `shared-state/redis-budgets.ts`). */
  readonly budgets: Pick<Spending, 'readBudget' | 'writeBehind'>
}

/** Repositories bound to `db`, each built the first time it is used. */
function repositoriesOf(db: Kysely<Database>, dialect: Dialect): Repositories {
  const built = new Map<keyof Repositories, unknown>()
  const once = <K extends keyof Repositories>(name: K, build: () => Repositories[K]): Repositories[K] => {
    if (!built.has(name)) built.set(name, build())
    return built.get(name) as Repositories[K]
  }
  return {
    get organizations() { return once('organizations', () => organizationRepository(db, dialect)) },
    get users() { return once('users', () => userRepository(db)) },
    get memberships() { return once('memberships', () => membershipRepository(db, dialect)) },
    get credentials() { return once('credentials', () => credentialRepository(db, dialect)) },
    get sessions() { return once('sessions', () => sessionRepository(db, dialect)) },
    get invitations() { return once('invitations', () => invitationRepository(db)) },
    get passwordResets() { return once('passwordResets', () => passwordResetRepository(db)) },
    get emailChanges() { return once('emailChanges', () => emailChangeRepository(db)) },
    get audit() { return once('audit', () => auditRepository(db)) },
    get events() { return once('events', () => eventRepository(db)) },
    get webhooks() { return once('webhooks', () => webhookRepository(db, dialect)) },
    get leaks() { return once('leaks', () => leakRepository(db)) },
    get mail() { return once('mail', () => mailRepository(db, dialect)) },
    get idempotency() { return once('idempotency', () => idempotencyRepository(db, dialect)) },
    get oauthModels() { return once('oauthModels', () => oauthModelRepository(db, dialect)) },
    get oauthAuthorizations() { return once('oauthAuthorizations', () => oauthAuthorizationRepository(db, dialect)) },
    get settings() { return once('settings', () => settingsRepository(db)) },
    get usage() { return once('usage', () => usageRepository(db)) },
    get credentialPolicies() { return once('credentialPolicies', () => credentialPolicyRepository(db)) },
  }
}

export function createStorage(database: Pick<DatabaseHandle, 'db' | 'dialect'> & Partial<Pick<DatabaseHandle, 'embedded'>>): Storage {
  const { db, dialect } = database
  const spends = spending(db, dialect, database.embedded ?? null)
  return {
    ...repositoriesOf(db, dialect),
    transaction: (work) => db.transaction().execute((trx) => work(repositoriesOf(trx, dialect))),
    spendTogether: spends.together,
    spendNow: spends.now,
    budgets: { readBudget: spends.readBudget, writeBehind: spends.writeBehind },
  }
}
