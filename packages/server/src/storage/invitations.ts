import type { Kysely, Selectable } from 'kysely'
import type { Database, InvitationsTable } from './schema.js'

export type InvitationRow = Selectable<InvitationsTable>

/** Invitations to join an organization (SPEC §9). Pending: not accepted, withdrawn or expired. */
export function invitationRepository(db: Kysely<Database>) {
  const pending = (now: string) =>
    db.selectFrom('invitations').selectAll().where('accepted_at', 'is', null).where('withdrawn_at', 'is', null).where('expires_at', '>', now)

  return {
    async create(row: Omit<InvitationRow, 'accepted_at' | 'accepted_by_user_id' | 'withdrawn_at'>): Promise<void> {
      await db.insertInto('invitations').values({ ...row, accepted_at: null, accepted_by_user_id: null, withdrawn_at: null }).execute()
    },

    async findPendingByTokenHash(tokenHash: string, now: string): Promise<InvitationRow | undefined> {
      return pending(now).where('token_hash', '=', tokenHash).executeTakeFirst()
    },

    async findPending(organizationId: string, id: string, now: string): Promise<InvitationRow | undefined> {
      return pending(now).where('organization_id', '=', organizationId).where('id', '=', id).executeTakeFirst()
    },

    async findPendingForEmail(organizationId: string, email: string, now: string): Promise<InvitationRow | undefined> {
      return pending(now).where('organization_id', '=', organizationId).where('email', '=', email).executeTakeFirst()
    },

    /** Newest first; ids are UUID v7. */
    async listPending(organizationId: string, now: string, page: { limit: number; afterId: string | null }) {
      let query = pending(now).where('organization_id', '=', organizationId)
      if (page.afterId !== null) query = query.where('id', '<', page.afterId)
      const rows = await query.orderBy('id', 'desc').limit(page.limit + 1).execute()
      const all = await pending(now).where('organization_id', '=', organizationId).clearSelect().select('role').execute()
      const facets = { role: { company_admin: 0, member: 0 } }
      for (const row of all) facets.role[row.role] += 1
      const items = rows.slice(0, page.limit)
      return { items, totalCount: all.length, facets, nextAfterId: rows.length > page.limit ? (items.at(-1)?.id ?? null) : null }
    },

    /** Conditional on the invitation still being open: of two concurrent uses, one wins. */
    async markAccepted(id: string, userId: string, now: string): Promise<boolean> {
      const result = await db
        .updateTable('invitations')
        .set({ accepted_at: now, accepted_by_user_id: userId })
        .where('id', '=', id)
        .where('accepted_at', 'is', null)
        .where('withdrawn_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst()
      return result.numUpdatedRows > 0n
    },

    async markWithdrawn(id: string, now: string): Promise<boolean> {
      const result = await db
        .updateTable('invitations')
        .set({ withdrawn_at: now })
        .where('id', '=', id)
        .where('accepted_at', 'is', null)
        .where('withdrawn_at', 'is', null)
        .executeTakeFirst()
      return result.numUpdatedRows > 0n
    },
  }
}

export type InvitationRepository = ReturnType<typeof invitationRepository>
