import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  getWebhookEndpoint,
  listWebhookDeliveries,
  listWebhookEndpoints,
  retryWebhookDelivery,
  rotateWebhookEndpointSecret,
  updateWebhookEndpoint,
  type WebhookDelivery,
  type WebhookEndpoint,
  type WebhookEventType,
} from '@brandwave/contract'
import type { Clock } from '../../clock.js'
import { decodeCursor, encodeCursor } from '../../http/cursor.js'
import type { WebhookEndpointService } from '../../services/webhook-endpoints.js'
import type { WebhookDeliveryView, WebhookEndpointRow } from '../../services/webhook-endpoints.js'
import type { RouteRegistrar } from '../route-registrar.js'

function endpointResponse(row: WebhookEndpointRow, now: number): WebhookEndpoint {
  const previousLive = row.previous_secret_expires_at !== null && Date.parse(row.previous_secret_expires_at) > now
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: row.event_types === null ? null : (JSON.parse(row.event_types) as WebhookEventType[]),
    status: row.status,
    disabledReason: row.disabled_reason,
    previousSecretExpiresAt: previousLive ? row.previous_secret_expires_at : null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

function deliveryResponse(row: WebhookDeliveryView): WebhookDelivery {
  return {
    id: row.id,
    eventId: row.event_id,
    eventType: row.event_type,
    status: row.status,
    attempts: row.attempts,
    lastStatus: row.last_status,
    lastError: row.last_error,
    lastAttemptAt: row.last_attempt_at,
    nextAttemptAt: row.status === 'pending' ? row.next_attempt_at : null,
    createdAt: row.created_at,
  }
}

/** Where the organization's events go, and how their delivery went. */
export function webhookEndpointRoutes(route: RouteRegistrar, { webhookEndpoints, clock }: { webhookEndpoints: WebhookEndpointService; clock: Clock }): void {
  route(createWebhookEndpoint, async ({ principal, body, request }) => {
    const { endpoint, secret } = await webhookEndpoints.create(principal, body, request)
    return { status: 201, body: { data: { ...endpointResponse(endpoint, clock.now()), secret } } }
  })

  route(listWebhookEndpoints, async ({ principal, query }) => {
    const page = await webhookEndpoints.list(principal, { limit: query.limit ?? 20, afterId: decodeCursor(query.cursor, 'id') })
    const now = clock.now()
    return { status: 200, body: { items: page.items.map((row) => endpointResponse(row, now)), totalCount: page.totalCount, facets: page.facets, nextCursor: encodeCursor(page.nextAfterId) } }
  })

  route(getWebhookEndpoint, async ({ principal, params }) => {
    return { status: 200, body: { data: endpointResponse(await webhookEndpoints.get(principal, params.id), clock.now()) } }
  })

  route(updateWebhookEndpoint, async ({ principal, params, body, request }) => {
    return { status: 200, body: { data: endpointResponse(await webhookEndpoints.update(principal, params.id, body, request), clock.now()) } }
  })

  route(deleteWebhookEndpoint, async ({ principal, params, request }) => {
    await webhookEndpoints.delete(principal, params.id, request)
    return { status: 200, body: { data: { id: params.id, deleted: true as const } } }
  })

  route(rotateWebhookEndpointSecret, async ({ principal, params, request }) => {
    const { endpoint, secret } = await webhookEndpoints.rotateSecret(principal, params.id, request)
    return { status: 200, body: { data: { ...endpointResponse(endpoint, clock.now()), secret } } }
  })

  route(listWebhookDeliveries, async ({ principal, params, query }) => {
    const page = await webhookEndpoints.listDeliveries(principal, params.id, { limit: query.limit ?? 20, afterSeq: decodeCursor(query.cursor, 'seq') })
    return { status: 200, body: { items: page.items.map(deliveryResponse), totalCount: page.totalCount, facets: page.facets, nextCursor: encodeCursor(page.nextAfterSeq) } }
  })

  route(retryWebhookDelivery, async ({ principal, params, request }) => {
    return { status: 202, body: { data: deliveryResponse(await webhookEndpoints.retryDelivery(principal, params.id, params.deliveryId, request)) } }
  })
}
