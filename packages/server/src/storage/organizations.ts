import { sql, type Kysely, type Selectable } from 'kysely'
import type { Dialect } from './database.js'
import type { Database, OrganizationsTable } from './schema.js'

// Any constant shared by all instances; only the first-admin bootstrap takes this lock.
const BOOTSTRAP_LOCK_ID = 0x62770001

/** An organization: the tenant that owns API keys and has members. */
export interface Organization {
  readonly id: string
  /** Integer id of the account-token surface (`/api/accounts/:accountId/…`). */
  readonly accountId: number
  readonly name: string
  readonly createdAt: string
}

function toOrganization(row: Selectable<OrganizationsTable>): Organization {
  return { id: row.id, accountId: row.account_id, name: row.name, createdAt: row.created_at }
}

export function organizationRepository(db: Kysely<Database>, dialect: Dialect) {
  return {
    /**
     * Serializes the first-admin bootstrap within the transaction (PostgreSQL; SQLite
     * serializes writers anyway): instances starting together create exactly one.
     */
    async lockForBootstrap(): Promise<void> {
      if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(${BOOTSTRAP_LOCK_ID})`.execute(db)
    },

    async create(row: { id: string; name: string; createdAt: string }): Promise<Organization> {
      return toOrganization(await db.insertInto('organizations').values({ id: row.id, name: row.name, created_at: row.createdAt }).returningAll().executeTakeFirstOrThrow())
    },

    async find(id: string): Promise<Organization | undefined> {
      const row = await db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst()
      return row && toOrganization(row)
    },

    async findByAccountId(accountId: number): Promise<Organization | undefined> {
      const row = await db.selectFrom('organizations').selectAll().where('account_id', '=', accountId).executeTakeFirst()
      return row && toOrganization(row)
    },

    async findMany(ids: readonly string[]): Promise<Organization[]> {
      if (ids.length === 0) return []
      return (await db.selectFrom('organizations').selectAll().where('id', 'in', ids).execute()).map(toOrganization)
    },

    async count(): Promise<number> {
      const row = await db.selectFrom('organizations').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
      return Number(row.n)
    },

    /** The first organizations by creation: the operator CLI acts in the only one when none is named. */
    async list(limit: number): Promise<Organization[]> {
      return (await db.selectFrom('organizations').selectAll().orderBy('created_at').orderBy('id').limit(limit).execute()).map(toOrganization)
    },
  }
}

export type OrganizationRepository = ReturnType<typeof organizationRepository>
