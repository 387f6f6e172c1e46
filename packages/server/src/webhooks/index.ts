import type { FastifyInstance } from 'fastify'
import type { Clock } from '../clock.js'
import type { Config } from '../config.js'
import type { AuditLog } from '../services/audit.js'
import { ExpiryReminders } from '../services/expiry-reminders.js'
import type { Storage } from '../storage/index.js'
import { WebhookDispatcher } from './dispatcher.js'
import { WebhookSender } from './sender.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Webhook deliveries and expiry reminders; `wake()` runs what is due now (tests move the clock, then wake it). */
    webhooks: WebhookDispatcher
  }
}

export interface WebhookDeliveryDependencies {
  readonly config: Pick<Config, 'webhooks' | 'expiryReminderDays'>
  readonly storage: Storage
  readonly secretKey: Buffer
  readonly clock: Clock
  /** Its outbox is what is delivered. */
  readonly audit: AuditLog
}

/**
 * Delivers the outbox's events to webhook endpoints (SPEC §10), with expiry reminders
 * written on the same schedule. The caller starts and stops the dispatcher with the server.
 */
export function deliverWebhooks(app: FastifyInstance, deps: WebhookDeliveryDependencies): WebhookDispatcher {
  const { config, storage, clock, audit } = deps
  const { outbox } = audit
  const webhooks = new WebhookDispatcher({
    storage,
    clock,
    secretKey: deps.secretKey,
    retrySeconds: config.webhooks.retrySeconds,
    sender: new WebhookSender(config.webhooks.allowPrivate),
    reminders: new ExpiryReminders({ storage, clock, outbox, reminderDays: config.expiryReminderDays }),
    audit,
    logger: app.log,
  })
  outbox.onCommitted(() => void webhooks.wake())
  app.decorate('webhooks', webhooks)
  // A request that wrote an event has committed it by the time it answers: deliver now.
  app.addHook('onResponse', (request, _reply, done) => {
    outbox.requestFinished(request.id)
    done()
  })
  return webhooks
}
