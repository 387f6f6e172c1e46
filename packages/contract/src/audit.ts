import Type, { type Static } from 'typebox'
import { Cursor, Limit, Nullable, PlainText, Timestamp, Uuid } from './common.js'

export const AUDIT_ACTIONS = [
  'credential.created',
  'credential.updated',
  'credential.revoked',
  'credential.rotated',
  'credential.family_revoked',
  'credential.exposed',
  'credential.disabled',
  'credential.enabled',
  'organization.credential_policy_updated',
  'member.added',
  'member.role_changed',
  'member.removed',
  'member.sessions_ended',
  'auth.signup',
  'auth.login_succeeded',
  'auth.login_failed',
  'auth.logout',
  'auth.refresh_reuse_detected',
  'auth.password_changed',
  'auth.login_throttled',
  'auth.two_factor_enabled',
  'auth.two_factor_disabled',
  'auth.recovery_code_used',
  'auth.recovery_codes_regenerated',
  'auth.step_up_failed',
  'auth.email_change_requested',
  'auth.email_changed',
  'invitation.created',
  'invitation.accepted',
  'invitation.withdrawn',
  'auth.password_reset',
  'webhook_endpoint.created',
  'webhook_endpoint.updated',
  'webhook_endpoint.deleted',
  'webhook_endpoint.secret_rotated',
  'webhook_endpoint.disabled',
  'webhook_delivery.retried',
  'oauth_app.authorized',
  'oauth_app.revoked',
  'oauth_app.token_issued',
  'oauth_app.grant_ended',
  'oauth_app.token_exposed',
] as const
export type AuditAction = (typeof AUDIT_ACTIONS)[number]

export const AuditEvent = Type.Object(
  {
    id: Uuid,
    action: Type.Enum([...AUDIT_ACTIONS]),
    actor: Type.Object(
      { type: Type.Enum(['user', 'api_key', 'system', 'anonymous']), id: Nullable(Type.String()), name: Nullable(Type.String()) },
      { additionalProperties: false },
    ),
    target: Nullable(
      Type.Object(
        { type: Type.Enum(['personal_access_token', 'api_key', 'user', 'session', 'organization', 'invitation', 'webhook_endpoint', 'oauth_app']), id: Type.String(), name: Nullable(Type.String()) },
        { additionalProperties: false },
      ),
    ),
    ip: Nullable(Type.String()),
    userAgent: Nullable(Type.String()),
    requestId: Nullable(Type.String()),
    details: Type.Record(Type.String(), Type.Unknown(), { description: 'What changed (names, roles, scopes, grace periods) — never a secret.' }),
    createdAt: Timestamp,
  },
  { additionalProperties: false },
)
export type AuditEvent = Static<typeof AuditEvent>

export const ListAuditEventsQuery = Type.Object(
  {
    action: Type.Optional(Type.Enum([...AUDIT_ACTIONS])),
    actorId: Type.Optional(PlainText({ maxLength: 64, description: 'The id of the user or API key that acted.' })),
    targetId: Type.Optional(PlainText({ maxLength: 64, description: 'The id of the credential, user, session or organization acted on.' })),
    since: Type.Optional(Type.String({ format: 'date-time', description: 'Events at or after this time.' })),
    until: Type.Optional(Type.String({ format: 'date-time', description: 'Events before this time.' })),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
)
export type ListAuditEventsQuery = Static<typeof ListAuditEventsQuery>

export const AuditFacets = Type.Object(
  { action: Type.Record(Type.String(), Type.Integer(), { description: 'Events per action over the filtered set.' }) },
  { additionalProperties: false },
)
