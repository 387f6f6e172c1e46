import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiKey, createPat, loginAdmin, signUp, type TestUser } from '@brandwave/testing/actors'
import { testDatabaseKinds } from '@brandwave/testing/databases'
import { startTestServer, type TestServer } from '@brandwave/testing/server'
import { WebhookReceiver } from '@brandwave/testing/webhook-receiver'

const PATH = '/v1/api-keys'
const DAY_MS = 86_400_000

/** Issue 24: credentials that describe (owner id, metadata) and meter themselves, switch off and on, and rotate with grace from first use. */
describe.each(testDatabaseKinds)('metered credentials (%s)', (kind) => {
  let server: TestServer
  let admin: TestUser
  // A key another service uses to verify the keys its customers present.
  let verifier: { token: string }

  beforeAll(async () => {
    server = await startTestServer(kind, { env: { BRANDWAVE_RESOURCES: 'contacts', BRANDWAVE_WEBHOOK_ALLOW_PRIVATE: 'true' } })
    admin = await loginAdmin(server)
    verifier = await createApiKey(server, admin.accessToken, { name: 'gateway', scopes: ['api_keys:workflow'] })
  })
  afterAll(() => server?.close())

  const verify = (body: Record<string, unknown>) => server.request('POST', '/v1/keys/verify', { token: verifier.token, body })
  const me = (token: string) => server.request('GET', '/v1/me', { token })
  /** Moves the shared clock; sessions expire after 15 minutes, so the admin signs in again. */
  const moveClock = async (to: number) => {
    server.clock.set(to)
    admin = await loginAdmin(server)
  }
  const get = async (id: string) => (await server.request('GET', `${PATH}/${id}`, { token: admin.accessToken })).body.data

  describe('owner and metadata', () => {
    it('201: externalId and metadata are stored and returned by create, get, list, /v1/me and verify; lists filter by externalId', async () => {
      const metadata = { plan: 'pro', limits: { seats: 5, regions: ['eu', 'us'] }, trial: false }
      const key = await createApiKey(server, admin.accessToken, { name: 'Acme', scopes: ['contacts:read'], externalId: 'cus_acme_1', metadata })
      expect(key).toMatchObject({ externalId: 'cus_acme_1', metadata, remaining: null, refill: null, disabledAt: null, status: 'active' })
      const other = await createApiKey(server, admin.accessToken, { name: 'Other', scopes: ['contacts:read'], externalId: 'cus_other' })
      expect(other.metadata).toBeNull()

      expect(await get(key.id)).toMatchObject({ externalId: 'cus_acme_1', metadata })
      expect((await me(key.token)).body.data).toMatchObject({ keyId: key.id, externalId: 'cus_acme_1', metadata })
      const verified = (await verify({ key: key.token })).body.data
      expect(verified).toMatchObject({ valid: true, code: 'VALID', remaining: null, credential: { id: key.id, externalId: 'cus_acme_1', metadata } })

      const listed = await server.request('GET', `${PATH}?externalId=cus_acme_1`, { token: admin.accessToken })
      expect(listed.status).toBe(200)
      expect(listed.body.items.map((item: { id: string }) => item.id)).toEqual([key.id])
      expect(listed.body.totalCount).toBe(1)
      expect((await server.request('GET', `${PATH}?externalId=nobody`, { token: admin.accessToken })).body.totalCount).toBe(0)
    })

    it('PATCH changes and clears them; the audit log names the metadata keys before and after, never a value', async () => {
      const key = await createApiKey(server, admin.accessToken, { scopes: ['contacts:read'], externalId: 'cus_1', metadata: { plan: 'free', apiSecretLike: 'sk_live_do_not_log' } })
      const patched = await server.request('PATCH', `${PATH}/${key.id}`, { token: admin.accessToken, body: { externalId: 'cus_2', metadata: { plan: 'pro', seats: 3 } } })
      expect(patched.status, patched.text).toBe(200)
      expect(patched.body.data).toMatchObject({ externalId: 'cus_2', metadata: { plan: 'pro', seats: 3 } })
      // The very next request sees the new metadata, even with the key warm.
      expect((await me(key.token)).body.data).toMatchObject({ externalId: 'cus_2', metadata: { plan: 'pro', seats: 3 } })

      const audit = await server.request('GET', `/v1/audit-logs?action=credential.updated&targetId=${key.id}`, { token: admin.accessToken })
      expect(audit.body.items).toHaveLength(1)
      expect(audit.body.items[0].details.changes).toMatchObject({ externalId: 'cus_2', metadataKeys: { before: ['plan', 'apiSecretLike'], after: ['plan', 'seats'] } })
      expect(audit.body.items[0].details.previousExternalId).toBe('cus_1')
      for (const value of ['sk_live_do_not_log', 'free', '"pro"']) expect(JSON.stringify(audit.body.items[0])).not.toContain(value)

      const cleared = await server.request('PATCH', `${PATH}/${key.id}`, { token: admin.accessToken, body: { externalId: null, metadata: null } })
      expect(cleared.body.data).toMatchObject({ externalId: null, metadata: null })
    })

    it('personal access tokens take them too', async () => {
      const pat = await createPat(server, admin, { scopes: ['contacts:read'], externalId: 'user_7', metadata: { team: 'growth' } })
      expect(pat).toMatchObject({ externalId: 'user_7', metadata: { team: 'growth' } })
      expect((await me(pat.token)).body.data).toMatchObject({ externalId: 'user_7', metadata: { team: 'growth' } })
      const listed = await server.request('GET', '/v1/personal-access-tokens?externalId=user_7', { token: admin.accessToken })
      expect(listed.body.items.map((item: { id: string }) => item.id)).toEqual([pat.id])
    })
  })

  describe('bad input', () => {
    const deep = { a: { b: { c: { d: { e: { f: 1 } } } } } }
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['metadata that is an array', { metadata: [1, 2] }, '/metadata'],
      ['metadata that is a string', { metadata: 'plan=pro' }, '/metadata'],
      ['metadata over 4 KiB', { metadata: { blob: 'x'.repeat(4100) } }, '/metadata'],
      ['metadata nested six deep', { metadata: deep }, '/metadata'],
      ['a negative remaining', { remaining: -1 }, '/remaining'],
      ['a fractional remaining', { remaining: 1.5 }, '/remaining'],
      ['an unknown refill interval', { remaining: 5, refill: { interval: 'weekly', amount: 5 } }, '/refill/interval'],
      ['a day for a daily refill', { remaining: 5, refill: { interval: 'daily', amount: 5, day: 3 } }, '/refill/day'],
      ['a refill with remaining null', { remaining: null, refill: { interval: 'daily', amount: 5 } }, '/remaining'],
      ['an externalId over 255 characters', { externalId: 'x'.repeat(256) }, '/externalId'],
    ]

    it.each(cases)('400 on create for %s, naming the field; nothing is created', async (_name, extra, field) => {
      const before = (await server.request('GET', PATH, { token: admin.accessToken })).body.totalCount
      const response = await server.request('POST', PATH, { token: admin.accessToken, body: { name: 'bad', scopes: ['contacts:read'], ...extra } })
      expect(response.status, response.text).toBe(400)
      expect(response.body.error.code).toBe('validation_failed')
      expect(response.body.error.details.map((detail: { field: string }) => detail.field)).toContain(field)
      expect((await server.request('GET', PATH, { token: admin.accessToken })).body.totalCount).toBe(before)
    })

    it.each(cases)('400 on PATCH for %s; the key is unchanged', async (_name, extra, field) => {
      const key = await createApiKey(server, admin.accessToken, { scopes: ['contacts:read'], externalId: 'kept', metadata: { kept: true }, remaining: 9 })
      const response = await server.request('PATCH', `${PATH}/${key.id}`, { token: admin.accessToken, body: extra })
      expect(response.status, response.text).toBe(400)
      expect(response.body.error.details.map((detail: { field: string }) => detail.field)).toContain(field)
      expect(await get(key.id)).toMatchObject({ externalId: 'kept', metadata: { kept: true }, remaining: 9 })
    })

    it('metadata five deep and exactly at the size limit is fine', async () => {
      const fiveDeep = { a: { b: { c: { d: { e: 1 } } } } }
      expect((await server.request('POST', PATH, { token: admin.accessToken, body: { name: 'deep', scopes: ['contacts:read'], metadata: fiveDeep } })).status).toBe(201)
      const atLimit = { blob: 'x'.repeat(4096 - '{"blob":""}'.length) }
      expect((await server.request('POST', PATH, { token: admin.accessToken, body: { name: 'big', scopes: ['contacts:read'], metadata: atLimit } })).status).toBe(201)
    })

    it('400 for a verification cost below 0; the key spends nothing', async () => {
      const key = await createApiKey(server, admin.accessToken, { scopes: ['contacts:read'], remaining: 4 })
      const response = await verify({ key: key.token, cost: -1 })
      expect(response.status).toBe(400)
      expect(response.body.error.details.map((detail: { field: string }) => detail.field)).toContain('/cost')
      expect((await get(key.id)).remaining).toBe(4)
    })
  })

  describe('disable and enable', () => {
    it('a disabled key is refused on the very next request with DISABLED, and works again after enable; both audited', async () => {
      const key = await createApiKey(server, admin.accessToken, { scopes: ['contacts:read'] })
      expect((await me(key.token)).status).toBe(200)
      const disabled = await server.request('POST', `${PATH}/${key.id}/disable`, { token: admin.accessToken })
      expect(disabled.status, disabled.text).toBe(200)
      expect(disabled.body.data).toMatchObject({ status: 'disabled', disabledAt: expect.any(String) })

      const refused = await me(key.token)
      expect(refused.status).toBe(401)
      expect(refused.body.error.details[0].reason).toBe('DISABLED')
      expect((await verify({ key: key.token })).body.data).toMatchObject({ valid: false, code: 'DISABLED' })
      // Disabling again changes nothing and is not audited twice.
      expect((await server.request('POST', `${PATH}/${key.id}/disable`, { token: admin.accessToken })).status).toBe(200)

      const listed = await server.request('GET', `${PATH}?status=disabled`, { token: admin.accessToken })
      expect(listed.body.items.map((item: { id: string }) => item.id)).toContain(key.id)
      expect(listed.body.facets.status.disabled).toBe(listed.body.totalCount)

      const enabled = await server.request('POST', `${PATH}/${key.id}/enable`, { token: admin.accessToken })
      expect(enabled.body.data).toMatchObject({ status: 'active', disabledAt: null })
      expect((await me(key.token)).status).toBe(200)

      const audit = async (action: string) => (await server.request('GET', `/v1/audit-logs?action=${action}&targetId=${key.id}`, { token: admin.accessToken })).body.items
      expect(await audit('credential.disabled')).toHaveLength(1)
      expect(await audit('credential.enabled')).toHaveLength(1)
    })

    it('api_key.disabled and api_key.enabled reach a webhook endpoint, once each', async () => {
      const owner = await signUp(server, 'Hooked')
      const receiver = new WebhookReceiver()
      await receiver.start()
      try {
        const endpoint = await server.request('POST', '/v1/webhook-endpoints', { token: owner.accessToken, body: { url: receiver.url, events: ['api_key.disabled', 'api_key.enabled'] } })
        expect(endpoint.status, endpoint.text).toBe(201)
        const key = await createApiKey(server, owner.accessToken, { scopes: ['contacts:read'] })
        await server.request('POST', `${PATH}/${key.id}/disable`, { token: owner.accessToken })
        await server.request('POST', `${PATH}/${key.id}/disable`, { token: owner.accessToken })
        await server.request('POST', `${PATH}/${key.id}/enable`, { token: owner.accessToken })
        await server.running.app.webhooks.wake()
        await receiver.waitFor(2)
        const events = receiver.received.map((request) => JSON.parse(request.body) as { type: string; data: { id: string } })
        expect(events.map((event) => event.type).sort()).toEqual(['api_key.disabled', 'api_key.enabled'])
        expect(events.every((event) => event.data.id === key.id)).toBe(true)
        for (const request of receiver.received) expect(request.body).not.toContain(key.token)
      } finally {
        await receiver.close()
      }
    })

    it('409: revocation stays final; a revoked key can be neither enabled nor disabled', async () => {
      const key = await createApiKey(server, admin.accessToken, { scopes: ['contacts:read'] })
      await server.request('POST', `${PATH}/${key.id}/disable`, { token: admin.accessToken })
      await server.request('DELETE', `${PATH}/${key.id}`, { token: admin.accessToken })
      for (const action of ['enable', 'disable']) {
        const response = await server.request('POST', `${PATH}/${key.id}/${action}`, { token: admin.accessToken })
        expect(response.status, action).toBe(409)
      }
      expect(await get(key.id)).toMatchObject({ status: 'revoked' })
      expect((await me(key.token)).body.error.details[0].reason).toBe('REVOKED')
    })

    it('404 across organizations; 403 for a key without api_keys:workflow; a key cannot switch on a key wider than itself', async () => {
      const key = await createApiKey(server, admin.accessToken, { scopes: ['contacts:read'] })
      const stranger = await signUp(server, 'Stranger')
      expect((await server.request('POST', `${PATH}/${key.id}/disable`, { token: stranger.accessToken })).status).toBe(404)
      const reader = await createApiKey(server, admin.accessToken, { scopes: ['api_keys:read'] })
      const refused = await server.request('POST', `${PATH}/${key.id}/disable`, { token: reader.token })
      expect(refused.status).toBe(403)
      expect(refused.body.error.code).toBe('insufficient_scope')

      const wide = await createApiKey(server, admin.accessToken, { scopes: ['contacts:read', 'members:write'] })
      await server.request('POST', `${PATH}/${wide.id}/disable`, { token: admin.accessToken })
      const narrow = await createApiKey(server, admin.accessToken, { scopes: ['api_keys:workflow', 'api_keys:read'] })
      expect((await server.request('POST', `${PATH}/${wide.id}/enable`, { token: narrow.token })).status).toBe(403)
      expect((await get(wide.id)).status).toBe('disabled')
      expect((await server.request('GET', `${PATH}/${key.id}`, { token: stranger.accessToken })).status).toBe(404)
      expect((await me(key.token)).status).toBe(200)
    })

    it('personal access tokens switch off and on the same way', async () => {
      const pat = await createPat(server, admin, { scopes: ['contacts:read'] })
      expect((await server.request('POST', `/v1/personal-access-tokens/${pat.id}/disable`, { token: admin.accessToken })).body.data.status).toBe('disabled')
      expect((await me(pat.token)).body.error.details[0].reason).toBe('DISABLED')
      expect((await server.request('POST', `/v1/personal-access-tokens/${pat.id}/enable`, { token: admin.accessToken })).body.data.status).toBe('active')
      expect((await me(pat.token)).status).toBe(200)
    })
  })

  describe('remaining uses', () => {
    it('every accepted request spends one; at 0: 429 USAGE_EXCEEDED, and verify says valid: false with remaining 0', async () => {
      const key = await createApiKey(server, admin.accessToken, { scopes: ['contacts:read'], remaining: 3 })
      expect(key).toMatchObject({ remaining: 3, refill: null })
      for (let i = 0; i < 3; i++) expect((await me(key.token)).status, `request ${i}`).toBe(200)
      const refused = await me(key.token)
      expect(refused.status).toBe(429)
      expect(refused.body.error).toMatchObject({ code: 'rate_limited', details: [{ reason: 'USAGE_EXCEEDED' }] })
      expect(refused.headers.get('retry-after')).toBeNull()
      expect((await verify({ key: key.token })).body.data).toMatchObject({ valid: false, code: 'USAGE_EXCEEDED', remaining: 0, credential: { id: key.id, remaining: 0 } })
      expect((await get(key.id)).remaining).toBe(0)
    })

    it('a refused request spends nothing (scope, and another organization’s verify)', async () => {
      const key = await createApiKey(server, admin.accessToken, { scopes: ['contacts:read'], remaining: 2 })
      expect((await server.request('GET', '/v1/members', { token: key.token })).status).toBe(403)
      expect((await verify({ key: key.token, requiredScopes: ['members:read'] })).body.data.code).toBe('INSUFFICIENT_SCOPE')
      const stranger = await signUp(server, 'Elsewhere')
      const theirVerifier = await createApiKey(server, stranger.accessToken, { scopes: ['api_keys:workflow'] })
      expect((await server.request('POST', '/v1/keys/verify', { token: theirVerifier.token, body: { key: key.token } })).body.data.code).toBe('NOT_FOUND')
      expect((await get(key.id)).remaining).toBe(2)
    })

    it('verify spends `cost` (0 checks without spending) and says what is left', async () => {
      const key = await createApiKey(server, admin.accessToken, { scopes: ['contacts:read'], remaining: 5 })
      expect((await verify({ key: key.token, cost: 2 })).body.data).toMatchObject({ valid: true, remaining: 3 })
      expect((await verify({ key: key.token, cost: 0 })).body.data).toMatchObject({ valid: true, remaining: 3 })
      expect((await verify({ key: key.token, cost: 4 })).body.data).toMatchObject({ valid: false, code: 'USAGE_EXCEEDED', remaining: 3 })
      expect((await verify({ key: key.token, cost: 3 })).body.data).toMatchObject({ valid: true, remaining: 0 })
      expect((await verify({ key: key.token })).body.data).toMatchObject({ valid: false, code: 'USAGE_EXCEEDED', remaining: 0 })
    })

    it('exactly the remaining uses succeed among concurrent requests', async () => {
      const key = await createApiKey(server, admin.accessToken, { scopes: ['contacts:read'], remaining: 20, rateLimit: { requestsPerMinute: 1000 } })
      const statuses = await Promise.all(Array.from({ length: 60 }, () => me(key.token).then((response) => response.status)))
      expect(statuses.filter((status) => status === 200)).toHaveLength(20)
      expect(statuses.filter((status) => status === 429)).toHaveLength(40)
      expect((await get(key.id)).remaining).toBe(0)
    })

    it('remaining 3, five concurrent verifies (spent together in one batch): exactly 3 valid', async () => {
      const key = await createApiKey(server, admin.accessToken, { scopes: ['contacts:read'], remaining: 3, rateLimit: { requestsPerMinute: 1000 } })
      const results = await Promise.all(Array.from({ length: 5 }, () => verify({ key: key.token }).then((response) => response.body.data)))
      expect(results.filter((data) => data.valid)).toHaveLength(3)
      expect(results.filter((data) => data.code === 'USAGE_EXCEEDED')).toHaveLength(2)
      // Each valid one is told what it left, as if they had come one by one.
      expect(results.filter((data) => data.valid).map((data) => data.remaining).sort()).toEqual([0, 1, 2])
      expect((await get(key.id)).remaining).toBe(0)
    })

    it('concurrent verifies of mixed cost never grant more than there was, and refuse only what no longer fitted', async () => {
      const key = await createApiKey(server, admin.accessToken, { scopes: ['contacts:read'], remaining: 10, rateLimit: { requestsPerMinute: 1000 } })
      const costs = [4, 4, 4, 3, 2, 1, 0, 5]
      const results = await Promise.all(costs.map((cost) => verify({ key: key.token, cost }).then((response) => ({ cost, ...response.body.data }))))
      const granted = results.filter((result) => result.valid).reduce((sum, result) => sum + result.cost, 0)
      const left = (await get(key.id)).remaining
      expect(granted).toBeLessThanOrEqual(10)
      expect(left).toBe(10 - granted)
      for (const refused of results.filter((result) => !result.valid)) {
        expect(refused.code).toBe('USAGE_EXCEEDED')
        expect(refused.cost).toBeGreaterThan(left)
      }
    })

    it('a daily refill puts it back to the amount at 00:00 UTC, without any job; Retry-After says when', async () => {
      const key = await createApiKey(server, admin.accessToken, { scopes: ['contacts:read'], remaining: 1, refill: { interval: 'daily', amount: 2 } })
      expect(key).toMatchObject({ remaining: 1, refill: { interval: 'daily', amount: 2, day: null } })
      expect((await me(key.token)).status).toBe(200)
      const refused = await me(key.token)
      expect(refused.status).toBe(429)
      const retryAfter = Number(refused.headers.get('retry-after'))
      const midnight = Math.floor(server.clock.now() / DAY_MS) * DAY_MS + DAY_MS
      expect(Math.abs(retryAfter - (midnight - server.clock.now()) / 1000)).toBeLessThanOrEqual(1)

      await moveClock(midnight + 1000)
      // Shown refilled before any request has spent.
      expect((await get(key.id)).remaining).toBe(2)
      expect((await me(key.token)).status).toBe(200)
      expect((await me(key.token)).status).toBe(200)
      expect((await me(key.token)).status).toBe(429)
      expect((await get(key.id)).remaining).toBe(0)
    })

    it('a monthly refill on a day past the month’s end comes on its last day', async () => {
      await moveClock(Date.parse('2027-02-10T12:00:00Z'))
      const key = await createApiKey(server, admin.accessToken, { scopes: ['contacts:read'], remaining: 0, refill: { interval: 'monthly', amount: 10, day: 31 } })
      expect((await me(key.token)).status).toBe(429)
      await moveClock(Date.parse('2027-02-28T00:00:01Z'))
      expect((await me(key.token)).status).toBe(200)
      expect((await get(key.id)).remaining).toBe(9)
    })

    it('PATCH sets a new budget or makes it unlimited; a refill sent alone starts at its amount', async () => {
      const key = await createApiKey(server, admin.accessToken, { scopes: ['contacts:read'], remaining: 0 })
      expect((await me(key.token)).status).toBe(429)
      expect((await server.request('PATCH', `${PATH}/${key.id}`, { token: admin.accessToken, body: { remaining: 1 } })).body.data.remaining).toBe(1)
      expect((await me(key.token)).status).toBe(200)
      expect((await me(key.token)).status).toBe(429)
      const unlimited = await server.request('PATCH', `${PATH}/${key.id}`, { token: admin.accessToken, body: { remaining: null } })
      expect(unlimited.body.data).toMatchObject({ remaining: null, refill: null })
      for (let i = 0; i < 3; i++) expect((await me(key.token)).status).toBe(200)

      const refilled = await createApiKey(server, admin.accessToken, { scopes: ['contacts:read'], refill: { interval: 'monthly', amount: 7 } })
      expect(refilled).toMatchObject({ remaining: 7, refill: { interval: 'monthly', amount: 7, day: null } })
    })

    it('403 METERED_TOKEN: a key with a budget can neither mint keys nor set budgets, so its uses cannot multiply', async () => {
      const minter = await createApiKey(server, admin.accessToken, { scopes: ['api_keys:write', 'contacts:read'], remaining: 50, refill: { interval: 'daily', amount: 50 } })
      const before = (await server.request('GET', PATH, { token: admin.accessToken })).body.totalCount
      for (const body of [{}, { remaining: null }, { remaining: 5 }, { remaining: 10, refill: { interval: 'daily', amount: 5 } }]) {
        const refused = await server.request('POST', PATH, { token: minter.token, body: { name: 'minted', scopes: ['contacts:read'], ...body } })
        expect(refused.status, JSON.stringify(body)).toBe(403)
        expect(refused.body.error).toMatchObject({ code: 'forbidden', details: [{ field: '/remaining', reason: 'METERED_TOKEN' }] })
      }
      expect((await server.request('GET', PATH, { token: admin.accessToken })).body.totalCount).toBe(before)
      const other = await createApiKey(server, admin.accessToken, { scopes: ['contacts:read'], remaining: 5 })
      for (const body of [{ remaining: null }, { remaining: 1000 }]) {
        const lifted = await server.request('PATCH', `${PATH}/${other.id}`, { token: minter.token, body })
        expect(lifted.status, JSON.stringify(body)).toBe(403)
      }
      expect((await get(other.id)).remaining).toBe(5)
      // What is not a budget stays the minter's to change.
      const renamed = await server.request('PATCH', `${PATH}/${other.id}`, { token: minter.token, body: { name: 'renamed' } })
      expect(renamed.status, renamed.text).toBe(200)
    })

    it('a rotation passes the budget on to the successor', async () => {
      const key = await createApiKey(server, admin.accessToken, { scopes: ['contacts:read'], remaining: 5, externalId: 'cus_rot', metadata: { plan: 'pro' } })
      await me(key.token)
      const rotated = await server.request('POST', `${PATH}/${key.id}/rotate`, { token: admin.accessToken, body: {} })
      expect(rotated.body.data).toMatchObject({ remaining: 4, externalId: 'cus_rot', metadata: { plan: 'pro' } })
    })
  })

  describe('a rotation’s grace period shares one budget', () => {
    it('remaining 10, rotated with grace: 6 uses of the old secret and 4 of the new spend it all; the 11th use of either is refused', async () => {
      const key = await createApiKey(server, admin.accessToken, { scopes: ['contacts:read'], remaining: 10 })
      const rotated = await server.request('POST', `${PATH}/${key.id}/rotate`, { token: admin.accessToken, body: { gracePeriodSeconds: 3600 } })
      expect(rotated.status, rotated.text).toBe(201)
      const successor = rotated.body.data
      expect(successor.remaining).toBe(10)
      for (let i = 0; i < 6; i++) expect((await me(key.token)).status, `old, use ${i + 1}`).toBe(200)
      // Both show the one budget they share.
      expect((await get(key.id)).remaining).toBe(4)
      expect((await get(successor.id)).remaining).toBe(4)
      expect((await verify({ key: successor.token })).body.data).toMatchObject({ valid: true, remaining: 3 })
      for (let i = 0; i < 3; i++) expect((await me(successor.token)).status, `new, use ${i + 2}`).toBe(200)

      const old = await me(key.token)
      expect(old.status).toBe(429)
      expect(old.body.error.details[0].reason).toBe('USAGE_EXCEEDED')
      expect((await verify({ key: key.token })).body.data).toMatchObject({ valid: false, code: 'USAGE_EXCEEDED', remaining: 0 })
      expect((await me(successor.token)).status).toBe(429)
      const listed = await server.request('GET', PATH, { token: admin.accessToken })
      const shown = (id: string) => listed.body.items.find((item: { id: string }) => item.id === id)?.remaining
      expect([shown(key.id), shown(successor.id)]).toEqual([0, 0])
    })

    it('concurrent uses of old and new together get exactly the budget', async () => {
      const key = await createApiKey(server, admin.accessToken, { scopes: ['contacts:read'], remaining: 7, rateLimit: { requestsPerMinute: 1000 } })
      const successor = (await server.request('POST', `${PATH}/${key.id}/rotate`, { token: admin.accessToken, body: { gracePeriodSeconds: 3600 } })).body.data
      const tokens = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? key.token : successor.token))
      const results = await Promise.all(tokens.map((token) => verify({ key: token }).then((response) => response.body.data)))
      expect(results.filter((data) => data.valid)).toHaveLength(7)
      expect((await get(successor.id)).remaining).toBe(0)
    })

    it('spends racing a rotation are all counted against the one budget: granted + left = the budget', async () => {
      const key = await createApiKey(server, admin.accessToken, { scopes: ['contacts:read'], remaining: 30, rateLimit: { requestsPerMinute: 1000 } })
      const spends = Array.from({ length: 40 }, () => verify({ key: key.token }).then((response) => response.body.data))
      const rotation = server.request('POST', `${PATH}/${key.id}/rotate`, { token: admin.accessToken, body: { gracePeriodSeconds: 3600 } })
      const [results, rotated] = await Promise.all([Promise.all(spends), rotation])
      expect(rotated.status, rotated.text).toBe(201)
      const granted = results.filter((data) => data.valid).length
      expect(granted + (await get(rotated.body.data.id)).remaining).toBe(30)
    })

    it('a budget is changed on the successor (409 on the old secret), and the old one follows it', async () => {
      const key = await createApiKey(server, admin.accessToken, { scopes: ['contacts:read'], remaining: 1 })
      const successor = (await server.request('POST', `${PATH}/${key.id}/rotate`, { token: admin.accessToken, body: { gracePeriodSeconds: 3600 } })).body.data
      const refused = await server.request('PATCH', `${PATH}/${key.id}`, { token: admin.accessToken, body: { remaining: 100 } })
      expect(refused.status).toBe(409)
      expect(refused.body.error.code).toBe('conflict')
      expect((await server.request('PATCH', `${PATH}/${successor.id}`, { token: admin.accessToken, body: { remaining: 3 } })).status).toBe(200)
      expect((await get(key.id)).remaining).toBe(3)
      for (let i = 0; i < 3; i++) expect((await me(key.token)).status).toBe(200)
      expect((await me(successor.token)).status).toBe(429)
    })

    it('a key unlimited at rotation, given a budget on its successor: the old secret spends it too', async () => {
      const key = await createApiKey(server, admin.accessToken, { scopes: ['contacts:read'] })
      const successor = (await server.request('POST', `${PATH}/${key.id}/rotate`, { token: admin.accessToken, body: { gracePeriodSeconds: 3600 } })).body.data
      expect((await server.request('PATCH', `${PATH}/${successor.id}`, { token: admin.accessToken, body: { remaining: 2 } })).status).toBe(200)
      expect((await get(key.id)).remaining).toBe(2)
      expect((await me(key.token)).status).toBe(200)
      expect((await me(successor.token)).status).toBe(200)
      expect((await me(key.token)).status).toBe(429)
      expect((await server.request('PATCH', `${PATH}/${successor.id}`, { token: admin.accessToken, body: { remaining: null } })).status).toBe(200)
      expect((await get(key.id)).remaining).toBeNull()
      expect((await me(key.token)).status).toBe(200)
    })

    it('rotated twice within the grace periods: the oldest secret spends the newest one’s budget', async () => {
      const first = await createApiKey(server, admin.accessToken, { scopes: ['contacts:read'], remaining: 3 })
      const second = (await server.request('POST', `${PATH}/${first.id}/rotate`, { token: admin.accessToken, body: { gracePeriodSeconds: 3600 } })).body.data
      const third = (await server.request('POST', `${PATH}/${second.id}/rotate`, { token: admin.accessToken, body: { gracePeriodSeconds: 3600 } })).body.data
      expect((await me(first.token)).status).toBe(200)
      expect((await me(second.token)).status).toBe(200)
      expect((await get(third.id)).remaining).toBe(1)
      expect((await me(third.token)).status).toBe(200)
      for (const token of [first.token, second.token, third.token]) expect((await me(token)).status).toBe(429)
    })
  })

  describe('grace from first use', () => {
    it('the old secret keeps working until the new one is first used plus the grace period', async () => {
      const key = await createApiKey(server, admin.accessToken, { scopes: ['contacts:read'] })
      const rotated = await server.request('POST', `${PATH}/${key.id}/rotate`, { token: admin.accessToken, body: { gracePeriodSeconds: 3600, graceStartsOnFirstUse: true } })
      expect(rotated.status, rotated.text).toBe(201)
      const successor = rotated.body.data

      // Days later, the new one still unused: the old one works.
      await moveClock(server.clock.now() + 5 * DAY_MS)
      expect((await me(key.token)).status).toBe(200)

      expect((await me(successor.token)).status).toBe(200)
      const firstUse = server.clock.now()
      // The grace period starts off the request path: wait until the old key's expiry says so.
      await expect.poll(async () => (await get(key.id)).expiresAt, { timeout: 5000 }).toBe(new Date(firstUse + 3600_000).toISOString())

      server.clock.advance(3599_000)
      expect((await me(key.token)).status).toBe(200)
      server.clock.advance(2000)
      const refused = await me(key.token)
      expect(refused.status).toBe(401)
      expect(refused.body.error.details[0].reason).toBe('EXPIRED')
      expect((await me(successor.token)).status).toBe(200)
    })

    it('however long the new one goes unused, the old one stops 30 days after the rotation', async () => {
      await moveClock(server.clock.now())
      const key = await createApiKey(server, admin.accessToken, { scopes: ['contacts:read'] })
      const rotated = await server.request('POST', `${PATH}/${key.id}/rotate`, { token: admin.accessToken, body: { gracePeriodSeconds: 600, graceStartsOnFirstUse: true } })
      expect(rotated.status).toBe(201)
      const rotatedAt = server.clock.now()
      expect(await get(key.id)).toMatchObject({ status: 'active', expiresAt: new Date(rotatedAt + 30 * DAY_MS).toISOString() })
      await moveClock(rotatedAt + 30 * DAY_MS - 1000)
      expect((await me(key.token)).status).toBe(200)
      server.clock.advance(2000)
      expect((await me(key.token)).status).toBe(401)
    })
  })
})
