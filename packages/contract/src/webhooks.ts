import Type, { type Static } from 'typebox'
import { Cursor, Limit, Nullable, PlainText, Timestamp, Uuid } from './common.js'

const CREDENTIAL_EVENTS = ['created', 'rotated', 'revoked', 'expiring', 'expired', 'exposed', 'reuse_detected', 'disabled', 'enabled'] as const

/** Every event type a webhook endpoint can receive (SPEC §10). */
export const WEBHOOK_EVENT_TYPES = [
  ...CREDENTIAL_EVENTS.map((event) => `api_key.${event}` as const),
  ...CREDENTIAL_EVENTS.map((event) => `personal_access_token.${event}` as const),
  'member.added',
  'member.removed',
  'member.role_changed',
  'oauth_app.authorized',
  'oauth_app.revoked',
] as const
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number]

export const WebhookEventTypeSchema = Type.Enum([...WEBHOOK_EVENT_TYPES])

export const WebhookUrl = Type.String({
  minLength: 1,
  maxLength: 2048,
  description: 'http(s) URL that receives the events. Loopback, private, link-local and metadata addresses are refused unless the operator allows them.',
  examples: ['https://example.com/webhooks/brandwave'],
})

const EventTypes = Type.Array(WebhookEventTypeSchema, { minItems: 1, maxItems: WEBHOOK_EVENT_TYPES.length, uniqueItems: true })

export const WebhookEndpoint = Type.Object(
  {
    id: Uuid,
    url: Type.String(),
    description: Nullable(Type.String()),
    events: Nullable(Type.Array(WebhookEventTypeSchema, { description: 'The event types sent to this endpoint; null: all of them.' })),
    status: Type.Enum(['enabled', 'disabled']),
    disabledReason: Nullable(Type.String({ description: '`gone` when the receiver answered 410; `disabled` when someone turned it off.' })),
    previousSecretExpiresAt: Nullable(Timestamp),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { additionalProperties: false },
)
export type WebhookEndpoint = Static<typeof WebhookEndpoint>

export const WebhookEndpointWithSecret = Type.Object(
  {
    ...WebhookEndpoint.properties,
    secret: Type.String({ description: 'The `whsec_…` signing secret. Shown once: store it now.', examples: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'] }),
  },
  { additionalProperties: false },
)

export const CreateWebhookEndpointBody = Type.Object(
  {
    url: WebhookUrl,
    events: Type.Optional(EventTypes),
    description: Type.Optional(PlainText({ maxLength: 200 })),
  },
  { additionalProperties: false },
)
export type CreateWebhookEndpointBody = Static<typeof CreateWebhookEndpointBody>

export const UpdateWebhookEndpointBody = Type.Object(
  {
    url: Type.Optional(WebhookUrl),
    events: Type.Optional(Nullable(EventTypes)),
    description: Type.Optional(Nullable(PlainText({ maxLength: 200 }))),
    status: Type.Optional(Type.Enum(['enabled', 'disabled'], { description: 'Turn delivery off, or back on after a 410 disabled it.' })),
  },
  { additionalProperties: false },
)
export type UpdateWebhookEndpointBody = Static<typeof UpdateWebhookEndpointBody>

export const WebhookEndpointParams = Type.Object({ id: Uuid }, { additionalProperties: false })
export const WebhookDeliveryParams = Type.Object({ id: Uuid, deliveryId: Uuid }, { additionalProperties: false })

export const ListWebhookEndpointsQuery = Type.Object({ limit: Type.Optional(Limit), cursor: Type.Optional(Cursor) }, { additionalProperties: false })
export const ListWebhookDeliveriesQuery = Type.Object({ limit: Type.Optional(Limit), cursor: Type.Optional(Cursor) }, { additionalProperties: false })

export const WebhookEndpointFacets = Type.Object(
  { status: Type.Object({ enabled: Type.Integer(), disabled: Type.Integer() }, { additionalProperties: false }) },
  { additionalProperties: false },
)

export const WebhookDelivery = Type.Object(
  {
    id: Uuid,
    eventId: Type.String({ description: 'Sent as `webhook-id` on every attempt: receivers deduplicate on it.' }),
    eventType: Type.String(),
    status: Type.Enum(['pending', 'succeeded', 'failed']),
    attempts: Type.Integer({ minimum: 0 }),
    lastStatus: Nullable(Type.Integer({ description: 'HTTP status of the last attempt; null when it got no answer.' })),
    lastError: Nullable(Type.String()),
    lastAttemptAt: Nullable(Timestamp),
    nextAttemptAt: Nullable(Timestamp),
    createdAt: Timestamp,
  },
  { additionalProperties: false },
)
export type WebhookDelivery = Static<typeof WebhookDelivery>

export const WebhookDeliveryFacets = Type.Object(
  { status: Type.Object({ pending: Type.Integer(), succeeded: Type.Integer(), failed: Type.Integer() }, { additionalProperties: false }) },
  { additionalProperties: false },
)

export const DeletedWebhookEndpoint = Type.Object({ id: Uuid, deleted: Type.Literal(true) }, { additionalProperties: false })
