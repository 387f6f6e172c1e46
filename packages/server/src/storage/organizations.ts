import type { Role } from '@brandwave/core'
import { sql, type Kysely, type Selectable } from 'kysely'
import { containsIgnoringCase } from './like.js'
import type { Dialect } from './database.js'
import type { Database, MembershipsTable, OrganizationsTable, UsersTable } from './schema.js'

export type OrganizationRow = Selectable<OrganizationsTable>
export type UserRow = Selectable<UsersTable>
export type MembershipRow = Selectable<MembershipsTable>

/** A membership with the user it belongs to, as the members API shows it. */
export interface MemberRecord {
  readonly userId: string
  readonly email: string
  readonly name: string
  readonly role: Role
  readonly twoFactorEnabled: boolean
  readonly joinedAt: string
}

/** Organizations, users and who belongs where. */
export function organizationRepository(db: Kysely<Database>) {
  function memberQuery() {
    return db
      .selectFrom('memberships')
      .innerJoin('users', 'users.id', 'memberships.user_id')
      .select(['users.id as user_id', 'users.email', 'users.name', 'users.totp_enabled_at', 'memberships.role', 'memberships.created_at'])
  }

  return {
    async createOrganization(row: { id: string; name: string; createdAt: string }): Promise<OrganizationRow> {
      return db
        .insertInto('organizations')
        .values({ id: row.id, name: row.name, created_at: row.createdAt })
        .returningAll()
        .executeTakeFirstOrThrow()
    },

    async findOrganizationByAccountId(accountId: number): Promise<OrganizationRow | undefined> {
      return db.selectFrom('organizations').selectAll().where('account_id', '=', accountId).executeTakeFirst()
    },

    async findOrganization(id: string): Promise<OrganizationRow | undefined> {
      return db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst()
    },

    async countOrganizations(): Promise<number> {
      const row = await db.selectFrom('organizations').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
      return Number(row.n)
    },

    async createUser(row: { id: string; email: string; name: string; passwordHash: string; createdAt: string }): Promise<UserRow> {
      return db
        .insertInto('users')
        .values({
          id: row.id,
          email: row.email,
          name: row.name,
          password_hash: row.passwordHash,
          password_changed_at: row.createdAt,
          totp_secret: null,
          totp_enabled_at: null,
          totp_last_step: null,
          created_at: row.createdAt,
        })
        .returningAll()
        .executeTakeFirstOrThrow()
    },

    async findUserByEmail(email: string): Promise<UserRow | undefined> {
      return db.selectFrom('users').selectAll().where('email', '=', email.toLowerCase()).executeTakeFirst()
    },

    async findUser(id: string): Promise<UserRow | undefined> {
      return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst()
    },

    async setPassword(userId: string, passwordHash: string, changedAt: string): Promise<void> {
      await db.updateTable('users').set({ password_hash: passwordHash, password_changed_at: changedAt }).where('id', '=', userId).execute()
    },

    /** Someone proved they read this mailbox (an invitation or a password reset). */
    async markEmailVerified(userId: string, at: string): Promise<void> {
      await db.updateTable('users').set({ email_verified_at: at }).where('id', '=', userId).where('email_verified_at', 'is', null).execute()
    },

    async addMember(row: { organizationId: string; userId: string; role: Role; createdAt: string }): Promise<void> {
      await db
        .insertInto('memberships')
        .values({ organization_id: row.organizationId, user_id: row.userId, role: row.role, created_at: row.createdAt })
        .execute()
    },

    async findMembership(organizationId: string, userId: string): Promise<MembershipRow | undefined> {
      return db
        .selectFrom('memberships')
        .selectAll()
        .where('organization_id', '=', organizationId)
        .where('user_id', '=', userId)
        .executeTakeFirst()
    },

    /**
     * Serializes membership changes of one organization (PostgreSQL; SQLite serializes
     * writers anyway), so "the last company_admin" checks cannot race each other.
     */
    async lockMemberships(dialect: Dialect, organizationId: string): Promise<void> {
      if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(hashtextextended(${`memberships:${organizationId}`}, 0))`.execute(db)
    },

    async countAdmins(organizationId: string): Promise<number> {
      const row = await db
        .selectFrom('memberships')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('organization_id', '=', organizationId)
        .where('role', '=', 'company_admin')
        .executeTakeFirstOrThrow()
      return Number(row.n)
    },

    async setRole(organizationId: string, userId: string, role: Role): Promise<void> {
      await db.updateTable('memberships').set({ role }).where('organization_id', '=', organizationId).where('user_id', '=', userId).execute()
    },

    async removeMember(organizationId: string, userId: string): Promise<boolean> {
      const result = await db.deleteFrom('memberships').where('organization_id', '=', organizationId).where('user_id', '=', userId).executeTakeFirst()
      return result.numDeletedRows > 0n
    },

    async findMember(organizationId: string, userId: string): Promise<MemberRecord | undefined> {
      const row = await memberQuery().where('memberships.organization_id', '=', organizationId).where('memberships.user_id', '=', userId).executeTakeFirst()
      return row === undefined ? undefined : toMember(row)
    },

    /** Members by join order (newest first), filtered, with counts per role over the filtered set. */
    async listMembers(organizationId: string, filter: { role?: Role; search?: string }, page: { limit: number; afterUserId: string | null }) {
      const conditions = (query: ReturnType<typeof memberQuery>) => {
        let q = query.where('memberships.organization_id', '=', organizationId)
        if (filter.role !== undefined) q = q.where('memberships.role', '=', filter.role)
        if (filter.search !== undefined) {
          const search = filter.search
          q = q.where((eb) => eb.or([containsIgnoringCase(sql.ref('users.email'), search), containsIgnoringCase(sql.ref('users.name'), search)]))
        }
        return q
      }
      let query = conditions(memberQuery())
      // Keyset on the user id: UUID v7, so newest accounts first, and stable under inserts.
      if (page.afterUserId !== null) query = query.where('users.id', '<', page.afterUserId)
      const rows = await query.orderBy('users.id', 'desc').limit(page.limit + 1).execute()
      const all = await conditions(memberQuery()).execute()
      const facets = { role: { company_admin: 0, member: 0 } }
      for (const row of all) facets.role[row.role] += 1
      const items = rows.slice(0, page.limit).map(toMember)
      return { items, totalCount: all.length, facets, nextAfterUserId: rows.length > page.limit ? (items.at(-1)?.userId ?? null) : null }
    },

    /** The user's memberships, oldest first: the first is where a login without `organizationId` lands. */
    async membershipsOfUser(userId: string): Promise<MembershipRow[]> {
      return db.selectFrom('memberships').selectAll().where('user_id', '=', userId).orderBy('created_at').orderBy('organization_id').execute()
    },

    /** The first organizations by creation: the operator CLI acts in the only one when none is named. */
    async listOrganizations(limit: number): Promise<OrganizationRow[]> {
      return db.selectFrom('organizations').selectAll().orderBy('created_at').orderBy('id').limit(limit).execute()
    },
  }
}

function toMember(row: { user_id: string; email: string; name: string; totp_enabled_at: string | null; role: Role; created_at: string }): MemberRecord {
  return { userId: row.user_id, email: row.email, name: row.name, role: row.role, twoFactorEnabled: row.totp_enabled_at !== null, joinedAt: row.created_at }
}

export type OrganizationRepository = ReturnType<typeof organizationRepository>
