import type { Role } from '@brandwave/core'
import type { Kysely, Selectable } from 'kysely'
import type { Database, InvitationsTable } from './schema.js'

/** An open invitation to join an organization; only the keyed hash of its token is kept. */
export interface Invitation {
  readonly id: string
  readonly organizationId: string
  /** Lowercased, like users' emails. */
  readonly email: string
  readonly role: Role
  readonly tokenHash: string
  readonly invitedBy: { readonly id: string | null; readonly name: string }
  readonly createdAt: string
  readonly expiresAt: string
}

function toInvitation(row: Selectable<InvitationsTable>): Invitation {
  return {
    id: row.id,
    organizationId: row.organization_id,
    email: row.email,
    role: row.role,
    tokenHash: row.token_hash,
    invitedBy: { id: row.invited_by_id, name: row.invited_by_name },
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  }
}

/** Invitations to join an organization (SPEC §9). Pending: not accepted, withdrawn or expired. */
export function invitationRepository(db: Kysely<Database>) {
  const pending = (now: string) =>
    db.selectFrom('invitations').selectAll().where('accepted_at', 'is', null).where('withdrawn_at', 'is', null).where('expires_at', '>', now)

  return {
    async create(invitation: Invitation): Promise<void> {
      await db
        .insertInto('invitations')
        .values({
          id: invitation.id,
          organization_id: invitation.organizationId,
          email: invitation.email,
          role: invitation.role,
          token_hash: invitation.tokenHash,
          invited_by_id: invitation.invitedBy.id,
          invited_by_name: invitation.invitedBy.name,
          created_at: invitation.createdAt,
          expires_at: invitation.expiresAt,
          accepted_at: null,
          accepted_by_user_id: null,
          withdrawn_at: null,
        })
        .execute()
    },

    async findPendingByTokenHash(tokenHash: string, now: string): Promise<Invitation | undefined> {
      const row = await pending(now).where('token_hash', '=', tokenHash).executeTakeFirst()
      return row && toInvitation(row)
    },

    async findPending(organizationId: string, id: string, now: string): Promise<Invitation | undefined> {
      const row = await pending(now).where('organization_id', '=', organizationId).where('id', '=', id).executeTakeFirst()
      return row && toInvitation(row)
    },

    async findPendingForEmail(organizationId: string, email: string, now: string): Promise<Invitation | undefined> {
      const row = await pending(now).where('organization_id', '=', organizationId).where('email', '=', email).executeTakeFirst()
      return row && toInvitation(row)
    },

    /** Newest first; ids are UUID v7. */
    async listPending(organizationId: string, now: string, page: { limit: number; afterId: string | null }) {
      let query = pending(now).where('organization_id', '=', organizationId)
      if (page.afterId !== null) query = query.where('id', '<', page.afterId)
      const rows = await query.orderBy('id', 'desc').limit(page.limit + 1).execute()
      const counts = await pending(now)
        .where('organization_id', '=', organizationId)
        .clearSelect()
        .select((eb) => ['role', eb.fn.countAll<number>().as('n')])
        .groupBy('role')
        .execute()
      const facets = { role: { company_admin: 0, member: 0 } }
      for (const { role, n } of counts) facets.role[role] = Number(n)
      const items = rows.slice(0, page.limit).map(toInvitation)
      return { items, totalCount: facets.role.company_admin + facets.role.member, facets, nextAfterId: rows.length > page.limit ? (items.at(-1)?.id ?? null) : null }
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
