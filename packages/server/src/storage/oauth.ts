import type { Role } from '@brandwave/core'
import { sql, type Expression, type ExpressionBuilder, type Kysely, type Selectable, type SqlBool } from 'kysely'
import type { Dialect } from './database.js'
import { lockingInKeyOrder } from './lock-order.js'
import type { Database, OAuthAuthorizationsTable, OAuthModelsTable } from './schema.js'

export type OAuthModelRow = Selectable<OAuthModelsTable>
/** A user's consent to an app in one organization: Brandwave's record beside oidc-provider's grant. */
export interface OAuthAuthorization {
  readonly grantId: string
  readonly clientId: string
  readonly clientName: string | null
  readonly userId: string
  readonly organizationId: string
  readonly scopes: readonly string[]
  readonly createdAt: string
  readonly lastUsedAt: string | null
  readonly revokedAt: string | null
}

function toAuthorization(row: Selectable<OAuthAuthorizationsTable>): OAuthAuthorization {
  return {
    grantId: row.grant_id,
    clientId: row.client_id,
    clientName: row.client_name,
    userId: row.user_id,
    organizationId: row.organization_id,
    scopes: JSON.parse(row.scopes) as string[],
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  }
}

/** An access token as the verification path needs it: its sealed payload, its consent, and the user now. */
export interface OAuthAccessTokenForVerification {
  readonly payload: string
  readonly authorization: OAuthAuthorization
  readonly userName: string
  readonly userEmail: string
  /** The user's role in the consent's organization now; null once they left it. */
  readonly role: Role | null
}

/** oidc-provider's storage (`oauth_models`), by keyed hash only: no plaintext id is ever a key. */
export function oauthModelRepository(db: Kysely<Database>, dialect: Dialect) {
  /**
   * The models `filter` selects, for a statement that deletes several: on PostgreSQL it
   * locks them in key order itself, since it may run outside a transaction (lock-order.ts).
   */
  const inKeyOrder = (filter: (eb: ExpressionBuilder<Database, 'oauth_models'>) => Expression<SqlBool>) => (eb: ExpressionBuilder<Database, 'oauth_models'>) =>
    dialect === 'postgres'
      ? sql<SqlBool>`(model, id_hash) in (${lockingInKeyOrder(db.selectFrom('oauth_models').select(['model', 'id_hash']).where(filter), 'model', 'id_hash')})`
      : filter(eb)

  return {
    async upsert(row: OAuthModelRow): Promise<void> {
      await db
        .insertInto('oauth_models')
        .values(row)
        .onConflict((conflict) =>
          conflict.columns(['model', 'id_hash']).doUpdateSet({ grant_id: row.grant_id, uid_hash: row.uid_hash, payload: row.payload, expires_at: row.expires_at, consumed_at: row.consumed_at }),
        )
        .execute()
    },

    find(model: string, idHash: string): Promise<OAuthModelRow | undefined> {
      return db.selectFrom('oauth_models').selectAll().where('model', '=', model).where('id_hash', '=', idHash).executeTakeFirst()
    },

    findByUid(model: string, uidHash: string): Promise<OAuthModelRow | undefined> {
      return db.selectFrom('oauth_models').selectAll().where('model', '=', model).where('uid_hash', '=', uidHash).executeTakeFirst()
    },

    async consume(model: string, idHash: string, now: string): Promise<void> {
      await db.updateTable('oauth_models').set({ consumed_at: now }).where('model', '=', model).where('id_hash', '=', idHash).execute()
    },

    async destroy(model: string, idHash: string): Promise<boolean> {
      const result = await db.deleteFrom('oauth_models').where('model', '=', model).where('id_hash', '=', idHash).executeTakeFirst()
      return result.numDeletedRows > 0n
    },

    /** Every code and token of the grants (and the grants themselves, whose model keys them by their own id). */
    async destroyGrants(grantIds: readonly string[]): Promise<number> {
      if (grantIds.length === 0) return 0
      const result = await db.deleteFrom('oauth_models').where(inKeyOrder((eb) => eb('grant_id', 'in', grantIds))).executeTakeFirst()
      return Number(result.numDeletedRows)
    },

    /** Drops what has expired; oidc-provider never reads it again. Its rows may be a grant's that is being destroyed. */
    async purgeExpired(now: string): Promise<void> {
      await db.deleteFrom('oauth_models').where(inKeyOrder((eb) => eb('expires_at', '<=', now))).execute()
    },

    /** One read for `/v1`: the token, its consent (still standing) and its user's role now. */
    async findAccessTokenForVerification(idHash: string): Promise<OAuthAccessTokenForVerification | undefined> {
      const row = await db
        .selectFrom('oauth_models as m')
        .innerJoin('oauth_authorizations as a', 'a.grant_id', 'm.grant_id')
        .innerJoin('users as u', 'u.id', 'a.user_id')
        .leftJoin('memberships as ms', (join) => join.onRef('ms.user_id', '=', 'a.user_id').onRef('ms.organization_id', '=', 'a.organization_id'))
        .select([
          'm.payload',
          'a.grant_id',
          'a.client_id',
          'a.client_name',
          'a.user_id',
          'a.organization_id',
          'a.scopes',
          'a.created_at',
          'a.last_used_at',
          'a.revoked_at',
          'u.name as user_name',
          'u.email as user_email',
          'ms.role',
        ])
        .where('m.model', '=', 'AccessToken')
        .where('m.id_hash', '=', idHash)
        .executeTakeFirst()
      if (row === undefined) return undefined
      const { payload, user_name, user_email, role, ...authorization } = row
      return { payload, authorization: toAuthorization(authorization), userName: user_name, userEmail: user_email, role: role ?? null }
    },
  }
}

/** Brandwave's record of each consent (`oauth_authorizations`). */
export function oauthAuthorizationRepository(db: Kysely<Database>, dialect: Dialect) {
  type Filter = (eb: ExpressionBuilder<Database, 'oauth_authorizations'>) => Expression<SqlBool>
  /**
   * Revokes the standing consents `filter` selects; returns their grant ids. A user revoking
   * an app and an admin removing them may revoke the same consents at once: row locks in
   * grant id order, taken first in the caller's transaction (lock-order.ts).
   */
  async function revokeWhere(filter: Filter, now: string): Promise<string[]> {
    const standing: Filter = (eb) => eb.and([filter(eb), eb('revoked_at', 'is', null)])
    if (dialect === 'postgres') await lockingInKeyOrder(db.selectFrom('oauth_authorizations').select('grant_id').where(standing), 'grant_id').execute()
    const rows = await db.updateTable('oauth_authorizations').set({ revoked_at: now }).where(standing).returning('grant_id').execute()
    return rows.map((row) => row.grant_id)
  }

  return {
    async insert(authorization: OAuthAuthorization): Promise<void> {
      await db
        .insertInto('oauth_authorizations')
        .values({
          grant_id: authorization.grantId,
          client_id: authorization.clientId,
          client_name: authorization.clientName,
          user_id: authorization.userId,
          organization_id: authorization.organizationId,
          scopes: JSON.stringify(authorization.scopes),
          created_at: authorization.createdAt,
          last_used_at: authorization.lastUsedAt,
          revoked_at: authorization.revokedAt,
        })
        .execute()
    },

    async findByGrant(grantId: string): Promise<OAuthAuthorization | undefined> {
      const row = await db.selectFrom('oauth_authorizations').selectAll().where('grant_id', '=', grantId).executeTakeFirst()
      return row && toAuthorization(row)
    },

    /** The user's standing consents in one organization, oldest first. */
    async listActive(userId: string, organizationId: string): Promise<OAuthAuthorization[]> {
      const rows = await db
        .selectFrom('oauth_authorizations')
        .selectAll()
        .where('user_id', '=', userId)
        .where('organization_id', '=', organizationId)
        .where('revoked_at', 'is', null)
        .orderBy('created_at', 'asc')
        .orderBy('grant_id', 'asc')
        .execute()
      return rows.map(toAuthorization)
    },

    /** Marks every standing consent of the user to this client revoked; returns their grant ids. */
    revokeClient(userId: string, organizationId: string, clientId: string, now: string): Promise<string[]> {
      return revokeWhere((eb) => eb.and([eb('user_id', '=', userId), eb('organization_id', '=', organizationId), eb('client_id', '=', clientId)]), now)
    },

    /** Someone left the organization: every app they authorized there ends for good; returns the grant ids. */
    revokeAllOfUser(organizationId: string, userId: string, now: string): Promise<string[]> {
      return revokeWhere((eb) => eb.and([eb('user_id', '=', userId), eb('organization_id', '=', organizationId)]), now)
    },

    async markRevoked(grantId: string, now: string): Promise<boolean> {
      const result = await db.updateTable('oauth_authorizations').set({ revoked_at: now }).where('grant_id', '=', grantId).where('revoked_at', 'is', null).executeTakeFirst()
      return result.numUpdatedRows > 0n
    },

    async recordUsage(entries: readonly { credentialId: string; at: string }[]): Promise<void> {
      for (const entry of entries) {
        await db.updateTable('oauth_authorizations').set({ last_used_at: entry.at }).where('grant_id', '=', entry.credentialId).execute()
      }
    },
  }
}

export type OAuthModelRepository = ReturnType<typeof oauthModelRepository>
export type OAuthAuthorizationRepository = ReturnType<typeof oauthAuthorizationRepository>
