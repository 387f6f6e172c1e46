import type { CredentialStatus, Refill, Role, Scope } from '@brandwave/core'
import { sql, type Expression, type ExpressionBuilder, type Kysely, type Selectable, type SqlBool } from 'kysely'
import { compiledOnce } from './compiled-once.js'
import type { Dialect } from './database.js'
import { containsIgnoringCase } from './like.js'
import { byteOrder, lockingInKeyOrder } from './lock-order.js'
import type { ActorType, CredentialsTable, Database, OwnerKind } from './schema.js'

export type CredentialRow = Selectable<CredentialsTable>

/** A stored credential with its JSON columns decoded. Never carries the secret. */
export interface CredentialRecord {
  readonly seq: number
  readonly id: string
  readonly organizationId: string
  readonly ownerKind: OwnerKind
  readonly ownerUserId: string | null
  readonly name: string
  readonly environment: 'live' | 'test'
  readonly start: string
  readonly last4: string
  readonly scopes: readonly Scope[] | null
  readonly allowedIps: readonly string[] | null
  readonly rateLimitPerMinute: number | null
  readonly createdBy: { readonly type: ActorType; readonly id: string | null; readonly name: string }
  readonly createdAt: string
  readonly updatedAt: string
  readonly expiresAt: string | null
  readonly revokedAt: string | null
  readonly revokedReason: string | null
  /** When a leak report first named it, and where the token was found (SPEC §10). */
  readonly exposedAt: string | null
  readonly exposedUrl: string | null
  readonly lastUsedAt: string | null
  readonly lastUsedIp: string | null
  readonly familyId: string
  readonly rotatedFromId: string | null
  readonly rotatedToId: string | null
  /** The owner's id in the customer's own system (issue 24). */
  readonly externalId: string | null
  /** The customer's JSON object as stored, serialized: parsed only by what shows it. */
  readonly metadataJson: string | null
  /** Uses left as last written (a refill may be due: see `currentRemaining`); null: unlimited. */
  readonly remaining: number | null
  readonly refill: Refill | null
  readonly refilledAt: string | null
  readonly disabledAt: string | null
  /** Rotated with `graceStartsOnFirstUse`: the grace period still waiting for the successor's first use. */
  readonly firstUseGraceSeconds: number | null
  /** When the budget was last set (created or changed), not spent or refilled: the epoch of a count kept in Redis. */
  readonly budgetSetAt: string | null
}

/** What inserting a credential takes: its record's fixed fields, and the hash of its secret. */
export type NewCredential = Pick<
  CredentialRecord,
  | 'id'
  | 'organizationId'
  | 'ownerKind'
  | 'ownerUserId'
  | 'name'
  | 'environment'
  | 'start'
  | 'last4'
  | 'scopes'
  | 'allowedIps'
  | 'rateLimitPerMinute'
  | 'createdBy'
  | 'createdAt'
  | 'expiresAt'
  | 'familyId'
  | 'rotatedFromId'
  | 'externalId'
  | 'metadataJson'
  | 'remaining'
  | 'refill'
  | 'refilledAt'
  | 'budgetSetAt'
> & { readonly tokenHash: string }

/** What PATCH may change; absent fields stay as they are. */
export interface CredentialChanges {
  readonly name?: string
  readonly allowedIps?: readonly string[] | null
  readonly rateLimitPerMinute?: number | null
  readonly externalId?: string | null
  readonly metadataJson?: string | null
  /** A new budget starts from `refilledAt`; `setAt` is its epoch, later than the one it replaces. */
  readonly budget?: { readonly remaining: number | null; readonly refill: Refill | null; readonly refilledAt: string | null; readonly setAt: string }
}

/** The outcome of spending uses: whether they were there, and what is left (null: unlimited after all). */
export type SpendResult = { readonly spent: true; readonly remaining: number | null } | { readonly spent: false; readonly remaining: number }

/** Which credentials a list or lookup may see: one owner's PATs, or one organization's API keys. */
export interface CredentialOwner {
  readonly organizationId: string
  readonly ownerKind: OwnerKind
  /** Required for `user`-owned credentials: a user sees only their own tokens. */
  readonly ownerUserId: string | null
}

export interface CredentialListFilter {
  readonly status?: CredentialStatus
  readonly environment?: 'live' | 'test'
  readonly search?: string
  readonly externalId?: string
}

export interface CredentialPage {
  readonly items: CredentialRecord[]
  readonly totalCount: number
  readonly facets: { status: Record<CredentialStatus, number>; environment: Record<'live' | 'test', number> }
  /** The `seq` to continue after, or null on the last page. */
  readonly nextAfterSeq: number | null
}

export interface UsageEntry {
  readonly credentialId: string
  readonly at: string
  readonly ip: string | null
}

/** A stored row as the record the rest of the server sees; the token hash stays here. */
export function toCredentialRecord(row: CredentialRow): CredentialRecord {
  return {
    seq: row.seq,
    id: row.id,
    organizationId: row.organization_id,
    ownerKind: row.owner_kind,
    ownerUserId: row.owner_user_id,
    name: row.name,
    environment: row.environment,
    start: row.start,
    last4: row.last4,
    scopes: row.scopes === null ? null : (JSON.parse(row.scopes) as Scope[]),
    allowedIps: row.allowed_ips === null ? null : (JSON.parse(row.allowed_ips) as string[]),
    rateLimitPerMinute: row.rate_limit_per_minute,
    createdBy: { type: row.created_by_type, id: row.created_by_id, name: row.created_by_name },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    revokedReason: row.revoked_reason,
    exposedAt: row.exposed_at,
    exposedUrl: row.exposed_url,
    lastUsedAt: row.last_used_at,
    lastUsedIp: row.last_used_ip,
    familyId: row.family_id,
    rotatedFromId: row.rotated_from_id,
    rotatedToId: row.rotated_to_id,
    externalId: row.external_id,
    metadataJson: row.metadata,
    remaining: row.remaining,
    refill: row.refill_interval === null || row.refill_amount === null ? null : { interval: row.refill_interval, amount: row.refill_amount, day: row.refill_day },
    refilledAt: row.refilled_at,
    disabledAt: row.disabled_at,
    firstUseGraceSeconds: row.first_use_grace_seconds,
    budgetSetAt: row.budget_set_at,
  }
}

type CredentialExpression = ExpressionBuilder<Database, 'credentials'>

function statusCondition(eb: CredentialExpression, status: CredentialStatus, now: string) {
  switch (status) {
    case 'revoked':
      return eb('revoked_at', 'is not', null)
    case 'disabled':
      return eb.and([eb('revoked_at', 'is', null), eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]), eb('disabled_at', 'is not', null)])
    case 'expired':
      return eb.and([eb('revoked_at', 'is', null), eb('expires_at', 'is not', null), eb('expires_at', '<=', now)])
    case 'active':
      return eb.and([eb('revoked_at', 'is', null), eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]), eb('disabled_at', 'is', null)])
  }
}

/** The credential table: PATs and API keys alike. */
export function credentialRepository(db: Kysely<Database>, dialect: Dialect) {
  /**
   * A rotated credential spends its family's one budget, held by the newest of the family
   * (`storage/spends.ts`): shown with that budget, not the copy its own row kept at rotation.
   */
  async function withSharedBudgets(records: CredentialRecord[]): Promise<CredentialRecord[]> {
    const families = [...new Set(records.filter((record) => record.rotatedToId !== null && record.remaining !== null).map((record) => record.familyId))]
    if (families.length === 0) return records
    const holders = await db
      .selectFrom('credentials')
      .select(['family_id', 'remaining', 'refill_interval', 'refill_amount', 'refill_day', 'refilled_at', 'budget_set_at'])
      .where('family_id', 'in', families)
      .where('rotated_to_id', 'is', null)
      .execute()
    const byFamily = new Map(holders.map((holder) => [holder.family_id, holder]))
    return records.map((record) => {
      const holder = record.rotatedToId === null || record.remaining === null ? undefined : byFamily.get(record.familyId)
      if (holder === undefined) return record
      const refill = holder.refill_interval === null || holder.refill_amount === null ? null : { interval: holder.refill_interval, amount: holder.refill_amount, day: holder.refill_day }
      return { ...record, remaining: holder.remaining, refill, refilledAt: holder.refilled_at, budgetSetAt: holder.budget_set_at }
    })
  }

  /** Locks the credentials `filter` selects in id order, before a statement changes them all (see lock-order.ts). */
  async function lockInIdOrder(filter: (eb: CredentialExpression) => Expression<SqlBool>): Promise<void> {
    if (dialect === 'postgres') await lockingInKeyOrder(db.selectFrom('credentials').select('id').where(filter), 'id').execute()
  }

  function ownedBy(owner: CredentialOwner) {
    return (eb: CredentialExpression) =>
      eb.and([
        eb('organization_id', '=', owner.organizationId),
        eb('owner_kind', '=', owner.ownerKind),
        owner.ownerUserId === null ? eb('owner_user_id', 'is', null) : eb('owner_user_id', '=', owner.ownerUserId),
      ])
  }

  function filtered(owner: CredentialOwner, filter: CredentialListFilter, now: string) {
    return (eb: CredentialExpression) => {
      const conditions = [ownedBy(owner)(eb)]
      if (filter.status !== undefined) conditions.push(statusCondition(eb, filter.status, now))
      if (filter.environment !== undefined) conditions.push(eb('environment', '=', filter.environment))
      if (filter.externalId !== undefined) conditions.push(eb('external_id', '=', filter.externalId))
      if (filter.search !== undefined) {
        conditions.push(eb.or([containsIgnoringCase(sql.ref('name'), filter.search), containsIgnoringCase(sql.ref('start'), filter.search)]))
      }
      return eb.and(conditions)
    }
  }

  /**
   * The verification lookup (SPEC §7 step 2): one indexed read by token hash, joined with
   * the owner's current membership so a demoted or removed owner is seen at once.
   */
  const verificationLookup = compiledOnce((tokenHash) =>
    db
      .selectFrom('credentials')
      .leftJoin('memberships', (join) => join.onRef('memberships.organization_id', '=', 'credentials.organization_id').onRef('memberships.user_id', '=', 'credentials.owner_user_id'))
      .leftJoin('users', 'users.id', 'credentials.owner_user_id')
      .selectAll('credentials')
      .select(['memberships.role as owner_role', 'users.name as owner_name'])
      .where('credentials.token_hash', '=', tokenHash),
  )

  return {
    async insert(credential: NewCredential): Promise<CredentialRecord> {
      const row = await db
        .insertInto('credentials')
        .values({
          id: credential.id,
          organization_id: credential.organizationId,
          owner_kind: credential.ownerKind,
          owner_user_id: credential.ownerUserId,
          name: credential.name,
          environment: credential.environment,
          token_hash: credential.tokenHash,
          start: credential.start,
          last4: credential.last4,
          scopes: credential.scopes === null ? null : JSON.stringify(credential.scopes),
          allowed_ips: credential.allowedIps === null ? null : JSON.stringify(credential.allowedIps),
          rate_limit_per_minute: credential.rateLimitPerMinute,
          created_by_type: credential.createdBy.type,
          created_by_id: credential.createdBy.id,
          created_by_name: credential.createdBy.name,
          created_at: credential.createdAt,
          updated_at: credential.createdAt,
          expires_at: credential.expiresAt,
          revoked_at: null,
          revoked_reason: null,
          last_used_at: null,
          last_used_ip: null,
          family_id: credential.familyId,
          rotated_from_id: credential.rotatedFromId,
          rotated_to_id: null,
          external_id: credential.externalId,
          metadata: credential.metadataJson,
          remaining: credential.remaining,
          refill_interval: credential.refill?.interval ?? null,
          refill_amount: credential.refill?.amount ?? null,
          refill_day: credential.refill?.day ?? null,
          refilled_at: credential.refilledAt,
          budget_set_at: credential.budgetSetAt,
        })
        .returningAll()
        .executeTakeFirstOrThrow()
      return toCredentialRecord(row)
    },

    /**
     * The verification lookup (SPEC §7 step 2): one indexed read by token hash, joined
     * with the owner's current membership so a demoted or removed owner is seen at once.
     */
    async findForVerification(tokenHash: string): Promise<{ credential: CredentialRecord; ownerRole: Role | null; ownerName: string | null } | undefined> {
      const [row] = (await db.executeQuery(verificationLookup(tokenHash))).rows
      if (row === undefined) return undefined
      const { owner_role: ownerRole, owner_name: ownerName, ...credential } = row
      return { credential: toCredentialRecord(credential), ownerRole, ownerName }
    },

    async findOwnedBySeq(owner: CredentialOwner, seq: number): Promise<CredentialRecord | undefined> {
      const row = await db.selectFrom('credentials').selectAll().where(ownedBy(owner)).where('seq', '=', seq).executeTakeFirst()
      return row === undefined ? undefined : (await withSharedBudgets([toCredentialRecord(row)]))[0]
    },

    async findOwned(owner: CredentialOwner, id: string): Promise<CredentialRecord | undefined> {
      const row = await db.selectFrom('credentials').selectAll().where(ownedBy(owner)).where('id', '=', id).executeTakeFirst()
      return row === undefined ? undefined : (await withSharedBudgets([toCredentialRecord(row)]))[0]
    },

    async list(owner: CredentialOwner, filter: CredentialListFilter, page: { limit: number; afterSeq: number | null }, now: string): Promise<CredentialPage> {
      let query = db.selectFrom('credentials').selectAll().where(filtered(owner, filter, now))
      if (page.afterSeq !== null) query = query.where('seq', '<', page.afterSeq)
      const rows = await query.orderBy('seq', 'desc').limit(page.limit + 1).execute()

      const countWhere = (eb: CredentialExpression, status: CredentialStatus) => eb.fn.sum<number>(eb.case().when(statusCondition(eb, status, now)).then(1).else(0).end())
      const groups = await db
        .selectFrom('credentials')
        .where(filtered(owner, filter, now))
        .select((eb) => [
          'environment',
          eb.fn.countAll<number>().as('n'),
          countWhere(eb, 'revoked').as('revoked'),
          countWhere(eb, 'expired').as('expired'),
          countWhere(eb, 'disabled').as('disabled'),
        ])
        .groupBy('environment')
        .execute()

      const facets: CredentialPage['facets'] = { status: { active: 0, disabled: 0, expired: 0, revoked: 0 }, environment: { live: 0, test: 0 } }
      let totalCount = 0
      for (const group of groups) {
        const [n, revoked, expired, disabled] = [Number(group.n), Number(group.revoked), Number(group.expired), Number(group.disabled)]
        facets.environment[group.environment] += n
        facets.status.revoked += revoked
        facets.status.expired += expired
        facets.status.disabled += disabled
        facets.status.active += n - revoked - expired - disabled
        totalCount += n
      }
      const items = await withSharedBudgets(rows.slice(0, page.limit).map(toCredentialRecord))
      return { items, totalCount, facets, nextAfterSeq: rows.length > page.limit ? (items.at(-1)?.seq ?? null) : null }
    },

    async update(id: string, changes: CredentialChanges, now: string): Promise<void> {
      const { budget } = changes
      await db
        .updateTable('credentials')
        .set({
          ...(changes.name !== undefined && { name: changes.name }),
          ...(changes.allowedIps !== undefined && { allowed_ips: changes.allowedIps === null ? null : JSON.stringify(changes.allowedIps) }),
          ...(changes.rateLimitPerMinute !== undefined && { rate_limit_per_minute: changes.rateLimitPerMinute }),
          ...(changes.externalId !== undefined && { external_id: changes.externalId }),
          ...(changes.metadataJson !== undefined && { metadata: changes.metadataJson }),
          ...(budget !== undefined && {
            remaining: budget.remaining,
            refill_interval: budget.refill?.interval ?? null,
            refill_amount: budget.refill?.amount ?? null,
            refill_day: budget.refill?.day ?? null,
            refilled_at: budget.refilledAt,
            budget_set_at: budget.setAt,
          }),
          updated_at: now,
        })
        .where('id', '=', id)
        .execute()
    },

    /**
     * Locks every row of a rotation family in id order (see lock-order.ts): first in a
     * transaction that changes the holder and then its predecessors, which would otherwise lock
     * the holder, often the higher id, before rows the batched usage write locks lower first.
     */
    async lockFamily(familyId: string): Promise<void> {
      await lockInIdOrder((eb) => eb('family_id', '=', familyId))
    },

    /**
     * The budget of `holderId` changed to metered (or to unlimited): its predecessors of the
     * family, which spend it (`spends.ts`), say so too. Their own figure is never spent, only
     * whether it is null, so any number will do; 0 keeps a stale copy from looking like uses.
     */
    async setPredecessorsMetered(familyId: string, holderId: string, metered: boolean, budgetSetAt: string, now: string): Promise<void> {
      await db
        .updateTable('credentials')
        // The budget's epoch too: a predecessor spends with the one its own row names.
        .set({ remaining: metered ? 0 : null, budget_set_at: budgetSetAt, updated_at: now })
        .where('family_id', '=', familyId)
        .where('id', '!=', holderId)
        .where('rotated_to_id', 'is not', null)
        .where('revoked_at', 'is', null)
        .execute()
    },

    /** Disables (`at`) or enables (null) a credential that is not revoked; true when this call changed it. */
    async setDisabled(id: string, at: string | null, now: string): Promise<boolean> {
      const result = await db
        .updateTable('credentials')
        .set({ disabled_at: at, updated_at: now })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .where('disabled_at', at === null ? 'is not' : 'is', null)
        .executeTakeFirst()
      return result.numUpdatedRows > 0n
    },

    /**
     * The successor `successorId` was used for the first time at `at`: the grace period of the
     * credential it replaced, which waited for this, starts now. Once only, across instances
     * (conditional on the grace still waiting); true when this call set it.
     */
    async startGraceOnFirstUse(successorId: string, at: number, now: string): Promise<boolean> {
      const waiting = await db
        .selectFrom('credentials')
        .select(['id', 'expires_at', 'first_use_grace_seconds'])
        .where('rotated_to_id', '=', successorId)
        .where('first_use_grace_seconds', 'is not', null)
        .executeTakeFirst()
      if (waiting === undefined || waiting.first_use_grace_seconds === null) return false
      const graceEnd = at + waiting.first_use_grace_seconds * 1000
      const expiresAt = waiting.expires_at === null ? graceEnd : Math.min(Date.parse(waiting.expires_at), graceEnd)
      const result = await db
        .updateTable('credentials')
        .set({ expires_at: new Date(expiresAt).toISOString(), first_use_grace_seconds: null, updated_at: now })
        .where('id', '=', waiting.id)
        .where('first_use_grace_seconds', 'is not', null)
        .executeTakeFirst()
      return result.numUpdatedRows > 0n
    },

    /** Revokes unless already revoked; true when this call did it. */
    async revoke(id: string, now: string, reason: string): Promise<boolean> {
      const result = await db
        .updateTable('credentials')
        .set({ revoked_at: now, revoked_reason: reason, updated_at: now })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst()
      return result.numUpdatedRows > 0n
    },

    /** Revokes every live PAT a user holds in an organization (removal from it); returns how many. */
    async revokeAllOfUser(organizationId: string, userId: string, now: string, reason: string): Promise<number> {
      const live = (eb: CredentialExpression) =>
        eb.and([eb('organization_id', '=', organizationId), eb('owner_kind', '=', 'user'), eb('owner_user_id', '=', userId), eb('revoked_at', 'is', null)])
      await lockInIdOrder(live)
      const result = await db
        .updateTable('credentials')
        .set({ revoked_at: now, revoked_reason: reason, updated_at: now })
        .where(live)
        .executeTakeFirst()
      return Number(result.numUpdatedRows)
    },

    /** Revokes every live member of a rotation family; returns how many. */
    async revokeFamily(familyId: string, now: string, reason: string): Promise<number> {
      const live = (eb: CredentialExpression) => eb.and([eb('family_id', '=', familyId), eb('revoked_at', 'is', null)])
      await lockInIdOrder(live)
      const result = await db
        .updateTable('credentials')
        .set({ revoked_at: now, revoked_reason: reason, updated_at: now })
        .where(live)
        .executeTakeFirst()
      return Number(result.numUpdatedRows)
    },

    /**
     * Marks `id` as rotated to `successorId`, with its new expiry (or revoked now), only if
     * it is still rotatable: not revoked, not expired, not rotated before. Atomic, so two
     * concurrent rotations cannot both succeed.
     */
    async markRotated(
      id: string,
      successorId: string,
      change: { revokedAt: string | null; expiresAt: string | null; firstUseGraceSeconds?: number },
      now: string,
    ): Promise<boolean> {
      const result = await db
        .updateTable('credentials')
        .set({
          rotated_to_id: successorId,
          revoked_at: change.revokedAt,
          revoked_reason: change.revokedAt === null ? null : 'rotated',
          expires_at: change.expiresAt,
          first_use_grace_seconds: change.firstUseGraceSeconds ?? null,
          updated_at: now,
        })
        .where('id', '=', id)
        .where('rotated_to_id', 'is', null)
        .where('revoked_at', 'is', null)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
        .executeTakeFirst()
      return result.numUpdatedRows > 0n
    },

    /**
     * A rotation hands its budget over (in the rotation's transaction, after `markRotated`
     * locked the old row): the successor takes the old row's remaining uses as they are now,
     * and the old row keeps 0 (a predecessor spends its family's budget, see `spends.ts`). A
     * spend that waited for the old row then finds nothing there and tries the new holder,
     * so none is counted on a copy that is no longer spent.
     */
    async handOverBudget(fromId: string, toId: string, now: string): Promise<void> {
      const from = await db.selectFrom('credentials').select(['remaining', 'refilled_at', 'budget_set_at']).where('id', '=', fromId).executeTakeFirst()
      if (from === undefined || from.remaining === null) return
      await db
        .updateTable('credentials')
        .set({ remaining: from.remaining, refilled_at: from.refilled_at, budget_set_at: from.budget_set_at, updated_at: now })
        .where('id', '=', toId)
        .execute()
      await db.updateTable('credentials').set({ remaining: 0 }).where('id', '=', fromId).execute()
    },

    /** Writes batched usage; never moves `lastUsedAt` backwards. */
    async recordUsage(entries: readonly UsageEntry[]): Promise<void> {
      // One transaction per batch: one commit (and one fsync on SQLite) however many keys;
      // its row locks in id order, like every writer of several credentials (lock-order.ts).
      const ordered = [...entries].sort((a, b) => byteOrder(a.credentialId, b.credentialId))
      await db.transaction().execute(async (trx) => {
        for (const entry of ordered) {
          await trx
            .updateTable('credentials')
            .set({ last_used_at: entry.at, last_used_ip: entry.ip })
            .where('id', '=', entry.credentialId)
            .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', entry.at)]))
            .execute()
        }
      })
    },
  }
}

export type CredentialRepository = ReturnType<typeof credentialRepository>
