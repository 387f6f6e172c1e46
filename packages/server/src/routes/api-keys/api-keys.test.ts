import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiKey, createPat, joinOrganization, loginAdmin, signUp, type TestUser } from '@brandwave/testing/actors'
import { testDatabaseKinds } from '@brandwave/testing/databases'
import { startTestServer, type TestServer } from '@brandwave/testing/server'

const PATH = '/v1/api-keys'

describe.each(testDatabaseKinds)('organization API keys (%s)', (kind) => {
  let server: TestServer
  let admin: TestUser

  beforeAll(async () => {
    server = await startTestServer(kind, { env: { BRANDWAVE_RESOURCES: 'contacts,leads' } })
    admin = await loginAdmin(server)
  })
  afterAll(() => server?.close())

  it('201: an admin creates live and test keys with scopes, allowlist and limit; the key calls the API as the organization', async () => {
    const live = await createApiKey(server, admin.accessToken, {
      name: 'Zapier sync',
      scopes: ['contacts:read', 'contacts:write', 'leads:read'],
      allowedIps: ['127.0.0.1', '::1'],
      rateLimit: { requestsPerMinute: 120 },
    })
    expect(live.token).toMatch(/^bw_live_[0-9A-Za-z]{36}$/)
    expect(live).toMatchObject({ type: 'api_key', environment: 'live', scopes: ['contacts:read', 'contacts:write', 'leads:read'], createdBy: { type: 'user', id: admin.userId } })
    const test = await createApiKey(server, admin.accessToken, { environment: 'test' })
    expect(test.token).toMatch(/^bw_test_/)

    const me = await server.request('GET', '/api/v1/me', { token: live.token })
    expect(me.body.data).toEqual({
      type: 'api_key',
      keyId: live.id,
      keyName: 'Zapier sync',
      tenantId: admin.organizationId,
      scopes: ['contacts:read', 'contacts:write', 'leads:read'],
      environment: 'live',
      expiresAt: null,
      externalId: null,
      metadata: null,
    })
  })

  it('400: an API key needs at least one scope, and only known ones', async () => {
    for (const scopes of [undefined, [], ['invoices:read']]) {
      const response = await server.request('POST', PATH, { token: admin.accessToken, body: { name: 'x', ...(scopes !== undefined && { scopes }) } })
      expect(response.status, JSON.stringify(scopes)).toBe(400)
    }
  })

  it('403: members cannot see or manage API keys, members or the audit log', async () => {
    const member = await joinOrganization(server, admin, 'member')
    const key = await createApiKey(server, admin.accessToken)
    const attempts: Array<[string, string, unknown?]> = [
      ['GET', PATH],
      ['POST', PATH, { name: 'mine', scopes: ['contacts:read'] }],
      ['GET', `${PATH}/${key.id}`],
      ['PATCH', `${PATH}/${key.id}`, { name: 'pwned' }],
      ['DELETE', `${PATH}/${key.id}`],
      ['POST', `${PATH}/${key.id}/rotate`],
      ['GET', '/v1/members'],
      ['POST', '/v1/invitations', { email: 'x@example.com', role: 'company_admin' }],
      ['GET', '/v1/audit-logs'],
    ]
    for (const [method, path, body] of attempts) {
      const response = await server.request(method, path, { token: member.accessToken, ...(body !== undefined && { body }) })
      expect(response.status, `${method} ${path}`).toBe(403)
      expect(response.body.error.code).toBe('forbidden')
    }
    // ...and a member's PAT is bounded the same way.
    const pat = await createPat(server, member)
    expect((await server.request('GET', PATH, { token: pat.token })).body.error.code).toBe('insufficient_scope')
    // Members still manage their own PATs.
    expect((await server.request('GET', '/v1/personal-access-tokens', { token: member.accessToken })).status).toBe(200)
  })

  it('403: nobody grants a scope they lack; a key acting on the API is bounded by its scopes, and says which it needed', async () => {
    const reader = await createApiKey(server, admin.accessToken, { scopes: ['api_keys:read', 'api_keys:write'] })
    const escalate = await server.request('POST', PATH, { token: reader.token, body: { name: 'wider', scopes: ['members:write'] } })
    expect(escalate.status).toBe(403)
    const within = await server.request('POST', PATH, { token: reader.token, body: { name: 'narrower', scopes: ['api_keys:read'] } })
    expect(within.status).toBe(201)
    expect(within.body.data.createdBy).toMatchObject({ type: 'api_key', id: reader.id, name: 'test key' })

    const denied = await server.request('DELETE', `${PATH}/${within.body.data.id}`, { token: reader.token })
    expect(denied.status).toBe(403)
    expect(denied.body.error).toMatchObject({ code: 'insufficient_scope', details: [{ field: 'scope' }] })
    // The scope it lacks is named (data, not wording): the caller knows what to ask for.
    expect(denied.body.error.details[0].message).toContain('api_keys:delete')
  })

  it('a key survives its creator: removing the admin who made it leaves it working', async () => {
    const secondAdmin = await joinOrganization(server, admin, 'company_admin', 'Creator')
    const key = await createApiKey(server, secondAdmin.accessToken, { scopes: ['contacts:read'] })
    const removed = await server.request('DELETE', `/v1/members/${secondAdmin.userId}`, { token: admin.accessToken })
    expect(removed.status).toBe(200)
    expect((await server.request('GET', '/v1/me', { token: key.token })).status).toBe(200)
    const record = await server.request('GET', `${PATH}/${key.id}`, { token: admin.accessToken })
    expect(record.body.data.createdBy).toMatchObject({ type: 'user', id: secondAdmin.userId, name: 'Creator' })
  })

  it('404 across organizations for every route, never 403', async () => {
    const key = await createApiKey(server, admin.accessToken)
    const other = await signUp(server, 'Rival')
    const otherKey = await createApiKey(server, other.accessToken, { scopes: ['api_keys:read', 'api_keys:write', 'api_keys:delete', 'api_keys:workflow'] })
    for (const bearer of [other.accessToken, otherKey.token]) {
      expect((await server.request('GET', `${PATH}/${key.id}`, { token: bearer })).status).toBe(404)
      expect((await server.request('PATCH', `${PATH}/${key.id}`, { token: bearer, body: { name: 'x' } })).status).toBe(404)
      expect((await server.request('DELETE', `${PATH}/${key.id}`, { token: bearer })).status).toBe(404)
      expect((await server.request('POST', `${PATH}/${key.id}/rotate`, { token: bearer })).status).toBe(404)
      const list = await server.request('GET', PATH, { token: bearer })
      expect(list.body.items.map((k: { id: string }) => k.id)).not.toContain(key.id)
    }
    expect((await server.request('GET', `${PATH}/${key.id}`, { token: admin.accessToken })).body.data.status).toBe('active')
  })

  it('IP allowlists: 401 from outside, IPv6 ranges honoured, TRUST_PROXY decides whether X-Forwarded-For counts', async () => {
    const ipv6Only = await createApiKey(server, admin.accessToken, { allowedIps: ['2001:db8::/32'] })
    const refused = await server.request('GET', '/v1/me', { token: ipv6Only.token })
    expect(refused.status).toBe(401)
    expect(refused.body.error.details[0].reason).toBe('IP_NOT_ALLOWED')
    // Without TRUST_PROXY a forged header changes nothing.
    expect((await server.request('GET', '/v1/me', { token: ipv6Only.token, headers: { 'x-forwarded-for': '2001:db8::5' } })).status).toBe(401)

    const proxied = await startTestServer(kind, { env: { TRUST_PROXY: '127.0.0.1' } })
    try {
      const proxiedAdmin = await loginAdmin(proxied)
      const key = await createApiKey(proxied, proxiedAdmin.accessToken, { allowedIps: ['2001:db8::/32', '203.0.113.0/24'] })
      expect((await proxied.request('GET', '/v1/me', { token: key.token, headers: { 'x-forwarded-for': '2001:db8:abcd::5' } })).status).toBe(200)
      expect((await proxied.request('GET', '/v1/me', { token: key.token, headers: { 'x-forwarded-for': '203.0.113.77' } })).status).toBe(200)
      expect((await proxied.request('GET', '/v1/me', { token: key.token, headers: { 'x-forwarded-for': '198.51.100.1' } })).status).toBe(401)
      expect((await proxied.request('GET', '/v1/me', { token: key.token, headers: { 'x-forwarded-for': '2001:db9::1' } })).status).toBe(401)
    } finally {
      await proxied.close()
    }
  })

  it('429 after exactly the allowed number of requests, with Retry-After; every response carries RateLimit headers', async () => {
    const key = await createApiKey(server, admin.accessToken, { rateLimit: { requestsPerMinute: 5 } })
    const statuses: number[] = []
    for (let i = 0; i < 8; i++) {
      const response = await server.request('GET', '/v1/me', { token: key.token })
      statuses.push(response.status)
      expect(response.headers.get('ratelimit-limit')).toBe('5')
      expect(Number(response.headers.get('ratelimit-remaining'))).toBe(Math.max(0, 4 - i))
      if (response.status === 429) {
        expect(response.body.error.code).toBe('rate_limited')
        expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0)
      }
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 429])
  })

  it('rotation families: rotating with a retired secret revokes the whole family, once, and is audited', async () => {
    const rotating = ['api_keys:read', 'api_keys:workflow']
    const first = await createApiKey(server, admin.accessToken, { name: 'family', scopes: rotating })
    const second = (await server.request('POST', `${PATH}/${first.id}/rotate`, { token: first.token })).body.data
    const third = (await server.request('POST', `${PATH}/${second.id}/rotate`, { token: second.token, body: { gracePeriodSeconds: 600 } })).body.data
    // A client lagging behind the rotation is refused, and takes nobody down with it.
    expect((await server.request('GET', '/v1/me', { token: first.token })).status).toBe(401)
    expect((await server.request('GET', '/v1/me', { token: third.token })).status).toBe(200)

    // `first` was rotated away, yet someone rotates with it again: two parties hold it.
    const reuse = await server.request('POST', `${PATH}/${third.id}/rotate`, { token: first.token })
    expect(reuse.status).toBe(401)
    for (const key of [second, third]) expect((await server.request('GET', '/v1/me', { token: key.token })).status).toBe(401)
    const revoked = await server.request('GET', `${PATH}/${third.id}`, { token: admin.accessToken })
    expect(revoked.body.data).toMatchObject({ status: 'revoked', revocationReason: 'reuse_detected' })
    expect((await server.request('POST', `${PATH}/${third.id}/rotate`, { token: first.token })).status).toBe(401)

    const audit = await server.request('GET', `/v1/audit-logs?action=credential.family_revoked&targetId=${first.id}`, { token: admin.accessToken })
    expect(audit.body.items).toHaveLength(1)
    expect(audit.body.items[0].details).toMatchObject({ familyId: first.id, revokedCount: 2 })
  })

  it('rotation families: a key whose grace period ended is retired too; rotating with it revokes the family', async () => {
    const first = await createApiKey(server, admin.accessToken, { name: 'graceful', scopes: ['api_keys:read', 'api_keys:workflow'] })
    const second = (await server.request('POST', `${PATH}/${first.id}/rotate`, { token: admin.accessToken, body: { gracePeriodSeconds: 60 } })).body.data
    expect((await server.request('GET', '/v1/me', { token: first.token })).status).toBe(200)
    server.clock.advance(61_000)
    expect((await server.request('GET', '/v1/me', { token: first.token })).status).toBe(401)
    expect((await server.request('GET', '/v1/me', { token: second.token })).status).toBe(200)
    expect((await server.request('POST', `${PATH}/${second.id}/rotate`, { token: first.token })).status).toBe(401)
    expect((await server.request('GET', '/v1/me', { token: second.token })).status).toBe(401)
  })

  it('rotation families: a key still in its grace period, refused for its address, is not retired; its family lives', async () => {
    // The allowlist excludes this test client's address (127.0.0.1).
    const first = await createApiKey(server, admin.accessToken, { name: 'fenced', scopes: ['api_keys:read', 'api_keys:workflow'], allowedIps: ['203.0.113.0/24'] })
    const second = (await server.request('POST', `${PATH}/${first.id}/rotate`, { token: admin.accessToken, body: { gracePeriodSeconds: 600 } })).body.data
    const outside = await server.request('POST', `${PATH}/${second.id}/rotate`, { token: first.token })
    expect(outside.status).toBe(401)
    expect(outside.body.error.details[0].reason).toBe('IP_NOT_ALLOWED')
    expect((await server.request('GET', `${PATH}/${second.id}`, { token: admin.accessToken })).body.data).toMatchObject({ status: 'active', revocationReason: null })
    const audit = await server.request('GET', `/v1/audit-logs?action=credential.family_revoked&targetId=${first.id}`, { token: admin.accessToken })
    expect(audit.body.items).toHaveLength(0)
  })

  it('rotation families: a key that rotated itself and lost the response gets it replayed for the same request, and nothing else', async () => {
    const family = async (name: string, body: object = {}) => {
      const key = await createApiKey(server, admin.accessToken, { name, scopes: ['api_keys:read', 'api_keys:workflow'] })
      const rotate = (idempotencyKey: string, rotateBody: object = body) =>
        server.request('POST', `${PATH}/${key.id}/rotate`, { token: key.token, body: rotateBody, headers: { 'idempotency-key': idempotencyKey } })
      const rotated = await rotate(`rotation of ${name}`)
      expect(rotated.status).toBe(201)
      return { key, rotate, successor: rotated.body.data }
    }
    const familyRevoked = async (id: string) =>
      (await server.request('GET', `/v1/audit-logs?action=credential.family_revoked&targetId=${id}`, { token: admin.accessToken })).body.items.length === 1
    const works = async (token: string) => (await server.request('GET', '/v1/me', { token })).status === 200

    // The client never heard back, and retries: the old secret is retired, but the request is its own.
    const lost = await family('lost response')
    const retried = await lost.rotate('rotation of lost response')
    expect(retried.status).toBe(201)
    expect(retried.headers.get('idempotent-replayed')).toBe('true')
    expect(retried.body.data).toMatchObject({ id: lost.successor.id, token: lost.successor.token })
    expect(await works(lost.successor.token)).toBe(true)
    expect(await works(lost.key.token)).toBe(false)
    expect((await server.request('GET', `${PATH}/${lost.successor.id}`, { token: lost.key.token })).status).toBe(401)
    expect(await familyRevoked(lost.key.id)).toBe(false)
    // Under that Idempotency-Key, another request is not a retry: two parties hold the secret.
    const otherBody = await lost.rotate('rotation of lost response', { gracePeriodSeconds: 60 })
    expect(otherBody.status).toBe(401)
    expect(otherBody.body.error.details[0].reason).toBe('REVOKED')
    expect(await familyRevoked(lost.key.id)).toBe(true)
    expect(await works(lost.successor.token)).toBe(false)

    // A retry that arrives while the rotation has committed but not yet answered waits (409, which the SDK retries).
    const racing = await family('racing')
    const ledger = () => server.running.database.db.updateTable('idempotency_keys').where('principal_key', '=', `credential:${racing.key.id}`)
    await ledger().set({ state: 'in_progress' }).execute()
    const early = await racing.rotate('rotation of racing')
    expect(early.status).toBe(409)
    expect(early.body.error.code).toBe('idempotency_in_progress')
    await ledger().set({ state: 'completed' }).execute()
    expect((await racing.rotate('rotation of racing')).body.data.token).toBe(racing.successor.token)
    expect(await works(racing.successor.token)).toBe(true)

    // Another Idempotency-Key is another request.
    const stolen = await family('stolen')
    expect((await stolen.rotate('a request of its own')).status).toBe(401)
    expect(await familyRevoked(stolen.key.id)).toBe(true)
    expect(await works(stolen.successor.token)).toBe(false)

    // Revoked by someone (not by its rotation's end), the key replays nothing: that is final.
    const leaked = await family('leaked', { gracePeriodSeconds: 600 })
    expect((await server.request('DELETE', `${PATH}/${leaked.key.id}`, { token: admin.accessToken })).status).toBe(200)
    expect((await leaked.rotate('rotation of leaked')).status).toBe(401)
    expect(await familyRevoked(leaked.key.id)).toBe(true)
    expect(await works(leaked.successor.token)).toBe(false)

    // Ten minutes after the rotation, even the same request is reuse.
    const late = await family('late')
    server.clock.advance(10 * 60_000 + 1_000)
    expect((await late.rotate('rotation of late')).status).toBe(401)
    expect(await familyRevoked(late.key.id)).toBe(true)
  })

  it('rotation families: naming a rotated key by id is a plain 409 (a retried rotate), and revokes nothing', async () => {
    const first = await createApiKey(server, admin.accessToken, { name: 'retried' })
    const second = (await server.request('POST', `${PATH}/${first.id}/rotate`, { token: admin.accessToken })).body.data
    // The same call again, as a client retrying a lost response without an Idempotency-Key would.
    const again = await server.request('POST', `${PATH}/${first.id}/rotate`, { token: admin.accessToken })
    expect(again.status).toBe(409)
    expect(again.body.error.code).toBe('conflict')
    expect((await server.request('GET', '/v1/me', { token: second.token })).status).toBe(200)
    // Nor can a key that may rotate but not revoke use it to revoke families.
    const rotator = await createApiKey(server, admin.accessToken, { name: 'rotator', scopes: ['api_keys:read', 'api_keys:workflow'] })
    expect((await server.request('DELETE', `${PATH}/${second.id}`, { token: rotator.token })).status).toBe(403)
    expect((await server.request('POST', `${PATH}/${first.id}/rotate`, { token: rotator.token })).status).toBe(409)
    expect((await server.request('GET', '/v1/me', { token: second.token })).status).toBe(200)
    const audit = await server.request('GET', `/v1/audit-logs?action=credential.family_revoked&targetId=${first.id}`, { token: admin.accessToken })
    expect(audit.body.items).toHaveLength(0)
  })

  it('rotation families: revoking a family takes the authority to rotate it; a narrower key gets 403 and revokes nothing', async () => {
    const wide = await createApiKey(server, admin.accessToken, { name: 'wide', scopes: ['api_keys:read', 'api_keys:write', 'contacts:write'] })
    const successor = (await server.request('POST', `${PATH}/${wide.id}/rotate`, { token: admin.accessToken })).body.data
    // A backend's verifier key: it may rotate keys, but not ones wider than itself.
    const verifier = await createApiKey(server, admin.accessToken, { name: 'verifier', scopes: ['api_keys:read', 'api_keys:workflow'] })

    const attempt = await server.request('POST', `${PATH}/${wide.id}/rotate`, { token: verifier.token })
    expect(attempt.status).toBe(403)
    expect((await server.request('GET', '/v1/me', { token: successor.token })).status).toBe(200)
    const audit = await server.request('GET', `/v1/audit-logs?action=credential.family_revoked&targetId=${wide.id}`, { token: admin.accessToken })
    expect(audit.body.items).toHaveLength(0)
  })
})
