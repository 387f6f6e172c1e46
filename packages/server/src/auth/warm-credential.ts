import { parseAllowlist, type IpRange, type Refill, type Role, type Scope } from '@brandwave/core'
import { LRUCache } from 'lru-cache'
import type { CredentialRecord } from '../storage/credentials.js'
import type { OwnerKind } from '../storage/schema.js'
import type { Version } from '../shared-state/access-version.js'
import type { CredentialPrincipal } from './principal.js'

/*
 * A warm credential is held by every instance for every key in use: a million warm keys must
 * fit in well under a gigabyte of heap (issue 18: at most 600 bytes each). A plain record
 * took about 2.3 KB: two dozen fields, each its own string, several shared by every key of
 * an organization but allocated again for each, and a principal object beside it. Here:
 * - what many credentials share (organization, owner, creator, scope lists, scope sets) is
 *   one object per distinct value (`Interned`);
 * - the fields nothing on the request path reads (creation and usage times, prefix, last
 *   four, revocation and exposure details, the rotation links) are one JSON string, parsed
 *   when some response or decision needs them;
 * - the principal and the state the decision reads are one object whose derived fields are
 *   getters.
 * The objects still satisfy `CredentialRecord` and `CredentialPrincipal`: the services and
 * routes that read them do not know the difference.
 */

/** One object per distinct value, for values many credentials share. Bounded: an evicted value is only shared less. */
class Interned<V extends object | string> {
  private readonly values = new LRUCache<string, V>({ max: 10_000 })

  of(key: string, make: () => V): V {
    let value = this.values.get(key)
    if (value === undefined) {
      value = make()
      this.values.set(key, value)
    }
    return value
  }
}

const internedStrings = new Interned<string>()
const internedLists = new Interned<readonly Scope[]>()
const internedCreators = new Interned<CredentialRecord['createdBy']>()
const internedScopeSets = new Interned<ReadonlySet<Scope>>()

function shared(value: string): string
function shared(value: string | null): string | null
function shared(value: string | null): string | null {
  return value === null ? null : internedStrings.of(value, () => value)
}

/**
 * The fields kept packed, in this order. Times that are ISO strings in the usual form are
 * kept as epoch milliseconds (13 digits instead of a 26-character string) and `updatedAt`,
 * when it equals `createdAt`, as null; unpacking gives back the very strings stored.
 */
type Time = string | number | null
// Usually set first, usually null last: trailing nulls are not kept.
type Packed = [
  seq: number,
  start: string,
  last4: string,
  createdAt: Time,
  lastUsedAt: Time,
  lastUsedIp: string | null,
  updatedAt: Time,
  allowedIps: readonly string[] | null,
  revokedAt: Time,
  revokedReason: string | null,
  exposedAt: Time,
  exposedUrl: string | null,
  rotatedFromId: string | null,
  rotatedToId: string | null,
  // Issue 24: the customer's owner id and metadata stay text here, parsed by what shows them.
  externalId: string | null,
  metadataJson: string | null,
  remaining: number | null,
  refill: [interval: Refill['interval'], amount: number, day: number | null] | null,
  refilledAt: Time,
  disabledAt: Time,
  firstUseGraceSeconds: number | null,
  budgetSetAt: Time,
]

type Unpacked = [
  seq: number,
  start: string,
  last4: string,
  createdAt: string,
  lastUsedAt: string | null,
  lastUsedIp: string | null,
  updatedAt: string | null,
  allowedIps: readonly string[] | null,
  revokedAt: string | null,
  revokedReason: string | null,
  exposedAt: string | null,
  exposedUrl: string | null,
  rotatedFromId: string | null,
  rotatedToId: string | null,
  externalId: string | null,
  metadataJson: string | null,
  remaining: number | null,
  refill: [interval: Refill['interval'], amount: number, day: number | null] | null,
  refilledAt: string | null,
  disabledAt: string | null,
  firstUseGraceSeconds: number | null,
  budgetSetAt: string | null,
]

const PACKED_FIELDS = 22

function packTime(time: string | null): Time {
  if (time === null) return null
  const epochMs = Date.parse(time)
  return Number.isFinite(epochMs) && new Date(epochMs).toISOString() === time ? epochMs : time
}

function unpackTime(time: Time): string | null {
  return typeof time === 'number' ? new Date(time).toISOString() : time
}

// keys/verify reads most packed fields of the same busy credential on every call: remember the last one unpacked.
let lastPacked = ''
let lastUnpacked: Unpacked | undefined

function pack(fields: Packed): string {
  let end = fields.length
  while (end > 0 && fields[end - 1] === null) end -= 1
  return JSON.stringify(fields.slice(0, end))
}

const TIME_FIELDS = [3, 4, 6, 8, 10, 18, 19, 21] as const

/** The packed fields with every time as the string it was stored as. */
function unpack(packed: string): Unpacked {
  if (packed !== lastPacked || lastUnpacked === undefined) {
    const fields = JSON.parse(packed) as (Packed[number] | null)[]
    while (fields.length < PACKED_FIELDS) fields.push(null)
    for (const index of TIME_FIELDS) fields[index] = unpackTime(fields[index] as Time)
    lastUnpacked = fields as Unpacked
    lastPacked = packed
  }
  return lastUnpacked
}

const OWNED_BY_USER = 1
const LIVE = 2
const DISABLED = 4
const METERED = 8
/** A rotation's successor not used yet: its first use may start its predecessor's grace period. */
const AWAITS_FIRST_USE = 16

/** A stored credential as a warm entry holds it: the `CredentialRecord` a storage read returned, compacted. */
export class CachedCredential implements CredentialRecord {
  readonly id: string
  readonly name: string
  readonly organizationId: string
  readonly ownerUserId: string | null
  readonly scopes: readonly Scope[] | null
  readonly rateLimitPerMinute: number | null
  readonly createdBy: CredentialRecord['createdBy']
  readonly expiresAt: string | null
  readonly familyId: string
  private readonly flags: number
  private readonly packed: string

  constructor(record: CredentialRecord) {
    this.id = record.id
    this.name = record.name
    this.organizationId = shared(record.organizationId)
    this.ownerUserId = shared(record.ownerUserId)
    const { scopes } = record
    this.scopes = scopes === null ? null : internedLists.of(scopes.join(' '), () => Object.freeze([...scopes]))
    this.rateLimitPerMinute = record.rateLimitPerMinute
    const { type, id, name } = record.createdBy
    this.createdBy = internedCreators.of(JSON.stringify([type, id, name]), () => Object.freeze({ type, id: shared(id), name }))
    this.expiresAt = record.expiresAt
    this.familyId = record.familyId === record.id ? record.id : record.familyId
    this.flags =
      (record.ownerKind === 'user' ? OWNED_BY_USER : 0) |
      (record.environment === 'live' ? LIVE : 0) |
      (record.disabledAt !== null ? DISABLED : 0) |
      (record.remaining !== null ? METERED : 0) |
      (record.rotatedFromId !== null && record.lastUsedAt === null ? AWAITS_FIRST_USE : 0)
    this.packed = pack([
      record.seq,
      record.start,
      record.last4,
      packTime(record.createdAt),
      packTime(record.lastUsedAt),
      record.lastUsedIp,
      record.updatedAt === record.createdAt ? null : packTime(record.updatedAt),
      record.allowedIps,
      packTime(record.revokedAt),
      record.revokedReason,
      packTime(record.exposedAt),
      record.exposedUrl,
      record.rotatedFromId,
      record.rotatedToId,
      record.externalId,
      record.metadataJson,
      record.remaining,
      record.refill === null ? null : [record.refill.interval, record.refill.amount, record.refill.day],
      packTime(record.refilledAt),
      packTime(record.disabledAt),
      record.firstUseGraceSeconds,
      packTime(record.budgetSetAt),
    ])
  }

  /** Read on every request: a bit, not a packed field. */
  get disabled(): boolean {
    return (this.flags & DISABLED) !== 0
  }
  /** Whether requests spend its remaining uses: those go to storage, never the synchronous path. */
  get metered(): boolean {
    return (this.flags & METERED) !== 0
  }
  get awaitsFirstUse(): boolean {
    return (this.flags & AWAITS_FIRST_USE) !== 0
  }

  get ownerKind(): OwnerKind {
    return (this.flags & OWNED_BY_USER) !== 0 ? 'user' : 'organization'
  }
  get environment(): 'live' | 'test' {
    return (this.flags & LIVE) !== 0 ? 'live' : 'test'
  }
  get seq(): number {
    return unpack(this.packed)[0]
  }
  get start(): string {
    return unpack(this.packed)[1]
  }
  get last4(): string {
    return unpack(this.packed)[2]
  }
  get allowedIps(): readonly string[] | null {
    return unpack(this.packed)[7]
  }
  get createdAt(): string {
    return unpack(this.packed)[3]
  }
  get updatedAt(): string {
    return unpack(this.packed)[6] ?? this.createdAt
  }
  get revokedAt(): string | null {
    return unpack(this.packed)[8]
  }
  get revokedReason(): string | null {
    return unpack(this.packed)[9]
  }
  get exposedAt(): string | null {
    return unpack(this.packed)[10]
  }
  get exposedUrl(): string | null {
    return unpack(this.packed)[11]
  }
  get lastUsedAt(): string | null {
    return unpack(this.packed)[4]
  }
  get lastUsedIp(): string | null {
    return unpack(this.packed)[5]
  }
  get rotatedFromId(): string | null {
    return unpack(this.packed)[12]
  }
  get rotatedToId(): string | null {
    return unpack(this.packed)[13]
  }
  get externalId(): string | null {
    return unpack(this.packed)[14]
  }
  get metadataJson(): string | null {
    return unpack(this.packed)[15]
  }
  get remaining(): number | null {
    return unpack(this.packed)[16]
  }
  get refill(): Refill | null {
    const refill = unpack(this.packed)[17]
    return refill === null ? null : { interval: refill[0], amount: refill[1], day: refill[2] }
  }
  get refilledAt(): string | null {
    return unpack(this.packed)[18]
  }
  get disabledAt(): string | null {
    return unpack(this.packed)[19]
  }
  get firstUseGraceSeconds(): number | null {
    return unpack(this.packed)[20]
  }
  get budgetSetAt(): string | null {
    return unpack(this.packed)[21]
  }
}

/** What building a warm credential needs besides the record. */
export interface WarmCredentialInput {
  readonly record: CredentialRecord
  readonly ownerRole: Role | null
  readonly ownerName: string | null
  /** What the credential may do, already bounded by its owner (`effectiveScopes`). */
  readonly scopes: ReadonlySet<Scope>
  readonly defaultRateLimitPerMinute: number
}

/**
 * A warm credential: the principal it authenticates as, and the state core's
 * `decideCredential` reads (`CredentialEntry`), in one object.
 */
export class WarmCredential implements CredentialPrincipal {
  /** The access version it was read under (set by the cache). */
  cachedUnder: Version = 0
  readonly credential: CachedCredential
  readonly userName: string | null
  readonly role: Role | null
  readonly scopes: ReadonlySet<Scope>
  readonly expiresAtMs: number | null
  readonly allowlist: readonly IpRange[] | null
  readonly revoked: boolean
  private readonly perMinute: number

  constructor(input: WarmCredentialInput) {
    const { record } = input
    this.credential = new CachedCredential(record)
    this.userName = shared(input.ownerName)
    this.role = input.ownerRole
    this.scopes = internedScopeSets.of([...input.scopes].sort().join(' '), () => input.scopes)
    this.expiresAtMs = record.expiresAt === null ? null : Date.parse(record.expiresAt)
    // Stored entries were validated and normalized on write; parse them once per read.
    this.allowlist = parseAllowlist(record.allowedIps)
    this.revoked = record.revokedAt !== null
    this.perMinute = record.rateLimitPerMinute ?? input.defaultRateLimitPerMinute
  }

  get kind(): 'credential' {
    return 'credential'
  }
  get type(): 'personal_access_token' | 'api_key' {
    return this.credential.ownerKind === 'user' ? 'personal_access_token' : 'api_key'
  }
  get organizationId(): string {
    return this.credential.organizationId
  }
  get userId(): string | null {
    return this.credential.ownerUserId
  }
  get disabled(): boolean {
    return this.credential.disabled
  }
  get metered(): boolean {
    return this.credential.metered
  }
  get awaitsFirstUse(): boolean {
    return this.credential.awaitsFirstUse
  }
  /** A PAT whose owner is no longer a member of the organization. */
  get ownerGone(): boolean {
    return this.credential.ownerKind === 'user' && this.role === null
  }
  get rateLimit(): { readonly key: string; readonly perMinute: number } {
    return { key: `credential:${this.credential.id}`, perMinute: this.perMinute }
  }
  get principal(): CredentialPrincipal {
    return this
  }
}
