import type { Role } from '@brandwave/core'
import { sql, type Kysely, type Selectable } from 'kysely'
import type { Dialect } from './database.js'
import { containsIgnoringCase } from './like.js'
import type { Database, MembershipsTable } from './schema.js'

/** A user's role in an organization. */
export interface Membership {
  readonly organizationId: string
  readonly userId: string
  readonly role: Role
  readonly createdAt: string
}

/** A membership with the user it belongs to, as the members API shows it. */
export interface Member {
  readonly userId: string
  readonly email: string
  readonly name: string
  readonly role: Role
  readonly twoFactorEnabled: boolean
  readonly joinedAt: string
}

export interface MemberFilter {
  readonly role?: Role
  readonly search?: string
}

function toMembership(row: Selectable<MembershipsTable>): Membership {
  return { organizationId: row.organization_id, userId: row.user_id, role: row.role, createdAt: row.created_at }
}

function toMember(row: { user_id: string; email: string; name: string; totp_enabled_at: string | null; role: Role; created_at: string }): Member {
  return { userId: row.user_id, email: row.email, name: row.name, role: row.role, twoFactorEnabled: row.totp_enabled_at !== null, joinedAt: row.created_at }
}

/** Who belongs to which organization, in which role. */
export function membershipRepository(db: Kysely<Database>, dialect: Dialect) {
  function members(organizationId: string, filter: MemberFilter) {
    let query = db
      .selectFrom('memberships')
      .innerJoin('users', 'users.id', 'memberships.user_id')
      .where('memberships.organization_id', '=', organizationId)
    if (filter.role !== undefined) query = query.where('memberships.role', '=', filter.role)
    if (filter.search !== undefined) {
      const search = filter.search
      query = query.where((eb) => eb.or([containsIgnoringCase(sql.ref('users.email'), search), containsIgnoringCase(sql.ref('users.name'), search)]))
    }
    return query
  }

  return {
    async add(row: { organizationId: string; userId: string; role: Role; createdAt: string }): Promise<void> {
      await db
        .insertInto('memberships')
        .values({ organization_id: row.organizationId, user_id: row.userId, role: row.role, created_at: row.createdAt })
        .execute()
    },

    async find(organizationId: string, userId: string): Promise<Membership | undefined> {
      const row = await db.selectFrom('memberships').selectAll().where('organization_id', '=', organizationId).where('user_id', '=', userId).executeTakeFirst()
      return row && toMembership(row)
    },

    /**
     * Serializes membership changes of one organization within the transaction (PostgreSQL;
     * SQLite serializes writers anyway), so "the last company_admin" checks cannot race.
     */
    async lock(organizationId: string): Promise<void> {
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

    async remove(organizationId: string, userId: string): Promise<boolean> {
      const result = await db.deleteFrom('memberships').where('organization_id', '=', organizationId).where('user_id', '=', userId).executeTakeFirst()
      return result.numDeletedRows > 0n
    },

    async findMember(organizationId: string, userId: string): Promise<Member | undefined> {
      const row = await members(organizationId, {})
        .select(['users.id as user_id', 'users.email', 'users.name', 'users.totp_enabled_at', 'memberships.role', 'memberships.created_at'])
        .where('memberships.user_id', '=', userId)
        .executeTakeFirst()
      return row && toMember(row)
    },

    /** Members by join order (newest first), filtered, with counts per role over the filtered set. */
    async listMembers(organizationId: string, filter: MemberFilter, page: { limit: number; afterUserId: string | null }) {
      let query = members(organizationId, filter).select(['users.id as user_id', 'users.email', 'users.name', 'users.totp_enabled_at', 'memberships.role', 'memberships.created_at'])
      // Keyset on the user id: UUID v7, so newest accounts first, and stable under inserts.
      if (page.afterUserId !== null) query = query.where('users.id', '<', page.afterUserId)
      const [rows, counts] = await Promise.all([
        query.orderBy('users.id', 'desc').limit(page.limit + 1).execute(),
        // Facets are counted by the database, not by loading every member.
        members(organizationId, filter)
          .select((eb) => ['memberships.role', eb.fn.countAll<number>().as('n')])
          .groupBy('memberships.role')
          .execute(),
      ])
      const facets = { role: { company_admin: 0, member: 0 } }
      for (const { role, n } of counts) facets.role[role] = Number(n)
      const items = rows.slice(0, page.limit).map(toMember)
      return { items, totalCount: facets.role.company_admin + facets.role.member, facets, nextAfterUserId: rows.length > page.limit ? (items.at(-1)?.userId ?? null) : null }
    },

    /** The user's memberships, oldest first: the first is where a login without `organizationId` lands. */
    async ofUser(userId: string): Promise<Membership[]> {
      return (await db.selectFrom('memberships').selectAll().where('user_id', '=', userId).orderBy('created_at').orderBy('organization_id').execute()).map(toMembership)
    },
  }
}

export type MembershipRepository = ReturnType<typeof membershipRepository>
