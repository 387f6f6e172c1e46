import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

/** Leak reports as the credentials table keeps them (SPEC §10). */
export function leakRepository(db: Kysely<Database>) {
  return {
    /**
     * Records the first report of a credential; true when this call did, so that only the
     * first of many reports (GitHub retries, several scanners) acts and tells anyone.
     */
    async markExposed(id: string, at: string, url: string | null): Promise<boolean> {
      const result = await db
        .updateTable('credentials')
        .set({ exposed_at: at, exposed_url: url, updated_at: at })
        .where('id', '=', id)
        .where('exposed_at', 'is', null)
        .executeTakeFirst()
      return result.numUpdatedRows > 0n
    },

    async exposure(id: string): Promise<{ exposedAt: string | null; exposedUrl: string | null } | undefined> {
      const row = await db.selectFrom('credentials').select(['exposed_at', 'exposed_url']).where('id', '=', id).executeTakeFirst()
      return row === undefined ? undefined : { exposedAt: row.exposed_at, exposedUrl: row.exposed_url }
    },

    /** Who hears of an exposed API key: the organization's admins. */
    async adminEmails(organizationId: string): Promise<string[]> {
      const rows = await db
        .selectFrom('memberships')
        .innerJoin('users', 'users.id', 'memberships.user_id')
        .select('users.email')
        .where('memberships.organization_id', '=', organizationId)
        .where('memberships.role', '=', 'company_admin')
        .execute()
      return rows.map((row) => row.email)
    },
  }
}

export type LeakRepository = ReturnType<typeof leakRepository>
