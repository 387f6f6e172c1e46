import { createHmac } from 'node:crypto'
import type { ScopeCatalog } from '@brandwave/core'
import type { Kysely } from 'kysely'
import type { AccessVersion } from '../auth/access-version.js'
import { LoginThrottle, SignupThrottle, type CounterStoreFactory } from '../auth/counters.js'
import type { SessionTokens } from '../auth/session-tokens.js'
import type { Clock } from '../clock.js'
import type { Config } from '../config.js'
import type { DerivedKeys } from '../secret.js'
import type { DatabaseHandle } from '../storage/database.js'
import { organizationRepository, type OrganizationRepository } from '../storage/organizations.js'
import type { Database } from '../storage/schema.js'
import { AdminService } from './admins.js'
import { AuditLog } from './audit.js'
import { CredentialService } from './credentials.js'
import { MemberService } from './members.js'
import { SessionService } from './sessions.js'
import { TwoFactorService } from './two-factor.js'

export interface ServiceDependencies {
  readonly config: Config
  readonly database: DatabaseHandle
  readonly keys: DerivedKeys
  readonly clock: Clock
  readonly catalog: ScopeCatalog
  /** How this process tells every instance that access may have been taken away. */
  readonly accessVersion: AccessVersion
  readonly counters: CounterStoreFactory
  readonly sessionTokens: SessionTokens
}

/** The services the API and the operator CLI share, so their rules cannot drift apart. */
export interface Services {
  readonly clock: Clock
  readonly catalog: ScopeCatalog
  readonly audit: AuditLog
  readonly db: Kysely<Database>
  readonly organizations: OrganizationRepository
  readonly credentials: CredentialService
  readonly members: MemberService
  readonly sessions: SessionService
  readonly twoFactor: TwoFactorService
  readonly admins: AdminService
}

/** Builds every service once from what the process has opened (database, keys, access version). */
export function createServices(deps: ServiceDependencies): Services {
  const { config, database, keys, clock, catalog, accessVersion } = deps
  const audit = new AuditLog(clock)
  const throttle = new LoginThrottle(deps.counters, config.loginThrottle, (account) => createHmac('sha256', keys.counterKey).update(account).digest('base64url'))
  const twoFactor = new TwoFactorService({
    throttle,
    db: database.db,
    encryptionKey: keys.totpEncryption,
    tokenHashKey: keys.tokenHash,
    issuer: config.totpIssuer,
    accessVersion,
    audit,
    clock,
  })
  return {
    twoFactor,
    clock,
    catalog,
    audit,
    db: database.db,
    organizations: organizationRepository(database.db),
    credentials: new CredentialService({
      db: database.db,
      tokenPrefix: config.tokenPrefix,
      tokenHashKey: keys.tokenHash,
      catalog,
      accessVersion,
      audit,
      clock,
      defaultRateLimitPerMinute: config.defaultRateLimitPerMinute,
    }),
    members: new MemberService({ db: database.db, dialect: database.dialect, catalog, accessVersion, audit, clock }),
    sessions: new SessionService({
      db: database.db,
      tokenPrefix: config.tokenPrefix,
      tokenHashKey: keys.tokenHash,
      sessionTokens: deps.sessionTokens,
      accessVersion,
      clock,
      signup: config.signup,
      audit,
      throttle,
      signupThrottle: new SignupThrottle(deps.counters, config.signupThrottle),
      twoFactor,
    }),
    admins: new AdminService({ db: database.db, dialect: database.dialect, accessVersion, audit, clock }),
  }
}
