import type { Role } from '@brandwave/core'
import type { ColumnType, Generated } from 'kysely'

/*
 * Table types as Kysely sees them. Times are ISO 8601 UTC strings in both dialects
 * (TEXT in SQLite, timestamptz in PostgreSQL read back through a type parser), so the
 * repositories never branch on the dialect. JSON columns are TEXT in both.
 */

export interface OrganizationsTable {
  /** Integer id of the account-token surface (`/api/accounts/:accountId/…`). */
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
  /** When someone proved they read this mailbox (an invitation or a password reset). */
  email_verified_at: string | null
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
  /** Integer id of the account-token surface, and the keyset pagination order. */
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
  /** When a leak report first named this credential, and where it was found (SPEC §10). */
  exposed_at: ColumnType<string | null, string | null | undefined, string | null>
  exposed_url: ColumnType<string | null, string | null | undefined, string | null>
  last_used_at: string | null
  last_used_ip: string | null
  /** Rotation family: every credential rotated from the same original shares it. */
  family_id: string
  rotated_from_id: string | null
  rotated_to_id: string | null
  /** The owner's id in the customer's own system, and their JSON object (serialized), issue 24. */
  external_id: ColumnType<string | null, string | null | undefined, string | null>
  metadata: ColumnType<string | null, string | null | undefined, string | null>
  /** Uses left; null: unlimited. Never below 0: spent only by a conditional UPDATE. */
  remaining: ColumnType<number | null, number | null | undefined, number | null>
  refill_interval: ColumnType<'daily' | 'monthly' | null, 'daily' | 'monthly' | null | undefined, 'daily' | 'monthly' | null>
  refill_amount: ColumnType<number | null, number | null | undefined, number | null>
  refill_day: ColumnType<number | null, number | null | undefined, number | null>
  /** When `remaining` was last set or refilled: a refill is due once a period began after it. */
  refilled_at: ColumnType<string | null, string | null | undefined, string | null>
  disabled_at: ColumnType<string | null, string | null | undefined, string | null>
  /** A rotated credential whose grace period starts at its successor's first use: that period, until then. */
  first_use_grace_seconds: ColumnType<number | null, number | null | undefined, number | null>
  /** When the budget was last set (created or changed), not spent or refilled: a Redis count's epoch. */
  budget_set_at: ColumnType<string | null, string | null | undefined, string | null>
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
export type AuditTargetType = 'personal_access_token' | 'api_key' | 'user' | 'session' | 'organization' | 'invitation' | 'webhook_endpoint' | 'oauth_app'

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

/** An invitation to join an organization; only the keyed hash of its token is kept. */
export interface InvitationsTable {
  id: string
  organization_id: string
  /** Stored lowercased, like users' emails. */
  email: string
  role: Role
  token_hash: string
  invited_by_id: string | null
  invited_by_name: string
  created_at: string
  expires_at: string
  accepted_at: string | null
  accepted_by_user_id: string | null
  withdrawn_at: string | null
}

/** A single-use password reset; only the keyed hash of its token is kept. */
export interface PasswordResetsTable {
  id: string
  user_id: string
  token_hash: string
  created_at: string
  expires_at: string
  used_at: string | null
}

/** An email address change waiting for its confirmation link to be opened. */
export interface EmailChangesTable {
  id: string
  user_id: string
  /** Stored lowercased, like users' emails. */
  new_email: string
  token_hash: string
  created_at: string
  expires_at: string
  used_at: string | null
}

/** Outgoing email, sent by the mail worker with retries; survives restarts. */
export interface MailQueueTable {
  id: string
  recipient: string
  /** Which template made it (for operators); the content itself is sealed. */
  template: string
  /** AES-256-GCM sealed `{ subject, text, html }`: links in it carry single-use tokens. */
  message: string
  attempts: Generated<number>
  created_at: string
  next_attempt_at: string
  /** A worker holds the row until then; after a crash another one takes it over. */
  locked_until: string | null
  sent_at: string | null
  /** Set when every retry failed: the row stays for operators to see. */
  failed_at: string | null
  last_error: string | null
}

/** The event outbox (SPEC §10): one row per event, written with the change that caused it. */
export interface EventsTable {
  seq: Generated<number>
  id: string
  organization_id: string
  type: string
  /** JSON: the Standard Webhooks body `{ type, timestamp, data }`, exactly as sent. Never a secret. */
  payload: string
  created_at: string
}

export interface WebhookEndpointsTable {
  id: string
  organization_id: string
  url: string
  description: string | null
  /** JSON array of event types; null: every event. */
  event_types: string | null
  /** AES-256-GCM sealed `whsec_…` signing secret (it must be read back to sign). */
  secret: string
  /** The secret before the last rotation, still signing alongside until `previous_secret_expires_at`. */
  previous_secret: string | null
  previous_secret_expires_at: string | null
  status: 'enabled' | 'disabled'
  disabled_reason: string | null
  created_at: string
  updated_at: string
}

/** One event for one endpoint: every attempt reuses its `event_id` as the `webhook-id`. */
export interface WebhookDeliveriesTable {
  seq: Generated<number>
  id: string
  endpoint_id: string
  event_id: string
  status: 'pending' | 'succeeded' | 'failed'
  attempts: number
  last_status: number | null
  last_error: string | null
  last_attempt_at: string | null
  next_attempt_at: string | null
  /** While an instance is sending it: no other instance claims it before then. */
  locked_until: string | null
  created_at: string
}

export interface ExpiryRemindersTable {
  credential_id: string
  /** Days before expiry the reminder was for; 0 for `*.expired`. */
  days_before: number
  sent_at: string
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
  invitations: InvitationsTable
  password_resets: PasswordResetsTable
  email_changes: EmailChangesTable
  mail_queue: MailQueueTable
  events: EventsTable
  webhook_endpoints: WebhookEndpointsTable
  webhook_deliveries: WebhookDeliveriesTable
  expiry_reminders: ExpiryRemindersTable
  oauth_models: OAuthModelsTable
  oauth_authorizations: OAuthAuthorizationsTable
  credential_usage: CredentialUsageTable
  credential_addresses: CredentialAddressesTable
  credential_policies: CredentialPoliciesTable
}

/** oidc-provider's models (OAuth 2.1, SPEC §6): found by the keyed hash of their id, payload sealed. */
export interface OAuthModelsTable {
  model: string
  /** HMAC-SHA-256 of the model's id (for tokens and codes: of the token itself). */
  id_hash: string
  grant_id: string | null
  /** HMAC-SHA-256 of a session's uid: sessions are also found by it. */
  uid_hash: string | null
  /** AES-256-GCM sealed JSON, bound to its model and id hash. */
  payload: string
  expires_at: string | null
  consumed_at: string | null
}

/** One consent: a user let a client act as them in one organization (GET /v1/authorized-apps). */
export interface OAuthAuthorizationsTable {
  grant_id: string
  client_id: string
  client_name: string | null
  user_id: string
  organization_id: string
  /** JSON array of the scopes granted. */
  scopes: string
  created_at: string
  last_used_at: string | null
  revoked_at: string | null
}

/** Requests of one credential in one hour with one outcome (`VALID` or the refusal's code). */
export interface CredentialUsageTable {
  credential_id: string
  /** The hour's start, ISO 8601 UTC. */
  hour: string
  outcome: string
  count: number
}

/** An address a credential was accepted from; at most the ten most recent are kept per credential. */
export interface CredentialAddressesTable {
  credential_id: string
  ip: string
  first_seen_at: string
  last_seen_at: string
}

/** An organization's rules for the credentials created in it; no row: no rules. */
export interface CredentialPoliciesTable {
  organization_id: string
  max_lifetime_seconds: number | null
  /** 0 or 1. */
  expiry_required: number
  /** JSON array of `live` / `test`. */
  allowed_environments: string
  /** 0 or 1. */
  live_requires_allowed_ips: number
  updated_at: string
  updated_by_type: ActorType
  updated_by_id: string | null
  updated_by_name: string
}
