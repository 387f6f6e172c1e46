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
} from '@brandwave/contract'
import type { Clock } from '../../clock.js'
import { decodeCursor, encodeCursor } from '../../http/cursor.js'
import type { WebhookDeliveryRecord, WebhookEndpointRecord, WebhookEndpointService } from '../../webhooks/endpoints.js'
import type { RouteRegistrar } from '../route-registrar.js'

function endpointResponse(endpoint: WebhookEndpointRecord, now: number): WebhookEndpoint {
  const { id, url, description, eventTypes, status, disabledReason, previousSecretExpiresAt, createdAt, updatedAt } = endpoint
  const previousLive = previousSecretExpiresAt !== null && Date.parse(previousSecretExpiresAt) > now
  return { id, url, description, events: eventTypes === null ? null : [...eventTypes], status, disabledReason, previousSecretExpiresAt: previousLive ? previousSecretExpiresAt : null, createdAt, updatedAt }
}

function deliveryResponse({ seq: _seq, ...delivery }: WebhookDeliveryRecord): WebhookDelivery {
  return { ...delivery, nextAttemptAt: delivery.status === 'pending' ? delivery.nextAttemptAt : null }
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
