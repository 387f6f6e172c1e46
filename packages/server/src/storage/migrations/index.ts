import { Migrator, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely'
import type { DatabaseHandle, Dialect } from '../database.js'
import * as initial from './0001_initial.js'
import * as auditEvents from './0002_audit_events.js'
import * as settings from './0003_settings.js'
import * as idempotencyKeys from './0004_idempotency_keys.js'
import * as twoFactor from './0005_two_factor.js'
import * as people from './0006_people.js'
import * as events from './0007_events.js'
import * as tokenPrefixes from './0008_token_prefixes.js'
import * as idempotencySession from './0009_idempotency_session.js'
import * as leaks from './0010_leaks.js'
import * as oauth from './0011_oauth.js'
import * as emailChanges from './0014_email_changes.js'
import * as credentialMetering from './0015_credential_metering.js'
import * as usageAndPolicy from './0016_usage_and_policy.js'
import * as budgetEpoch from './0017_budget_epoch.js'

interface VersionedMigration {
  up(db: Parameters<Migration['up']>[0], dialect: Dialect): Promise<void>
}

/** Every migration, in order. Names are permanent: they are recorded in the database. */
const MIGRATIONS: Readonly<Record<string, VersionedMigration>> = {
  '0001_initial': initial,
  '0002_audit_events': auditEvents,
  '0003_settings': settings,
  '0004_idempotency_keys': idempotencyKeys,
  '0005_two_factor': twoFactor,
  '0006_people': people,
  '0007_events': events,
  '0008_token_prefixes': tokenPrefixes,
  '0009_idempotency_session': idempotencySession,
  '0010_leaks': leaks,
  '0011_oauth': oauth,
  '0014_email_changes': emailChanges,
  '0015_credential_metering': credentialMetering,
  '0016_usage_and_policy': usageAndPolicy,
  '0017_budget_epoch': budgetEpoch,
}

/** Every migration's name, in order: what a fully migrated database has recorded. */
export const MIGRATION_NAMES: readonly string[] = Object.keys(MIGRATIONS)

class InCodeMigrationProvider implements MigrationProvider {
  constructor(private readonly dialect: Dialect) {}

  getMigrations(): Promise<Record<string, Migration>> {
    const migrations: Record<string, Migration> = {}
    for (const [name, migration] of Object.entries(MIGRATIONS)) {
      migrations[name] = { up: (db) => migration.up(db, this.dialect) }
    }
    return Promise.resolve(migrations)
  }
}

export class MigrationError extends Error {
  constructor(readonly migrationName: string | null, cause: unknown) {
    super(`Database migration ${migrationName === null ? '' : `${migrationName} `}failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause })
    this.name = 'MigrationError'
  }
}

/**
 * Brings the schema up to date. Safe to run from several processes at once: Kysely takes
 * a PostgreSQL advisory lock (SQLite serializes writers by itself).
 *
 * @example
 * const applied = await migrateToLatest(handle) // ['0001_initial']
 */
export async function migrateToLatest(handle: DatabaseHandle): Promise<string[]> {
  const migrator = new Migrator({ db: handle.db, provider: new InCodeMigrationProvider(handle.dialect) })
  const result: MigrationResultSet = await migrator.migrateToLatest()
  if (result.error !== undefined) {
    const failed = result.results?.find((r) => r.status === 'Error')
    throw new MigrationError(failed?.migrationName ?? null, result.error)
  }
  return (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
}
