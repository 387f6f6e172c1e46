import { randomBytes } from 'node:crypto'
import type { WebhookEventType } from '@brandwave/contract'
import { ApiError, seal } from '@brandwave/core'
import type { Principal } from '../auth/principal.js'
import { isoAt, type Clock } from '../clock.js'
import { newId } from '../ids.js'
import type { EndpointChanges, WebhookDeliveryRecord, WebhookEndpointRecord } from '../storage/webhooks.js'

export type { WebhookDeliveryRecord, WebhookEndpointRecord }
import { webhookSecretBinding } from './dispatcher.js'
import { targetRefusal } from './target.js'
import { type AuditLog } from '../services/audit.js'
import { auditActorOf } from '../services/audit-record.js'
import { type RequestContext } from '../request-context.js'
import type { Repositories, Storage } from '../storage/index.js'

/** How long the secret before a rotation keeps signing alongside the new one. */
const PREVIOUS_SECRET_LIFETIME_MS = 24 * 3_600_000

export interface WebhookEndpointServiceDependencies {
  readonly storage: Storage
  readonly clock: Clock
  readonly secretKey: Buffer
  /** `BRANDWAVE_WEBHOOK_ALLOW_PRIVATE`: skip the target check (a lab, or tests). */
  readonly allowPrivate: boolean
  readonly audit: AuditLog
  /** Tells the dispatcher a delivery is due now. */
  readonly wake: () => void
}

export interface WebhookEndpointInput {
  readonly url?: string
  readonly events?: readonly WebhookEventType[] | null
  readonly description?: string | null
  readonly status?: 'enabled' | 'disabled'
}

const NOT_FOUND = 'No webhook endpoint of this organization has this id.'

/** A Standard Webhooks secret: `whsec_` and 32 random bytes in base64. */
function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`
}

/**
 * Webhook endpoints of an organization and their delivery log (SPEC §10). Callers have
 * checked the principal's scope. Secrets are sealed at rest, bound to their endpoint, and
 * returned only by create and rotate-secret.
 */
export class WebhookEndpointService {
  constructor(private readonly deps: WebhookEndpointServiceDependencies) {}

  /** http(s) only, no credentials in the URL, and (unless allowed) only public addresses. */
  private async checkUrl(raw: string): Promise<string> {
    let url: URL
    try {
      url = new URL(raw)
    } catch {
      throw invalidUrl('is not a URL')
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalidUrl('must be an http or https URL')
    if (url.username !== '' || url.password !== '') throw invalidUrl('must not hold a user name or password; authenticate receivers with the signature')
    if (!this.deps.allowPrivate) {
      const refusal = await targetRefusal(url)
      if (refusal === 'unresolvable') throw invalidUrl('has a host name that does not resolve')
      if (refusal !== null) throw invalidUrl(`points at a ${refusal} address, which webhooks may not reach`)
    }
    return url.toString()
  }

  async create(principal: Principal, input: { url: string; events?: readonly WebhookEventType[]; description?: string }, context: RequestContext): Promise<{ endpoint: WebhookEndpointRecord; secret: string }> {
    const url = await this.checkUrl(input.url)
    const now = isoAt(this.deps.clock.now())
    const id = newId()
    const secret = newSecret()
    const endpoint: WebhookEndpointRecord = {
      id,
      organizationId: principal.organizationId,
      url,
      description: input.description ?? null,
      eventTypes: input.events ?? null,
      sealedSecret: seal(this.deps.secretKey, secret, webhookSecretBinding(id)),
      previousSealedSecret: null,
      previousSecretExpiresAt: null,
      status: 'enabled',
      disabledReason: null,
      createdAt: now,
      updatedAt: now,
    }
    await this.deps.storage.transaction(async (repos) => {
      await repos.webhooks.insertEndpoint(endpoint)
      await this.audit(repos, principal, 'webhook_endpoint.created', endpoint, context, { events: input.events ?? null })
    })
    return { endpoint, secret }
  }

  list(principal: Principal, page: { limit: number; afterId: string | null }) {
    return this.deps.storage.webhooks.listEndpoints(principal.organizationId, page)
  }

  async get(principal: Principal, id: string): Promise<WebhookEndpointRecord> {
    const endpoint = await this.deps.storage.webhooks.findEndpoint(principal.organizationId, id)
    if (endpoint === undefined) throw new ApiError('not_found', NOT_FOUND)
    return endpoint
  }

  async update(principal: Principal, id: string, input: WebhookEndpointInput, context: RequestContext): Promise<WebhookEndpointRecord> {
    const current = await this.get(principal, id)
    const changes: EndpointChanges = {
      ...(input.url !== undefined && { url: await this.checkUrl(input.url) }),
      ...(input.events !== undefined && { eventTypes: input.events }),
      ...(input.description !== undefined && { description: input.description }),
      ...(input.status !== undefined && { status: input.status, disabledReason: input.status === 'disabled' ? 'disabled' : null }),
    }
    await this.deps.storage.transaction(async (repos) => {
      await repos.webhooks.updateEndpoint(id, changes, isoAt(this.deps.clock.now()))
      await this.audit(repos, principal, 'webhook_endpoint.updated', current, context, {
        ...(changes.url !== undefined && { host: new URL(changes.url).host }),
        ...(input.events !== undefined && { events: input.events }),
        ...(input.description !== undefined && { description: input.description }),
        ...(input.status !== undefined && { status: input.status }),
      })
    })
    // Turned back on: what waited while it was off is due now.
    if (input.status === 'enabled') this.deps.wake()
    return this.get(principal, id)
  }

  async delete(principal: Principal, id: string, context: RequestContext): Promise<void> {
    const current = await this.get(principal, id)
    await this.deps.storage.transaction(async (repos) => {
      await repos.webhooks.deleteEndpoint(id)
      await this.audit(repos, principal, 'webhook_endpoint.deleted', current, context)
    })
  }

  async rotateSecret(principal: Principal, id: string, context: RequestContext): Promise<{ endpoint: WebhookEndpointRecord; secret: string }> {
    const current = await this.get(principal, id)
    const now = this.deps.clock.now()
    const secret = newSecret()
    const previousExpiresAt = isoAt(now + PREVIOUS_SECRET_LIFETIME_MS)
    await this.deps.storage.transaction(async (repos) => {
      await repos.webhooks.updateEndpoint(
        id,
        { sealedSecret: seal(this.deps.secretKey, secret, webhookSecretBinding(id)), previousSealedSecret: current.sealedSecret, previousSecretExpiresAt: previousExpiresAt },
        isoAt(now),
      )
      await this.audit(repos, principal, 'webhook_endpoint.secret_rotated', current, context, { previousSecretExpiresAt: previousExpiresAt })
    })
    return { endpoint: await this.get(principal, id), secret }
  }

  async listDeliveries(principal: Principal, id: string, page: { limit: number; afterSeq: number | null }) {
    await this.get(principal, id)
    return this.deps.storage.webhooks.listDeliveries(id, page)
  }

  async retryDelivery(principal: Principal, id: string, deliveryId: string, context: RequestContext): Promise<WebhookDeliveryRecord> {
    const endpoint = await this.get(principal, id)
    const repository = this.deps.storage.webhooks
    const delivery = await repository.findDelivery(id, deliveryId)
    if (delivery === undefined) throw new ApiError('not_found', 'This endpoint has no delivery with this id.')
    if (endpoint.status === 'disabled') throw new ApiError('conflict', 'The endpoint is disabled; enable it first.')
    const requeued = await this.deps.storage.transaction(async (repos) => {
      if (!(await repos.webhooks.requeueDelivery(deliveryId, isoAt(this.deps.clock.now())))) return false
      await this.audit(repos, principal, 'webhook_delivery.retried', endpoint, context, { deliveryId, eventId: delivery.eventId })
      return true
    })
    if (!requeued) throw new ApiError('conflict', 'This delivery is being sent right now.')
    this.deps.wake()
    const updated = await repository.findDelivery(id, deliveryId)
    if (updated === undefined) throw new ApiError('not_found', 'This endpoint has no delivery with this id.')
    return updated
  }

  private audit(
    repos: Repositories,
    principal: Principal,
    action: 'webhook_endpoint.created' | 'webhook_endpoint.updated' | 'webhook_endpoint.deleted' | 'webhook_endpoint.secret_rotated' | 'webhook_delivery.retried',
    endpoint: WebhookEndpointRecord,
    context: RequestContext,
    details: Record<string, unknown> = {},
  ): Promise<void> {
    const { actor, via } = auditActorOf(principal)
    // The host names the endpoint: a URL's path and query may carry the receiver's own tokens.
    const target = { type: 'webhook_endpoint' as const, id: endpoint.id, name: new URL(endpoint.url).host }
    return this.deps.audit.record(repos, { organizationId: principal.organizationId, action, actor, target, details: { ...details, ...via } }, context)
  }
}

function invalidUrl(message: string): ApiError {
  return new ApiError('validation_failed', `The webhook URL ${message}.`, { details: [{ field: '/url', message }] })
}
