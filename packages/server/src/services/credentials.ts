import { randomBytes } from 'node:crypto'
import type { CredentialTypeName } from '@brandwave/contract'
import {
  ApiError,
  decideCredential,
  generateToken,
  hashToken,
  parseAllowlist,
  parseToken,
  reachViolations,
  refillPeriodStart,
  type CredentialReach,
  type CredentialStatus,
  type Refill,
  type ReachViolation,
  type Scope,
  type ScopeCatalog,
} from '@brandwave/core'
import { actorOf, type Principal } from '../auth/principal.js'
import type { AccessVersion } from '../shared-state/access-version.js'
import { isoAt, type Clock } from '../clock.js'
import { newId } from '../ids.js'
import type { CredentialChanges, CredentialOwner, CredentialPage, CredentialRecord, SpendResult } from '../storage/credentials.js'
import { type AuditLog } from './audit.js'
import { ANONYMOUS, auditActorOf, type AuditTarget } from './audit-record.js'
import { type RequestContext } from '../request-context.js'
import { budgetOf, checkGrantableScopes, metadataKeys, normalizeAllowedIps, parseExpiry, serializeMetadata, type BudgetInput } from './credential-input.js'
import type { Repositories, Storage } from '../storage/index.js'
import type { SpentNow } from '../storage/spends.js'
import { SpendBatch } from './spend-batch.js'
import type { CountedSpend, RedisBudgets } from '../shared-state/redis-budgets.js'
import type { Version } from '../shared-state/access-version.js'
import type { CredentialPolicyService } from './credential-policy.js'

export type CredentialType = CredentialTypeName

export interface CreateCredentialInput {
  readonly name: string
  readonly expiresAt?: string | null
  /** Omitted for a PAT: every permission of its owner. API keys always have scopes. */
  readonly scopes?: readonly string[]
  readonly environment?: 'live' | 'test'
  readonly allowedIps?: readonly string[] | null
  readonly rateLimit?: { readonly requestsPerMinute: number } | null
  readonly externalId?: string | null
  readonly metadata?: Record<string, unknown> | null
  readonly remaining?: number | null
  readonly refill?: BudgetInput['refill']
}

export interface UpdateCredentialInput {
  readonly name?: string
  readonly allowedIps?: readonly string[] | null
  readonly rateLimit?: { readonly requestsPerMinute: number } | null
  readonly externalId?: string | null
  readonly metadata?: Record<string, unknown> | null
  readonly remaining?: number | null
  readonly refill?: BudgetInput['refill']
}

export interface RotateCredentialInput {
  readonly gracePeriodSeconds?: number
  readonly expiresAt?: string | null
  /** The grace period starts at the successor's first use (at most {@link FIRST_USE_GRACE_CAP_MS} after the rotation). */
  readonly graceStartsOnFirstUse?: boolean
}

/** However long the successor goes unused, a secret rotated away stops working this long after its rotation. */
export const FIRST_USE_GRACE_CAP_MS = 30 * 86_400_000

export interface ListCredentialsInput {
  readonly status?: CredentialStatus
  readonly environment?: 'live' | 'test'
  readonly search?: string
  readonly externalId?: string
  readonly limit: number
  readonly afterSeq: number | null
}

/** A credential with the secret that was just minted for it: shown once, never stored. */
export interface IssuedCredential {
  readonly credential: CredentialRecord
  readonly token: string
}

export type { CredentialRecord }

export interface CredentialServiceDependencies {
  readonly storage: Storage
  readonly tokenPrefix: string
  readonly tokenHashKey: Buffer
  readonly catalog: ScopeCatalog
  readonly accessVersion: AccessVersion
  readonly audit: AuditLog
  readonly clock: Clock
  readonly defaultRateLimitPerMinute: number
  /** The organization's credential policy; without it, no policy applies. */
  readonly policies?: Pick<CredentialPolicyService, 'enforce'>
  /** Where remaining uses are counted when not in the database: Redis, where the deployment has it. */
  readonly budgets?: Pick<RedisBudgets, 'spendTogether' | 'live' | 'countAndSpend'> | null
}

/** The limits a credential keeps when it is minted, rotated or reshaped by another one. */
interface Limits {
  readonly expiresAt?: string | null
  readonly allowedIps?: readonly string[] | null
  readonly rateLimitPerMinute?: number | null
}

const REACH_MESSAGES: Record<ReachViolation, { field: string; message: string }> = {
  expiresAt: { field: '/expiresAt', message: 'cannot be later than the expiry of the token making this request' },
  allowedIps: { field: '/allowedIps', message: 'must stay within the IP allowlist of the token making this request' },
  rateLimit: { field: '/rateLimit', message: 'cannot exceed the rate limit of the token making this request' },
}

/** What spending needs of a credential: its budget's refill rule, and its family, whose newest member holds the budget. */
type SpendingCredential = Pick<CredentialRecord, 'refill' | 'familyId' | 'budgetSetAt'>

const NOT_FOUND = {
  personal_access_token: 'No personal access token of yours has this id.',
  api_key: 'No API key of this organization has this id.',
} as const

function targetOf(credential: CredentialRecord): AuditTarget {
  return { type: credential.ownerKind === 'user' ? 'personal_access_token' : 'api_key', id: credential.id, name: credential.name }
}

/**
 * The lifecycle of PATs and API keys: one implementation for both owner kinds (SPEC §1).
 * Callers have already checked the principal's scope for the operation. Every change is
 * audited in the same transaction, and every change that can deny access moves the access
 * version before the call returns.
 */
export class CredentialService {
  private readonly spends: SpendBatch

  constructor(private readonly deps: CredentialServiceDependencies) {
    this.spends = new SpendBatch(deps.budgets ?? deps.storage)
    // Counted in Redis, a spend always takes a round trip: never on the synchronous path.
    const spendNow = deps.budgets ? null : deps.storage.spendNow
    this.spendNow = spendNow === null
      ? null
      : {
          ready: () => spendNow.ready(),
          spend: (credential, cost) => {
            const now = deps.clock.now()
            const periodStart = credential.refill === null ? null : refillPeriodStart(credential.refill, now)
            return spendNow.spend(credential.familyId, cost, periodStart, now)
          },
        }
  }

  /** Whose credentials of this type the principal may see: its own PATs, or its organization's keys. */
  private ownerFor(principal: Principal, type: CredentialType): CredentialOwner {
    if (type === 'api_key') return { organizationId: principal.organizationId, ownerKind: 'organization', ownerUserId: null }
    if (principal.userId === null) throw new ApiError('forbidden', 'API keys belong to the organization and cannot hold personal access tokens.')
    return { organizationId: principal.organizationId, ownerKind: 'user', ownerUserId: principal.userId }
  }

  async create(principal: Principal, type: CredentialType, input: CreateCredentialInput, context: RequestContext): Promise<IssuedCredential> {
    const now = this.deps.clock.now()
    const owner = this.ownerFor(principal, type)
    // A token minting another passes on its own limits unless the request narrows them.
    const minter = principal.kind === 'credential' ? principal.credential : null
    const limits = {
      expiresAt: input.expiresAt === undefined && minter !== null ? minter.expiresAt : parseExpiry(input.expiresAt, now, '/expiresAt'),
      allowedIps: input.allowedIps === undefined && minter !== null ? minter.allowedIps : (normalizeAllowedIps(input.allowedIps, '/allowedIps') ?? null),
      rateLimitPerMinute: input.rateLimit === undefined && minter !== null ? minter.rateLimitPerMinute : (input.rateLimit?.requestsPerMinute ?? null),
    }
    this.checkReach(principal, limits)
    this.checkNotMetered(principal, '/remaining', 'create credentials')
    const budget = budgetOf({ remaining: input.remaining, refill: input.refill }, null) ?? null
    const environment = input.environment ?? 'live'
    await this.deps.policies?.enforce(owner.organizationId, {
      environment,
      expiresAt: limits.expiresAt === null ? null : Date.parse(limits.expiresAt),
      allowedIps: limits.allowedIps,
      issuedAt: now,
    })
    const fields = {
      name: input.name,
      environment,
      scopes: this.grantedScopes(principal, input.scopes),
      ...limits,
      familyId: null,
      rotatedFromId: null,
      externalId: input.externalId ?? null,
      metadataJson: serializeMetadata(input.metadata, '/metadata') ?? null,
      remaining: budget?.remaining ?? null,
      refill: budget?.refill ?? null,
      // Only a budget has a refill clock: an unmetered key keeps none (nor its bytes in a warm entry).
      refilledAt: budget === null ? null : isoAt(now),
      budgetSetAt: budget === null ? null : isoAt(now),
    } as const
    return this.deps.storage.transaction(async (repos) => {
      const issued = await this.issue(repos, principal, owner, fields)
      const { credential } = issued
      await this.audit(repos, principal, 'credential.created', credential, context, {
        environment: credential.environment,
        scopes: credential.scopes,
        expiresAt: credential.expiresAt,
        allowedIps: credential.allowedIps,
        rateLimitPerMinute: credential.rateLimitPerMinute,
        ...(credential.externalId !== null && { externalId: credential.externalId }),
        // The keys only: values are the customer's and may hold anything.
        ...(credential.metadataJson !== null && { metadataKeys: metadataKeys(credential.metadataJson) }),
        ...(credential.remaining !== null && { remaining: credential.remaining, refill: credential.refill }),
      })
      return issued
    })
  }

  /**
   * A credential acting on credentials cannot give them more reach than it has itself:
   * no later expiry, no wider allowlist, no higher rate limit (scopes are checked apart).
   * Sessions are bounded by their role only.
   */
  private checkReach(principal: Principal, limits: Limits): void {
    if (principal.kind !== 'credential') return
    const own = principal.credential
    const bound: CredentialReach = {
      expiresAt: own.expiresAt === null ? null : Date.parse(own.expiresAt),
      allowlist: parseAllowlist(own.allowedIps),
      requestsPerMinute: own.rateLimitPerMinute ?? this.deps.defaultRateLimitPerMinute,
    }
    const violations = reachViolations(
      {
        ...(limits.expiresAt !== undefined && { expiresAt: limits.expiresAt === null ? null : Date.parse(limits.expiresAt) }),
        ...(limits.allowedIps !== undefined && { allowlist: parseAllowlist(limits.allowedIps) }),
        ...(limits.rateLimitPerMinute !== undefined && { requestsPerMinute: limits.rateLimitPerMinute ?? this.deps.defaultRateLimitPerMinute }),
      },
      bound,
    )
    if (violations.length > 0) {
      throw new ApiError('forbidden', 'A token cannot give a credential more reach than it has itself.', { details: violations.map((v) => REACH_MESSAGES[v]) })
    }
  }

  /**
   * A token with a budget of remaining uses may not make credentials or set budgets: every
   * use it handed out would come on top of its own (a key with 50 uses could mint fifty keys
   * of 50), so the budget would bound nothing. Sessions and unmetered keys do both.
   */
  private checkNotMetered(principal: Principal, field: string, what: string): void {
    if (principal.kind !== 'credential' || principal.credential.remaining === null) return
    throw new ApiError('forbidden', `A token with a budget of remaining uses cannot ${what}: its uses would multiply. Use a session or a key without a budget.`, {
      details: [{ field, reason: 'METERED_TOKEN', message: 'must come from a session or a token without remaining uses' }],
    })
  }

  /**
   * The scopes a new credential gets. Omitted scopes mean "everything the owner can do"
   * only when a session mints it; a scoped token minting another passes on its own
   * scopes, so a narrow token can never mint a wider one.
   */
  private grantedScopes(principal: Principal, requested: readonly string[] | undefined): readonly Scope[] | null {
    if (requested !== undefined) return checkGrantableScopes(requested, this.deps.catalog, principal.scopes, '/scopes')
    // An app acting for a user passes on only what it was granted, never the user's whole role.
    if ((principal.kind === 'credential' && principal.credential.scopes !== null) || principal.kind === 'oauth') return [...principal.scopes]
    return null
  }

  private async issue(
    repos: Repositories,
    principal: Principal,
    owner: CredentialOwner,
    fields: {
      name: string
      environment: 'live' | 'test'
      scopes: readonly Scope[] | null
      expiresAt: string | null
      allowedIps: readonly string[] | null
      rateLimitPerMinute: number | null
      familyId: string | null
      rotatedFromId: string | null
      externalId: string | null
      metadataJson: string | null
      remaining: number | null
      refill: Refill | null
      refilledAt: string | null
      budgetSetAt: string | null
    },
  ): Promise<IssuedCredential> {
    const token = generateToken(this.deps.tokenPrefix, fields.environment, randomBytes)
    const parsed = parseToken(token, this.deps.tokenPrefix, [fields.environment])
    if (!parsed.ok) throw new Error('generated token does not parse')
    const id = newId()
    const credential = await repos.credentials.insert({
      id,
      organizationId: owner.organizationId,
      ownerKind: owner.ownerKind,
      ownerUserId: owner.ownerUserId,
      name: fields.name,
      environment: fields.environment,
      tokenHash: hashToken(this.deps.tokenHashKey, token),
      start: parsed.token.start,
      last4: parsed.token.last4,
      scopes: fields.scopes,
      allowedIps: fields.allowedIps,
      rateLimitPerMinute: fields.rateLimitPerMinute,
      createdBy: actorOf(principal),
      createdAt: isoAt(this.deps.clock.now()),
      expiresAt: fields.expiresAt,
      familyId: fields.familyId ?? id,
      rotatedFromId: fields.rotatedFromId,
      externalId: fields.externalId,
      metadataJson: fields.metadataJson,
      remaining: fields.remaining,
      refill: fields.refill,
      refilledAt: fields.refilledAt,
      budgetSetAt: fields.budgetSetAt,
    })
    return { credential, token }
  }

  private audit(
    repos: Repositories,
    principal: Principal,
    action: 'credential.created' | 'credential.updated' | 'credential.revoked' | 'credential.rotated' | 'credential.family_revoked' | 'credential.disabled' | 'credential.enabled',
    credential: CredentialRecord,
    context: RequestContext,
    details: Record<string, unknown> = {},
  ): Promise<void> {
    const { actor, via } = auditActorOf(principal)
    return this.deps.audit.record(repos, { organizationId: credential.organizationId, action, actor, target: targetOf(credential), details: { ...details, ...via } }, context)
  }

  async list(principal: Principal, type: CredentialType, input: ListCredentialsInput): Promise<CredentialPage> {
    const filter = {
      ...(input.status !== undefined && { status: input.status }),
      ...(input.environment !== undefined && { environment: input.environment }),
      ...(input.search !== undefined && { search: input.search }),
      ...(input.externalId !== undefined && { externalId: input.externalId }),
    }
    const page = await this.deps.storage.credentials.list(this.ownerFor(principal, type), filter, { limit: input.limit, afterSeq: input.afterSeq }, isoAt(this.deps.clock.now()))
    return { ...page, items: await this.withLiveBudgets(page.items) }
  }

  async get(principal: Principal, type: CredentialType, id: string): Promise<CredentialRecord> {
    const credential = await this.deps.storage.credentials.findOwned(this.ownerFor(principal, type), id)
    // Another owner's credential is "not found", never "forbidden": existence is not revealed.
    if (credential === undefined) throw new ApiError('not_found', NOT_FOUND[type])
    const [live] = await this.withLiveBudgets([credential])
    return live!
  }

  /** The account-token surface addresses API keys by their integer id. */
  async getBySeq(principal: Principal, seq: number): Promise<CredentialRecord> {
    const credential = await this.deps.storage.credentials.findOwnedBySeq(this.ownerFor(principal, 'api_key'), seq)
    if (credential === undefined || credential.revokedAt !== null) throw new ApiError('not_found', NOT_FOUND.api_key)
    return credential
  }

  async update(principal: Principal, type: CredentialType, id: string, input: UpdateCredentialInput, context: RequestContext): Promise<CredentialRecord> {
    const current = await this.get(principal, type, id)
    if (current.revokedAt !== null) throw new ApiError('conflict', 'A revoked credential cannot be changed.')
    const allowedIps = normalizeAllowedIps(input.allowedIps, '/allowedIps')
    const metadataJson = serializeMetadata(input.metadata, '/metadata')
    const now = this.deps.clock.now()
    const budget = budgetOf({ remaining: input.remaining, refill: input.refill }, current)
    const changes: CredentialChanges = {
      ...(input.name !== undefined && { name: input.name }),
      ...(allowedIps !== undefined && { allowedIps }),
      ...(input.rateLimit !== undefined && { rateLimitPerMinute: input.rateLimit?.requestsPerMinute ?? null }),
      ...(input.externalId !== undefined && { externalId: input.externalId }),
      ...(metadataJson !== undefined && { metadataJson }),
      ...(budget !== undefined && {
        budget: {
          remaining: budget?.remaining ?? null,
          refill: budget?.refill ?? null,
          refilledAt: budget === null ? null : isoAt(now),
          // Strictly later than the epoch it replaces, even within one millisecond: a count under the old one must not pass for the new.
          setAt: isoAt(Math.max(now, current.budgetSetAt === null ? 0 : Date.parse(current.budgetSetAt) + 1)),
        },
      }),
    }
    if (budget !== undefined) this.checkNotMetered(principal, '/remaining', 'change budgets')
    // In its grace period a rotated credential spends its successor's budget: that is the one to change.
    if (budget !== undefined && current.rotatedToId !== null) throw new ApiError('conflict', 'This credential was rotated: it shares its successor’s budget. Change the budget on the successor.')
    // The credential as it will be: lifting an allowlist or raising a limit is judged on the
    // result, so a narrow key cannot loosen a stronger one it could never have created.
    this.checkAuthorityOver(principal, current, {
      expiresAt: current.expiresAt,
      allowedIps: changes.allowedIps !== undefined ? changes.allowedIps : current.allowedIps,
      rateLimitPerMinute: changes.rateLimitPerMinute !== undefined ? changes.rateLimitPerMinute : current.rateLimitPerMinute,
    })
    // The audit names what changed; of metadata, only its keys before and after, never a value.
    const { metadataJson: changedMetadata, budget: changedBudget, ...plainChanges } = changes
    const audited = {
      ...plainChanges,
      ...(changedMetadata !== undefined && { metadataKeys: { before: metadataKeys(current.metadataJson), after: metadataKeys(changedMetadata) } }),
      ...(changedBudget !== undefined && { remaining: changedBudget.remaining, refill: changedBudget.refill }),
    }
    // Only what the update changes is judged: renaming a key that predates the policy stays possible.
    if (changes.allowedIps !== undefined) {
      await this.deps.policies?.enforce(
        current.organizationId,
        { environment: current.environment, expiresAt: null, allowedIps: changes.allowedIps, issuedAt: this.deps.clock.now() },
        ['POLICY_LIVE_ALLOWED_IPS'],
      )
    }
    await this.deps.storage.transaction(async (repos) => {
      if (changes.budget !== undefined) await repos.credentials.lockFamily(current.familyId)
      await repos.credentials.update(id, changes, isoAt(now))
      // Predecessors still in grace spend this budget: they must count as metered (or not) with it.
      if (changes.budget !== undefined) await repos.credentials.setPredecessorsMetered(current.familyId, id, changes.budget.remaining !== null, changes.budget.setAt, isoAt(now))
      await this.audit(repos, principal, 'credential.updated', current, context, {
        changes: audited,
        ...(changes.name !== undefined && { previousName: current.name }),
        ...(changes.externalId !== undefined && { previousExternalId: current.externalId }),
      })
    })
    // A narrower allowlist or a lower limit must apply from the next request on.
    await this.deps.accessVersion.bump()
    return this.get(principal, type, id)
  }

  /**
   * A caller may reshape or re-issue a credential only if it could have created the result:
   * it holds every scope the credential carries, and the credential's lifetime, allowlist
   * and rate limit stay within its own reach. Otherwise a narrow key could rotate a wide one
   * and walk away with its powers, or lift the allowlist of a key it could never have made.
   */
  private checkAuthorityOver(principal: Principal, target: CredentialRecord, result: Required<Limits>): void {
    const scopes = target.scopes ?? [...(principal.role === null ? this.deps.catalog.all : this.deps.catalog.roleScopes(principal.role))]
    checkGrantableScopes(scopes, this.deps.catalog, principal.scopes, '/id')
    this.checkReach(principal, result)
  }

  /** Revokes now and for good; revoking a revoked credential returns it unchanged. */
  async revoke(principal: Principal, type: CredentialType, id: string, context: RequestContext): Promise<CredentialRecord> {
    const current = await this.get(principal, type, id)
    const revoked = await this.deps.storage.transaction(async (repos) => {
      const done = await repos.credentials.revoke(id, isoAt(this.deps.clock.now()), 'revoked')
      if (done) await this.audit(repos, principal, 'credential.revoked', current, context)
      return done
    })
    if (revoked) await this.deps.accessVersion.bump()
    return this.get(principal, type, id)
  }

  /**
   * Switches a credential off (`disabled`) or on again. Unlike revocation this is not final,
   * so a revoked credential is a conflict either way. Asking for the state it is already in
   * changes nothing and is not audited. Like every change that can deny access, it moves the
   * access version before returning: refused (or accepted again) on the very next request,
   * on every instance.
   */
  async setDisabled(principal: Principal, type: CredentialType, id: string, disabled: boolean, context: RequestContext): Promise<CredentialRecord> {
    const current = await this.get(principal, type, id)
    if (current.revokedAt !== null) {
      throw new ApiError('conflict', disabled ? 'A revoked credential is already off for good.' : 'A revoked credential cannot be enabled: revocation is final. Create or rotate to get a working one.')
    }
    // Switching a key back on gives its powers back: only a caller that could have made it may.
    this.checkAuthorityOver(principal, current, { expiresAt: current.expiresAt, allowedIps: current.allowedIps, rateLimitPerMinute: current.rateLimitPerMinute })
    const now = isoAt(this.deps.clock.now())
    const changed = await this.deps.storage.transaction(async (repos) => {
      const done = await repos.credentials.setDisabled(id, disabled ? now : null, now)
      if (done) await this.audit(repos, principal, disabled ? 'credential.disabled' : 'credential.enabled', current, context)
      return done
    })
    if (changed) await this.deps.accessVersion.bump()
    return this.get(principal, type, id)
  }

  /**
   * Spends `cost` of a metered credential's remaining uses, refilling it first when a refill
   * is due: atomically in storage, so every instance together spends exactly what there was.
   * Concurrent spends commit together (`SpendBatch`). A family has one budget, held by its
   * newest member: a rotated credential in its grace period spends its successor's.
   */
  spend(credential: SpendingCredential, cost: number): Promise<SpendResult> {
    const now = this.deps.clock.now()
    const periodStart = credential.refill === null ? null : isoAt(refillPeriodStart(credential.refill, now))
    return this.spends.spend(credential.familyId, cost, periodStart, isoAt(now), credential.budgetSetAt)
  }

  /**
   * The same spend for a warm credential, counted with its request in one trip to Redis, if
   * the access version there is still `version` (`RedisBudgets.countAndSpend`); undefined
   * without Redis, or when it cannot be done now.
   */
  countAndSpend(credential: SpendingCredential, cost: number, rateLimit: { readonly key: string; readonly perMinute: number }, version: Version): Promise<CountedSpend> | undefined {
    const budgets = this.deps.budgets
    if (!budgets) return undefined
    const now = this.deps.clock.now()
    const periodStart = credential.refill === null ? null : refillPeriodStart(credential.refill, now)
    return budgets.countAndSpend({ rateKey: rateLimit.key, perMinute: rateLimit.perMinute, familyId: credential.familyId, epoch: credential.budgetSetAt, refillPeriodStart: periodStart, now, cost, version })
  }

  /**
   * Records with their budgets as counted now: with Redis, the rows are up to a second behind
   * the count (`RedisBudgets`), and a customer reading a key right after using it expects the
   * figure it left.
   */
  private async withLiveBudgets<T extends CredentialRecord>(records: T[]): Promise<T[]> {
    const budgets = this.deps.budgets
    const metered = records.filter((record) => record.remaining !== null)
    if (!budgets || metered.length === 0) return records
    const live = await budgets.live(metered)
    if (live.size === 0) return records
    return records.map((record) => {
      const budget = record.remaining === null ? undefined : live.get(record.familyId)
      return budget === undefined ? record : { ...record, remaining: budget.remaining, refilledAt: budget.refilledAt }
    })
  }

  /**
   * The same spend without a promise, where storage can (the embedded database: see
   * `storage/spends.ts`); null elsewhere. `ready()` false: use `spend` this time. Decided at
   * once; answer when `committed` settles.
   */
  readonly spendNow: { ready(): boolean; spend(credential: SpendingCredential, cost: number): SpentNow } | null

  /**
   * A rotation's successor was used for the first time at `at`: the grace period of the
   * secret it replaced, when that waited for this use, starts now (once, across instances).
   * The old secret's shorter life must hold on every instance, so the version moves.
   */
  async successorFirstUsed(successorId: string, at: number): Promise<void> {
    const started = await this.deps.storage.credentials.startGraceOnFirstUse(successorId, at, isoAt(this.deps.clock.now()))
    if (started) await this.deps.accessVersion.bump()
  }

  /**
   * Issues a successor with the same name, scopes, allowlist, limit and environment. The
   * old credential is revoked now, or expires when the grace period ends (never later than
   * it would have anyway). A credential that was rotated, revoked or expired is refused;
   * one that was rotated *and* revoked means its secret is still in circulation after it
   * was retired, so its whole family is revoked (GitLab's token-family reuse detection).
   */
  async rotate(principal: Principal, type: CredentialType, id: string, input: RotateCredentialInput, context: RequestContext): Promise<IssuedCredential> {
    const now = this.deps.clock.now()
    const old = await this.get(principal, type, id)
    const owner = this.ownerFor(principal, type)
    const expiresAt = input.expiresAt === undefined ? old.expiresAt : parseExpiry(input.expiresAt, now, '/expiresAt')

    // Rotating hands out a fresh secret with the old scopes and limits.
    this.checkAuthorityOver(principal, old, { expiresAt, allowedIps: old.allowedIps, rateLimitPerMinute: old.rateLimitPerMinute })

    // Naming a rotated credential by id is a plain conflict (a retried request whose
    // response was lost looks exactly like this): reuse is detected when a retired *secret*
    // comes back, by the authenticator (`revokeFamilyOnReuse`).
    if (old.rotatedToId !== null) throw new ApiError('conflict', 'This credential was already rotated; rotate its successor instead.')
    const decision = decideCredential(
      { organizationId: old.organizationId, revoked: old.revokedAt !== null, expiresAtMs: old.expiresAt === null ? null : Date.parse(old.expiresAt), ownerGone: false, allowlist: null },
      { now, ip: null },
    )
    if (!decision.usable) throw new ApiError('conflict', decision.code === 'REVOKED' ? 'A revoked credential cannot be rotated.' : 'An expired credential cannot be rotated.')
    // The successor is a new credential: it must meet the policy in force now.
    await this.deps.policies?.enforce(old.organizationId, {
      environment: old.environment,
      expiresAt: expiresAt === null ? null : Date.parse(expiresAt),
      allowedIps: old.allowedIps,
      issuedAt: now,
    })

    const grace = input.gracePeriodSeconds ?? 0
    const until = (end: number) => isoAt(old.expiresAt === null ? end : Math.min(Date.parse(old.expiresAt), end))
    // On first use: the old secret works until the successor is first used plus the grace
    // period (set then, see `successorFirstUsed`), and never past the cap.
    const oldChange = input.graceStartsOnFirstUse === true
      ? { revokedAt: null, expiresAt: until(now + FIRST_USE_GRACE_CAP_MS), firstUseGraceSeconds: grace }
      : grace === 0
        ? { revokedAt: isoAt(now), expiresAt: old.expiresAt }
        : { revokedAt: null, expiresAt: until(now + grace * 1000) }

    const issued = await this.deps.storage.transaction(async (repos) => {
      const successor = await this.issue(repos, principal, owner, {
        name: old.name,
        environment: old.environment,
        scopes: old.scopes,
        expiresAt,
        allowedIps: old.allowedIps,
        rateLimitPerMinute: old.rateLimitPerMinute,
        familyId: old.familyId,
        rotatedFromId: old.id,
        // The successor carries on the owner, the metadata and the budget as they stand.
        externalId: old.externalId,
        metadataJson: old.metadataJson,
        remaining: old.remaining,
        refill: old.refill,
        refilledAt: old.refilledAt,
        budgetSetAt: old.budgetSetAt,
      })
      // Conditional on the old one still being rotatable: of two concurrent rotations one wins.
      const marked = await repos.credentials.markRotated(old.id, successor.credential.id, oldChange, isoAt(now))
      if (!marked) throw new ApiError('conflict', 'This credential was rotated or revoked meanwhile.')
      // What was spent since `old` was read belongs to the budget too: hand over the row's figure.
      if (old.remaining !== null) await repos.credentials.handOverBudget(old.id, successor.credential.id, isoAt(now))
      await this.audit(repos, principal, 'credential.rotated', old, context, {
        successorId: successor.credential.id,
        gracePeriodSeconds: grace,
        oldExpiresAt: oldChange.expiresAt,
        ...(input.graceStartsOnFirstUse === true && { graceStartsOnFirstUse: true }),
      })
      return successor
    })
    await this.deps.accessVersion.bump()
    return issued
  }

  /**
   * A retired secret (rotated, and revoked or past its grace period) was presented: someone
   * still holds a copy of it after it was replaced, so the whole family is revoked, the
   * successor included (GitLab's token-family reuse detection). Returns how many it revoked;
   * a family already revoked is left alone and not audited again.
   */
  async revokeFamilyOnReuse(presented: CredentialRecord, context: RequestContext): Promise<number> {
    const revoked = await this.deps.storage.transaction(async (repos) => {
      const count = await repos.credentials.revokeFamily(presented.familyId, isoAt(this.deps.clock.now()), 'reuse_detected')
      if (count > 0) {
        await this.deps.audit.record(
          repos,
          {
            organizationId: presented.organizationId,
            action: 'credential.family_revoked',
            actor: ANONYMOUS,
            target: targetOf(presented),
            details: { familyId: presented.familyId, revokedCount: count, reason: 'a retired secret was presented' },
          },
          context,
        )
      }
      return count
    })
    if (revoked > 0) await this.deps.accessVersion.bump()
    return revoked
  }
}
