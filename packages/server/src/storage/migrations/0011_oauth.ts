import type { Kysely } from 'kysely'
import type { Dialect } from '../database.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>

/**
 * OAuth 2.1 (SPEC §6). `oauth_models` is oidc-provider's storage: every model it persists
 * (clients, grants, codes, tokens, sessions, interactions), found by the keyed hash of its
 * id, payload sealed. `oauth_authorizations` is Brandwave's own record of each consent: which
 * user let which client act in which organization, listed and revoked by the user.
 */
export async function up(db: AnyDb, dialect: Dialect): Promise<void> {
  const time = dialect === 'postgres' ? 'timestamptz' : 'text'
  await db.schema
    .createTable('oauth_models')
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('id_hash', 'text', (c) => c.notNull())
    .addColumn('grant_id', 'text')
    .addColumn('uid_hash', 'text')
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('expires_at', time)
    .addColumn('consumed_at', time)
    .addPrimaryKeyConstraint('oauth_models_pk', ['model', 'id_hash'])
    .execute()
  await db.schema.createIndex('oauth_models_grant').on('oauth_models').columns(['grant_id']).execute()
  await db.schema.createIndex('oauth_models_uid').on('oauth_models').columns(['model', 'uid_hash']).execute()
  await db.schema.createIndex('oauth_models_expiry').on('oauth_models').columns(['expires_at']).execute()

  await db.schema
    .createTable('oauth_authorizations')
    .addColumn('grant_id', 'text', (c) => c.primaryKey())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('client_name', 'text')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('last_used_at', time)
    .addColumn('revoked_at', time)
    .execute()
  await db.schema.createIndex('oauth_authorizations_user').on('oauth_authorizations').columns(['user_id', 'organization_id', 'client_id']).execute()
}
