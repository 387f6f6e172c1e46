import type { Role } from '@brandwave/core'
import type { ExpressionBuilder, Kysely, Selectable } from 'kysely'
import { compiledOnce } from './compiled-once.js'
import type { Dialect } from './database.js'
import { lockingInKeyOrder } from './lock-order.js'
import type { Database, SessionsTable } from './schema.js'

/** A signed-in session of one user in one organization. */
export interface Session {
  readonly id: string
  readonly userId: string
  readonly organizationId: string
  readonly createdAt: string
  /** Refresh horizon: slides forward on each refresh. */
  readonly expiresAt: string
  readonly endedAt: string | null
}

/** A single-use refresh token of a session; only its keyed hash is kept. */
export interface RefreshToken {
  readonly id: string
  readonly sessionId: string
  readonly expiresAt: string
  readonly usedAt: string | null
}

function toSession(row: Selectable<SessionsTable>): Session {
  return { id: row.id, userId: row.user_id, organizationId: row.organization_id, createdAt: row.created_at, expiresAt: row.expires_at, endedAt: row.ended_at }
}

/** What authenticating a session's access token needs, in one read. */
export interface SessionForAuthentication {
  readonly session: Session
  readonly user: { readonly id: string; readonly email: string; readonly name: string; readonly twoFactorEnabled: boolean }
  /** The user's current role in the session's organization; null once removed from it. */
  readonly role: Role | null
}

/** Sessions and their single-use refresh tokens. */
export function sessionRepository(db: Kysely<Database>, dialect: Dialect) {
  /** A session with what the verification path needs of its user and membership. */
  const authenticationLookup = compiledOnce((sessionId) =>
    db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .leftJoin('memberships', (join) => join.onRef('memberships.organization_id', '=', 'sessions.organization_id').onRef('memberships.user_id', '=', 'sessions.user_id'))
      .selectAll('sessions')
      .select(['users.email', 'users.name', 'users.totp_enabled_at', 'memberships.role'])
      .where('sessions.id', '=', sessionId),
  )

  return {
    async create(row: { id: string; userId: string; organizationId: string; createdAt: string; expiresAt: string; ip: string | null; userAgent: string | null }): Promise<void> {
      await db
        .insertInto('sessions')
        .values({
          id: row.id,
          user_id: row.userId,
          organization_id: row.organizationId,
          created_at: row.createdAt,
          expires_at: row.expiresAt,
          ended_at: null,
          end_reason: null,
          ip: row.ip,
          user_agent: row.userAgent,
        })
        .execute()
    },

    async findForAuthentication(sessionId: string): Promise<SessionForAuthentication | undefined> {
      const [row] = (await db.executeQuery(authenticationLookup(sessionId))).rows
      if (row === undefined) return undefined
      return { session: toSession(row), user: { id: row.user_id, email: row.email, name: row.name, twoFactorEnabled: row.totp_enabled_at !== null }, role: row.role }
    },

    async addRefreshToken(row: { id: string; sessionId: string; tokenHash: string; createdAt: string; expiresAt: string }): Promise<void> {
      await db
        .insertInto('refresh_tokens')
        .values({ id: row.id, session_id: row.sessionId, token_hash: row.tokenHash, created_at: row.createdAt, expires_at: row.expiresAt, used_at: null })
        .execute()
    },

    async findRefreshToken(tokenHash: string): Promise<{ token: RefreshToken; session: Session } | undefined> {
      const row = await db
        .selectFrom('refresh_tokens')
        .innerJoin('sessions', 'sessions.id', 'refresh_tokens.session_id')
        .select([
          'refresh_tokens.id as token_id',
          'refresh_tokens.expires_at as token_expires_at',
          'refresh_tokens.used_at',
        ])
        .selectAll('sessions')
        .where('refresh_tokens.token_hash', '=', tokenHash)
        .executeTakeFirst()
      if (row === undefined) return undefined
      return { token: { id: row.token_id, sessionId: row.id, expiresAt: row.token_expires_at, usedAt: row.used_at }, session: toSession(row) }
    },

    /** Marks a refresh token used unless it already was; true when this call did it. */
    async useRefreshToken(id: string, now: string): Promise<boolean> {
      const result = await db.updateTable('refresh_tokens').set({ used_at: now }).where('id', '=', id).where('used_at', 'is', null).executeTakeFirst()
      return result.numUpdatedRows > 0n
    },

    async extend(sessionId: string, expiresAt: string): Promise<void> {
      await db.updateTable('sessions').set({ expires_at: expiresAt }).where('id', '=', sessionId).execute()
    },

    /** Ends a session unless it already ended; true when this call did it. */
    async end(sessionId: string, now: string, reason: string): Promise<boolean> {
      const result = await db
        .updateTable('sessions')
        .set({ ended_at: now, end_reason: reason })
        .where('id', '=', sessionId)
        .where('ended_at', 'is', null)
        .executeTakeFirst()
      return result.numUpdatedRows > 0n
    },

    /** Whether the user signed in from this address since `since` (the sign-in throttle's "familiar address"). */
    async hasSignedInFrom(userId: string, ip: string, since: string): Promise<boolean> {
      const row = await db.selectFrom('sessions').select('id').where('user_id', '=', userId).where('ip', '=', ip).where('created_at', '>=', since).limit(1).executeTakeFirst()
      return row !== undefined
    },

    /**
     * Ends every live session of a user (optionally in one organization, optionally but one).
     * Removing a member and changing or resetting a password may end the same sessions at
     * once: their row locks go in id order (lock-order.ts).
     */
    async endAllOfUser(userId: string, now: string, reason: string, options: { organizationId?: string; exceptSessionId?: string } = {}): Promise<number> {
      const { organizationId, exceptSessionId } = options
      const live = (eb: ExpressionBuilder<Database, 'sessions'>) =>
        eb.and([
          eb('user_id', '=', userId),
          eb('ended_at', 'is', null),
          ...(organizationId === undefined ? [] : [eb('organization_id', '=', organizationId)]),
          ...(exceptSessionId === undefined ? [] : [eb('id', '!=', exceptSessionId)]),
        ])
      if (dialect === 'postgres') await lockingInKeyOrder(db.selectFrom('sessions').select('id').where(live), 'id').execute()
      const result = await db.updateTable('sessions').set({ ended_at: now, end_reason: reason }).where(live).executeTakeFirst()
      return Number(result.numUpdatedRows)
    },
  }
}

export type SessionRepository = ReturnType<typeof sessionRepository>
