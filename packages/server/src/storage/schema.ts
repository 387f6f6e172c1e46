import type { Role } from '@brandwave/core'
import type { Generated } from 'kysely'

/*
 * Table types as Kysely sees them. Times are ISO 8601 UTC strings in both dialects
 * (TEXT in SQLite, timestamptz in PostgreSQL read back through a type parser), so the
 * repositories never branch on the dialect. JSON columns are TEXT in both.
 */

export interface OrganizationsTable {
  /** Integer id of the seed-004 surface (`/api/accounts/:accountId/…`). */
  account_id: Generated<number>
  id: string
  name: string
  created_at: string
}

export interface UsersTable {
  id: string
  /** Stored lowercased: addresses compare case-insensitively. */
  email: string
  name: string
  password_hash: string
  password_changed_at: string
  /** AES-256-GCM sealed TOTP secret; null until 2FA setup starts. */
  totp_secret: string | null
  totp_enabled_at: string | null
  /** The last TOTP time step accepted, so no code works twice. */
  totp_last_step: number | null
  created_at: string
}

export interface MembershipsTable {
  organization_id: string
  user_id: string
  role: Role
  created_at: string
}

export type OwnerKind = 'user' | 'organization'
export type ActorType = 'user' | 'api_key' | 'system'

/** PATs (owner kind `user`) and API keys (owner kind `organization`): one model, one table (SPEC §1). */
export interface CredentialsTable {
  /** Integer id of the seed-004 surface, and the keyset pagination order. */
  seq: Generated<number>
  id: string
  organization_id: string
  owner_kind: OwnerKind
  owner_user_id: string | null
  name: string
  environment: 'live' | 'test'
  /** HMAC-SHA-256 of the whole token; the plaintext is never stored. */
  token_hash: string
  start: string
  last4: string
  /** JSON array of scopes; null: every permission of the owner. */
  scopes: string | null
  /** JSON array of normalized CIDR ranges; null: any address. */
  allowed_ips: string | null
  rate_limit_per_minute: number | null
  created_by_type: ActorType
  created_by_id: string | null
  /** The creator's name when the credential was made: it survives the creator. */
  created_by_name: string
  created_at: string
  updated_at: string
  expires_at: string | null
  revoked_at: string | null
  revoked_reason: string | null
  last_used_at: string | null
  last_used_ip: string | null
  /** Rotation family: every credential rotated from the same original shares it. */
  family_id: string
  rotated_from_id: string | null
  rotated_to_id: string | null
}

export interface SessionsTable {
  id: string
  user_id: string
  organization_id: string
  created_at: string
  /** Refresh horizon: slides forward on each refresh. */
  expires_at: string
  ended_at: string | null
  end_reason: string | null
  ip: string | null
  user_agent: string | null
}

export interface RefreshTokensTable {
  id: string
  session_id: string
  token_hash: string
  created_at: string
  expires_at: string
  /** Set when exchanged; presenting it again is reuse (RFC 9700 §4.14.2). */
  used_at: string | null
}

export type AuditActorType = 'user' | 'api_key' | 'system' | 'anonymous'
export type AuditTargetType = 'personal_access_token' | 'api_key' | 'user' | 'session' | 'organization'

/** Append-only: nothing updates or deletes these rows. */
export interface AuditEventsTable {
  seq: Generated<number>
  id: string
  organization_id: string | null
  action: string
  actor_type: AuditActorType
  actor_id: string | null
  actor_name: string | null
  target_type: AuditTargetType | null
  target_id: string | null
  target_name: string | null
  ip: string | null
  user_agent: string | null
  request_id: string | null
  /** JSON object: what changed. Never a secret. */
  details: string
  created_at: string
}

export interface SettingsTable {
  key: string
  value: string
}

/** One Idempotency-Key of one principal: claimed, then completed with the sealed response. */
export interface IdempotencyKeysTable {
  principal_key: string
  key: string
  /** Keyed hash (HMAC) of the operation, path parameters and canonical body: a reuse with another request is refused. */
  request_hash: string
  state: 'in_progress' | 'completed'
  /** A random token of the request holding the claim: only it may complete or release it. */
  owner: string
  status: number | null
  /** AES-256-GCM sealed response body: it may hold a secret (create, rotate). */
  response: string | null
  created_at: string
  /** When the running request claimed it; a claim abandoned by a crash can be taken over. */
  locked_at: string
  expires_at: string
  /** For a sign-in or refresh response: its session, so that it is never replayed once that session ended. */
  session_id: string | null
}

/** One-time codes that stand in for a TOTP code; only their keyed hashes are kept. */
export interface RecoveryCodesTable {
  id: string
  user_id: string
  code_hash: string
  created_at: string
  used_at: string | null
}

export interface Database {
  organizations: OrganizationsTable
  users: UsersTable
  memberships: MembershipsTable
  credentials: CredentialsTable
  sessions: SessionsTable
  refresh_tokens: RefreshTokensTable
  audit_events: AuditEventsTable
  settings: SettingsTable
  idempotency_keys: IdempotencyKeysTable
  recovery_codes: RecoveryCodesTable
}
