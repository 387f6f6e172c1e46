import { Data, NoBody, Page } from '../common.js'
import { defineOperation } from '../operation.js'
import {
  CreateWebhookEndpointBody,
  DeletedWebhookEndpoint,
  ListWebhookDeliveriesQuery,
  ListWebhookEndpointsQuery,
  UpdateWebhookEndpointBody,
  WebhookDelivery,
  WebhookDeliveryFacets,
  WebhookDeliveryParams,
  WebhookEndpoint,
  WebhookEndpointFacets,
  WebhookEndpointParams,
  WebhookEndpointWithSecret,
} from '../webhooks.js'

const tag = 'Webhooks'

export const createWebhookEndpoint = defineOperation({
  operationId: 'createWebhookEndpoint',
  method: 'POST',
  path: '/v1/webhook-endpoints',
  summary: 'Register a webhook endpoint',
  description:
    'The organization’s events are sent to `url` as Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`), signed with the `whsec_…` secret returned here once. Without `events`, every event type is sent.',
  tag,
  authentication: 'any',
  scope: 'webhooks:write',
  body: CreateWebhookEndpointBody,
  responses: { 201: Data(WebhookEndpointWithSecret) },
  errors: ['validation_failed'],
})

export const listWebhookEndpoints = defineOperation({
  operationId: 'listWebhookEndpoints',
  method: 'GET',
  path: '/v1/webhook-endpoints',
  summary: 'List webhook endpoints',
  tag,
  authentication: 'any',
  scope: 'webhooks:read',
  query: ListWebhookEndpointsQuery,
  responses: { 200: Page(WebhookEndpoint, WebhookEndpointFacets) },
  errors: ['validation_failed'],
})

export const getWebhookEndpoint = defineOperation({
  operationId: 'getWebhookEndpoint',
  method: 'GET',
  path: '/v1/webhook-endpoints/:id',
  summary: 'Get a webhook endpoint, without its secret',
  tag,
  authentication: 'any',
  scope: 'webhooks:read',
  params: WebhookEndpointParams,
  responses: { 200: Data(WebhookEndpoint) },
  errors: ['not_found'],
})

export const updateWebhookEndpoint = defineOperation({
  operationId: 'updateWebhookEndpoint',
  method: 'PATCH',
  path: '/v1/webhook-endpoints/:id',
  summary: 'Change a webhook endpoint',
  description: 'Change its URL, event types or description; `status: "enabled"` turns on again an endpoint that a 410 answer disabled.',
  tag,
  authentication: 'any',
  scope: 'webhooks:write',
  params: WebhookEndpointParams,
  body: UpdateWebhookEndpointBody,
  responses: { 200: Data(WebhookEndpoint) },
  errors: ['validation_failed', 'not_found'],
})

export const deleteWebhookEndpoint = defineOperation({
  operationId: 'deleteWebhookEndpoint',
  method: 'DELETE',
  path: '/v1/webhook-endpoints/:id',
  summary: 'Delete a webhook endpoint and its delivery log',
  tag,
  authentication: 'any',
  scope: 'webhooks:delete',
  params: WebhookEndpointParams,
  body: NoBody,
  bodyOptional: true,
  responses: { 200: Data(DeletedWebhookEndpoint) },
  errors: ['not_found'],
})

export const rotateWebhookEndpointSecret = defineOperation({
  operationId: 'rotateWebhookEndpointSecret',
  method: 'POST',
  path: '/v1/webhook-endpoints/:id/rotate-secret',
  summary: 'Rotate a webhook endpoint’s signing secret',
  description:
    'Returns the new secret once. For 24 hours every request carries two signatures, one with each secret, so receivers can switch without missing an event.',
  tag,
  authentication: 'any',
  scope: 'webhooks:workflow',
  params: WebhookEndpointParams,
  body: NoBody,
  bodyOptional: true,
  responses: { 200: Data(WebhookEndpointWithSecret) },
  errors: ['not_found'],
})

export const listWebhookDeliveries = defineOperation({
  operationId: 'listWebhookDeliveries',
  method: 'GET',
  path: '/v1/webhook-endpoints/:id/deliveries',
  summary: 'The delivery log of a webhook endpoint',
  description: 'Newest first: each event sent or to be sent, its attempts, the last answer and the next retry.',
  tag,
  authentication: 'any',
  scope: 'webhooks:read',
  params: WebhookEndpointParams,
  query: ListWebhookDeliveriesQuery,
  responses: { 200: Page(WebhookDelivery, WebhookDeliveryFacets) },
  errors: ['validation_failed', 'not_found'],
})

export const retryWebhookDelivery = defineOperation({
  operationId: 'retryWebhookDelivery',
  method: 'POST',
  path: '/v1/webhook-endpoints/:id/deliveries/:deliveryId/retry',
  summary: 'Send a delivery again now',
  description: 'With the same `webhook-id` and body. Refused with 409 while the endpoint is disabled or the delivery is being sent.',
  tag,
  authentication: 'any',
  scope: 'webhooks:workflow',
  params: WebhookDeliveryParams,
  body: NoBody,
  bodyOptional: true,
  responses: { 202: Data(WebhookDelivery) },
  errors: ['not_found', 'conflict'],
})
