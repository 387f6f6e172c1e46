import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createApiKey, joinOrganization, login, loginAdmin, signUp, type TestUser } from '@brandwave/testing/actors'
import { storageKinds } from '@brandwave/testing/databases'
import { startTestServer, type TestServer } from '@brandwave/testing/server'
import { WebhookReceiver, type ReceivedWebhook } from '@brandwave/testing/webhook-receiver'

const DAY = 86_400_000

/**
 * Verifies as a receiver would, with `standardwebhooks`, on a wall clock set to the server's
 * (tests move the server's clock; the library checks the timestamp against its own).
 */
function verify(secret: string, request: ReceivedWebhook): { type: string; timestamp: string; data: Record<string, any> } {
  vi.useFakeTimers({ toFake: ['Date'] })
  try {
    vi.setSystemTime(Number(request.headers['webhook-timestamp']) * 1000)
    return new Webhook(secret).verify(request.body, request.headers as Record<string, string>) as { type: string; timestamp: string; data: Record<string, any> }
  } finally {
    vi.useRealTimers()
  }
}

describe.each(storageKinds)('webhook endpoints (%s)', (kind) => {
  let server: TestServer
  const receivers: WebhookReceiver[] = []

  beforeAll(async () => {
    server = await startTestServer(kind, { env: { BRANDWAVE_WEBHOOK_ALLOW_PRIVATE: 'true' } })
  })
  afterAll(async () => {
    await server?.close()
    await Promise.all(receivers.map((receiver) => receiver.close()))
  })

  /** Runs every due delivery and reminder now, as the scheduler would when it wakes. */
  const deliverDue = () => server.running.app.webhooks.wake()

  async function receiver(): Promise<WebhookReceiver> {
    const created = new WebhookReceiver()
    await created.start()
    receivers.push(created)
    return created
  }

  /** A fresh organization (its own events only) with an endpoint pointing at a fresh receiver. */
  async function organizationWithEndpoint(body: Record<string, unknown> = {}) {
    const owner = await signUp(server, 'Hooks')
    const target = await receiver()
    const created = await server.request('POST', '/v1/webhook-endpoints', { token: owner.accessToken, body: { url: target.url, ...body } })
    expect(created.status, created.text).toBe(201)
    return { owner, target, endpoint: created.body.data }
  }

  it('201 creates an endpoint and shows its whsec_ secret once; get, list, patch and delete', async () => {
    const { owner, endpoint } = await organizationWithEndpoint({ description: 'CRM sync', events: ['api_key.created', 'api_key.revoked'] })
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/)
    expect(endpoint).toMatchObject({ description: 'CRM sync', events: ['api_key.created', 'api_key.revoked'], status: 'enabled', disabledReason: null })

    const got = await server.request('GET', `/v1/webhook-endpoints/${endpoint.id}`, { token: owner.accessToken })
    expect(got.status).toBe(200)
    expect(got.body.data.secret).toBeUndefined()
    expect(got.text).not.toContain(endpoint.secret)

    const list = await server.request('GET', '/v1/webhook-endpoints', { token: owner.accessToken })
    expect(list.status).toBe(200)
    expect(list.body).toMatchObject({ totalCount: 1, facets: { status: { enabled: 1, disabled: 0 } }, nextCursor: null })
    expect(list.text).not.toContain(endpoint.secret)

    const patched = await server.request('PATCH', `/v1/webhook-endpoints/${endpoint.id}`, { token: owner.accessToken, body: { events: null, description: null, status: 'disabled' } })
    expect(patched.status).toBe(200)
    expect(patched.body.data).toMatchObject({ events: null, description: null, status: 'disabled', disabledReason: 'disabled' })

    const audit = await server.request('GET', '/v1/audit-logs', { token: owner.accessToken })
    expect(audit.body.items.map((event: { action: string }) => event.action)).toEqual(expect.arrayContaining(['webhook_endpoint.created', 'webhook_endpoint.updated']))
    expect(audit.text).not.toContain(endpoint.secret)

    expect((await server.request('DELETE', `/v1/webhook-endpoints/${endpoint.id}`, { token: owner.accessToken })).status).toBe(200)
    expect((await server.request('GET', `/v1/webhook-endpoints/${endpoint.id}`, { token: owner.accessToken })).status).toBe(404)
    // Another organization's endpoint does not exist for this one.
    const other = await organizationWithEndpoint()
    expect((await server.request('GET', `/v1/webhook-endpoints/${other.endpoint.id}`, { token: owner.accessToken })).status).toBe(404)
  })

  it('400 for a URL that is not http(s), holds credentials, or an unknown event type; 403 for members and keys without webhooks scopes', async () => {
    const owner = await signUp(server, 'Strict')
    for (const body of [{ url: 'ftp://example.com/hooks' }, { url: 'http://user:pass@example.com/' }, { url: 'not a url' }, { url: 'https://example.com/', events: ['api_key.nope'] }, { url: 'https://example.com/', events: [] }]) {
      const response = await server.request('POST', '/v1/webhook-endpoints', { token: owner.accessToken, body })
      expect(response.status, JSON.stringify(body)).toBe(400)
      expect(response.body.error.code).toBe('validation_failed')
    }
    const member = await joinOrganization(server, owner, 'member', 'Plain')
    const refused = await server.request('GET', '/v1/webhook-endpoints', { token: member.accessToken })
    expect(refused.status).toBe(403)
    const reader = await createApiKey(server, owner.accessToken, { scopes: ['webhooks:read'] })
    expect((await server.request('GET', '/v1/webhook-endpoints', { token: reader.token })).status).toBe(200)
    const write = await server.request('POST', '/v1/webhook-endpoints', { token: reader.token, body: { url: 'https://example.com/' } })
    expect(write.status).toBe(403)
    expect(write.body.error.code).toBe('insufficient_scope')
  })

  it('api_key.created, rotated and revoked arrive as Standard Webhooks that verify, and hold no secret', async () => {
    const { owner, target, endpoint } = await organizationWithEndpoint()
    const key = await createApiKey(server, owner.accessToken, { name: 'Billing', scopes: ['api_keys:read'] })
    const rotated = await server.request('POST', `/v1/api-keys/${key.id}/rotate`, { token: owner.accessToken, body: {} })
    expect(rotated.status).toBe(201)
    const successor = rotated.body.data
    expect((await server.request('DELETE', `/v1/api-keys/${successor.id}`, { token: owner.accessToken })).status).toBe(200)
    await deliverDue()
    await target.waitFor(3)

    const events = target.received.map((request) => verify(endpoint.secret, request))
    expect(events.map((event) => event.type).sort()).toEqual(['api_key.created', 'api_key.revoked', 'api_key.rotated'])
    const byType = Object.fromEntries(events.map((event) => [event.type, event]))
    expect(byType['api_key.created']!.data).toMatchObject({ id: key.id, type: 'api_key', name: 'Billing', start: key.start, last4: key.last4, scopes: ['api_keys:read'], organizationId: owner.organizationId, actor: { type: 'user', id: owner.userId } })
    expect(byType['api_key.rotated']!.data).toMatchObject({ id: key.id, successorId: successor.id })
    expect(byType['api_key.revoked']!.data).toMatchObject({ id: successor.id, revocationReason: 'revoked' })
    for (const request of target.received) {
      expect(request.headers['webhook-id']).toMatch(/^[0-9a-f-]{36}$/)
      for (const secret of [key.token, successor.token, endpoint.secret, endpoint.secret.slice('whsec_'.length)]) expect(request.body).not.toContain(secret)
    }
    // A tampered body does not verify.
    const first = target.received[0]!
    expect(() => verify(endpoint.secret, { ...first, body: first.body.replace('api_key', 'api_kez') })).toThrow()

    const log = await server.request('GET', `/v1/webhook-endpoints/${endpoint.id}/deliveries`, { token: owner.accessToken })
    expect(log.status).toBe(200)
    expect(log.body.totalCount).toBe(3)
    expect(log.body.facets).toEqual({ status: { pending: 0, succeeded: 3, failed: 0 } })
    expect(log.body.items[0]).toMatchObject({ status: 'succeeded', attempts: 1, lastStatus: 200, lastError: null, nextAttemptAt: null })
  })

  it('member and personal access token changes are events too; an endpoint gets only the types it asked for', async () => {
    const { owner, target } = await organizationWithEndpoint({ events: ['member.added', 'member.role_changed', 'member.removed', 'personal_access_token.created'] })
    const member = await joinOrganization(server, owner, 'member', 'Joiner')
    expect((await server.request('PATCH', `/v1/members/${member.userId}`, { token: owner.accessToken, body: { role: 'company_admin' } })).status).toBe(200)
    const pat = await server.request('POST', '/v1/personal-access-tokens', { token: member.accessToken, body: { currentPassword: member.password, name: 'laptop' } })
    expect(pat.status).toBe(201)
    await createApiKey(server, owner.accessToken)
    expect((await server.request('DELETE', `/v1/members/${member.userId}`, { token: owner.accessToken })).status).toBe(200)
    await deliverDue()
    await target.waitFor(4)
    const events = target.events()
    expect(events.map((event) => event.type).sort()).toEqual(['member.added', 'member.removed', 'member.role_changed', 'personal_access_token.created'])
    expect(events.find((event) => event.type === 'member.role_changed')!.data).toMatchObject({ userId: member.userId, email: member.email, from: 'member', to: 'company_admin' })
    expect(events.find((event) => event.type === 'personal_access_token.created')!.data).toMatchObject({ id: pat.body.data.id, ownerUserId: member.userId })
    expect(JSON.stringify(events)).not.toContain(pat.body.data.token)
  })

  it('a receiver answering 500 gets retries on the backoff schedule with the same webhook-id, until it succeeds', async () => {
    const { owner, target, endpoint } = await organizationWithEndpoint()
    target.respond = () => (target.received.length < 2 ? 500 : 200)
    await createApiKey(server, owner.accessToken)
    await deliverDue()
    expect(target.received).toHaveLength(1)

    const deliveries = async () => (await server.request('GET', `/v1/webhook-endpoints/${endpoint.id}/deliveries`, { token: owner.accessToken })).body.items[0]
    const afterFirst = await deliveries()
    expect(afterFirst).toMatchObject({ status: 'pending', attempts: 1, lastStatus: 500, lastError: 'HTTP 500' })
    expect(Date.parse(afterFirst.nextAttemptAt) - Date.parse(afterFirst.lastAttemptAt)).toBe(5000)

    // Not due yet: nothing is sent early.
    server.clock.advance(4000)
    await deliverDue()
    expect(target.received).toHaveLength(1)
    server.clock.advance(1000)
    await deliverDue()
    expect(target.received).toHaveLength(2)
    const afterSecond = await deliveries()
    expect(afterSecond).toMatchObject({ status: 'pending', attempts: 2, lastStatus: 500 })
    expect(Date.parse(afterSecond.nextAttemptAt) - Date.parse(afterSecond.lastAttemptAt)).toBe(300_000)

    server.clock.advance(300_000)
    await deliverDue()
    expect(target.received).toHaveLength(3)
    expect(await deliveries()).toMatchObject({ status: 'succeeded', attempts: 3, lastStatus: 200, nextAttemptAt: null })
    expect(new Set(target.received.map((request) => request.headers['webhook-id'])).size).toBe(1)
    expect(new Set(target.received.map((request) => request.body)).size).toBe(1)
  })

  it('drains a backlog of 200 due deliveries, each once (throughput measured)', async () => {
    const { owner, target, endpoint } = await organizationWithEndpoint({ events: ['api_key.created'] })
    // Every first attempt fails, so 200 deliveries wait for the same retry time.
    target.respond = () => 500
    for (let i = 0; i < 200; i++) await createApiKey(server, owner.accessToken, { name: `backlog ${i}` })
    await deliverDue()
    expect(target.received).toHaveLength(200)
    target.respond = () => 200
    server.clock.advance(5000)
    const started = performance.now()
    await deliverDue()
    const seconds = (performance.now() - started) / 1000
    const delivered = target.received.slice(200)
    expect(delivered).toHaveLength(200)
    expect(new Set(delivered.map((request) => request.headers['webhook-id'])).size).toBe(200)
    const log = await server.request('GET', `/v1/webhook-endpoints/${endpoint.id}/deliveries?limit=1`, { token: owner.accessToken })
    expect(log.body.facets).toEqual({ status: { pending: 0, succeeded: 200, failed: 0 } })
    console.info(`webhook delivery (${kind}): 200 due deliveries claimed, signed, sent and recorded in ${seconds.toFixed(2)} s = ${(200 / seconds).toFixed(0)} deliveries/s`)
  })

  it('a receiver answering 410 disables the endpoint; nothing more is sent until it is enabled again', async () => {
    const { owner, target, endpoint } = await organizationWithEndpoint()
    target.respond = () => 410
    await createApiKey(server, owner.accessToken)
    await deliverDue()
    expect(target.received).toHaveLength(1)
    const disabled = await server.request('GET', `/v1/webhook-endpoints/${endpoint.id}`, { token: owner.accessToken })
    expect(disabled.body.data).toMatchObject({ status: 'disabled', disabledReason: 'gone' })
    const log = await server.request('GET', `/v1/webhook-endpoints/${endpoint.id}/deliveries`, { token: owner.accessToken })
    expect(log.body.items[0]).toMatchObject({ status: 'failed', attempts: 1, lastStatus: 410, nextAttemptAt: null })
    const audit = await server.request('GET', '/v1/audit-logs?action=webhook_endpoint.disabled', { token: owner.accessToken })
    expect(audit.body.items[0]).toMatchObject({ actor: { type: 'system' }, target: { type: 'webhook_endpoint', id: endpoint.id } })

    await createApiKey(server, owner.accessToken)
    server.clock.advance(600_000)
    await deliverDue()
    expect(target.received).toHaveLength(1)
    // A retry by hand is refused while it is off.
    const refused = await server.request('POST', `/v1/webhook-endpoints/${endpoint.id}/deliveries/${log.body.items[0].id}/retry`, { token: owner.accessToken })
    expect(refused.status).toBe(409)

    target.respond = () => 200
    expect((await server.request('PATCH', `/v1/webhook-endpoints/${endpoint.id}`, { token: owner.accessToken, body: { status: 'enabled' } })).body.data.status).toBe('enabled')
    await deliverDue()
    expect(target.received).toHaveLength(1)
    const newer = await createApiKey(server, owner.accessToken)
    await deliverDue()
    expect(target.events().at(-1)!.data.id).toBe(newer.id)
  })

  it('a delivery can be sent again by hand, with the same webhook-id and body', async () => {
    const { owner, target, endpoint } = await organizationWithEndpoint()
    await createApiKey(server, owner.accessToken)
    await deliverDue()
    await target.waitFor(1)
    const log = await server.request('GET', `/v1/webhook-endpoints/${endpoint.id}/deliveries`, { token: owner.accessToken })
    const deliveryId = log.body.items[0].id
    const retried = await server.request('POST', `/v1/webhook-endpoints/${endpoint.id}/deliveries/${deliveryId}/retry`, { token: owner.accessToken })
    expect(retried.status).toBe(202)
    expect(retried.body.data).toMatchObject({ id: deliveryId, status: 'pending' })
    await deliverDue()
    await target.waitFor(2)
    expect(target.received[1]!.headers['webhook-id']).toBe(target.received[0]!.headers['webhook-id'])
    expect(target.received[1]!.body).toBe(target.received[0]!.body)
    const unknown = await server.request('POST', `/v1/webhook-endpoints/${endpoint.id}/deliveries/01936f0e-8a5e-7cc2-9d2b-3f4e5a6b7c8d/retry`, { token: owner.accessToken })
    expect(unknown.status).toBe(404)
  })

  it('after a secret rotation both secrets sign for 24 hours, then only the new one', async () => {
    const { owner, target, endpoint } = await organizationWithEndpoint()
    const rotated = await server.request('POST', `/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, { token: owner.accessToken })
    expect(rotated.status).toBe(200)
    const newSecret = rotated.body.data.secret
    expect(newSecret).toMatch(/^whsec_/)
    expect(newSecret).not.toBe(endpoint.secret)
    expect(rotated.body.data.previousSecretExpiresAt).not.toBeNull()

    await createApiKey(server, owner.accessToken)
    await deliverDue()
    await target.waitFor(1)
    const during = target.received[0]!
    expect(String(during.headers['webhook-signature']).split(' ')).toHaveLength(2)
    for (const secret of [endpoint.secret, newSecret]) expect(verify(secret, during).type).toBe('api_key.created')

    server.clock.advance(DAY + 1000)
    const later = await login(server, owner.email, owner.password)
    await createApiKey(server, later.accessToken)
    await deliverDue()
    await target.waitFor(2)
    const after = target.received[1]!
    expect(String(after.headers['webhook-signature']).split(' ')).toHaveLength(1)
    expect(verify(newSecret, after).type).toBe('api_key.created')
    expect(() => verify(endpoint.secret, after)).toThrow()
    expect((await server.request('GET', `/v1/webhook-endpoints/${endpoint.id}`, { token: later.accessToken })).body.data.previousSecretExpiresAt).toBeNull()
  })

  it('*.expiring goes out 30, 7 and 1 days before expiry, once each, and *.expired when it passes', async () => {
    const { owner, target } = await organizationWithEndpoint({ events: ['api_key.expiring', 'api_key.expired', 'personal_access_token.expiring'] })
    const expiresAt = server.clock.now() + 31 * DAY
    const key = await createApiKey(server, owner.accessToken, { expiresAt: new Date(expiresAt).toISOString() })
    const reminders = () => target.events().filter((event) => event.data.id === key.id).map((event) => `${event.type}:${event.data.daysBefore ?? ''}`)

    await deliverDue()
    expect(reminders()).toEqual([])
    server.clock.set(expiresAt - 30 * DAY)
    await deliverDue()
    await deliverDue()
    expect(reminders()).toEqual(['api_key.expiring:30'])
    server.clock.set(expiresAt - 7 * DAY - 1)
    await deliverDue()
    expect(reminders()).toEqual(['api_key.expiring:30'])
    server.clock.set(expiresAt - 7 * DAY)
    await deliverDue()
    server.clock.set(expiresAt - DAY + 1)
    await deliverDue()
    await deliverDue()
    expect(reminders()).toEqual(['api_key.expiring:30', 'api_key.expiring:7', 'api_key.expiring:1'])
    server.clock.set(expiresAt)
    await deliverDue()
    server.clock.advance(DAY)
    await deliverDue()
    expect(reminders()).toEqual(['api_key.expiring:30', 'api_key.expiring:7', 'api_key.expiring:1', 'api_key.expired:'])
    expect(target.events().find((event) => event.type === 'api_key.expired')!.data).toMatchObject({ expiresAt: new Date(expiresAt).toISOString(), actor: { type: 'system' } })
  })

  it('a credential that starts inside a reminder window gets only the latest reminder; a revoked one gets none', async () => {
    const { owner, target } = await organizationWithEndpoint({ events: ['api_key.expiring', 'api_key.expired'] })
    const soon = await createApiKey(server, owner.accessToken, { expiresAt: new Date(server.clock.now() + 5 * DAY).toISOString() })
    const revoked = await createApiKey(server, owner.accessToken, { expiresAt: new Date(server.clock.now() + 40 * DAY).toISOString() })
    expect((await server.request('DELETE', `/v1/api-keys/${revoked.id}`, { token: owner.accessToken })).status).toBe(200)
    await deliverDue()
    server.clock.advance(6 * DAY)
    await deliverDue()
    // The revoked one passes through all its windows and its expiry without a word.
    for (const days of [10, 20, 5]) {
      server.clock.advance(days * DAY)
      await deliverDue()
    }
    const seen = target.events().map((event) => `${event.type}:${event.data.id}:${event.data.daysBefore ?? ''}`)
    expect(seen).toEqual([`api_key.expiring:${soon.id}:7`, `api_key.expired:${soon.id}:`])
  })

  it('a credential that expired more than a week before the reminders looked is not announced', async () => {
    const { owner, target } = await organizationWithEndpoint({ events: ['api_key.expiring', 'api_key.expired'] })
    await createApiKey(server, owner.accessToken, { expiresAt: new Date(server.clock.now() + 40 * DAY).toISOString() })
    await deliverDue()
    // As if the server had been down (or reminders did not exist) from then until 8 days after its expiry.
    server.clock.advance(48 * DAY)
    await deliverDue()
    expect(target.received).toHaveLength(0)
  })
})

describe.each(storageKinds)('webhook targets (%s)', (kind) => {
  let server: TestServer
  let admin: TestUser
  let target: WebhookReceiver

  beforeAll(async () => {
    server = await startTestServer(kind)
    admin = await loginAdmin(server)
    target = new WebhookReceiver()
    await target.start()
  })
  afterAll(async () => {
    await server?.close()
    await target?.close()
  })

  it.each([
    ['cloud metadata', 'http://169.254.169.254/latest/meta-data/'],
    ['a private address', 'http://10.0.0.1/hooks'],
    ['IPv6 loopback', 'http://[::1]:8080/hooks'],
    ['IPv4-mapped loopback', 'http://[::ffff:127.0.0.1]/hooks'],
    ['a name that resolves to loopback', 'http://localhost:8080/hooks'],
    ['the loopback receiver', 'receiver'],
  ])('400 for %s', async (_name, url) => {
    const response = await server.request('POST', '/v1/webhook-endpoints', { token: admin.accessToken, body: { url: url === 'receiver' ? target.url : url } })
    expect(response.status).toBe(400)
    expect(response.body.error.code).toBe('validation_failed')
    expect(response.body.error.details[0].field).toBe('/url')
  })

  it('the target is checked again at delivery: endpoints made while private targets were allowed get nothing once they are not', async () => {
    await server.restartWith({ BRANDWAVE_WEBHOOK_ALLOW_PRIVATE: 'true' })
    // One by address, one by a name that resolves to loopback (refused by the socket's lookup).
    const urls = [target.url, target.url.replace('127.0.0.1', 'localhost')]
    const endpoints = []
    for (const url of urls) {
      const created = await server.request('POST', '/v1/webhook-endpoints', { token: admin.accessToken, body: { url } })
      expect(created.status).toBe(201)
      endpoints.push(created.body.data)
    }
    await server.restartWith({})
    await createApiKey(server, admin.accessToken)
    await server.running.app.webhooks.wake()
    expect(target.received).toHaveLength(0)
    for (const endpoint of endpoints) {
      const log = await server.request('GET', `/v1/webhook-endpoints/${endpoint.id}/deliveries`, { token: admin.accessToken })
      expect(log.body.items[0]).toMatchObject({ status: 'pending', attempts: 1, lastStatus: null })
      expect(log.body.items[0].lastError).toMatch(/^refused: (127\.0\.0\.1|localhost) is a loopback address$/)
    }
  })
})
