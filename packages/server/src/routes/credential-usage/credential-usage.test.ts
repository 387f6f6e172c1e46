import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createApiKey, createPat, joinOrganization, loginAdmin, signUp, type TestUser } from '@brandwave/testing/actors'
import { testDatabaseKinds } from '@brandwave/testing/databases'
import { startTestServer, type TestServer } from '@brandwave/testing/server'

const HOUR = 3_600_000
const DAY = 24 * HOUR

describe.each(testDatabaseKinds)('GET /v1/api-keys/{id}/usage (%s)', (kind) => {
  let server: TestServer
  let admin: TestUser

  beforeAll(async () => {
    server = await startTestServer(kind, { env: { BRANDWAVE_RESOURCES: 'contacts' } })
  })
  // Tests move the clock by hours: each signs in afresh.
  beforeEach(async () => {
    admin = await loginAdmin(server)
  })
  afterAll(() => server?.close())

  const usageOf = (id: string, query = '', token = admin.accessToken) => server.request('GET', `/v1/api-keys/${id}/usage${query}`, { token })
  const flush = () => server.running.app.usageCounts.flush()

  it('200: accepted and refused requests per hour, refusals by reason, and the addresses it was accepted from', async () => {
    const key = await createApiKey(server, admin.accessToken, { scopes: ['contacts:read'], rateLimit: { requestsPerMinute: 4 } })
    for (let i = 0; i < 3; i++) expect((await server.request('GET', '/v1/me', { token: key.token })).status).toBe(200)
    // A scope it lacks, then past its limit.
    expect((await server.request('GET', '/v1/members', { token: key.token })).status).toBe(403)
    expect((await server.request('GET', '/v1/me', { token: key.token })).status).toBe(429)
    await flush()

    const from = new Date(server.clock.now() - HOUR).toISOString()
    const response = await usageOf(key.id, `?granularity=hour&from=${from}`)
    expect(response.status, response.text).toBe(200)
    const usage = response.body.data
    expect(usage).toMatchObject({
      credentialId: key.id,
      granularity: 'hour',
      totals: { accepted: 3, refused: 2, refusedByReason: { INSUFFICIENT_SCOPE: 1, RATE_LIMITED: 1 } },
      retentionDays: 90,
    })
    // Every hour of the range is there, oldest first; this hour holds the requests.
    expect(usage.buckets.length).toBe(2)
    expect(usage.buckets.at(-1)).toMatchObject({ accepted: 3, refused: 2 })
    expect(usage.buckets[0]).toEqual({ start: usage.from, accepted: 0, refused: 0, refusedByReason: {} })
    expect(Date.parse(usage.buckets[1].start) - Date.parse(usage.buckets[0].start)).toBe(HOUR)
    expect(usage.addresses).toEqual([{ ip: '127.0.0.1', firstSeenAt: expect.any(String), lastSeenAt: expect.any(String) }])
  })

  it('counts add up across flushes and hours; revoked and expired keys are counted by reason; verifications count too', async () => {
    const key = await createApiKey(server, admin.accessToken, { scopes: ['contacts:read'], expiresAt: new Date(server.clock.now() + 3 * HOUR).toISOString() })
    const verifier = await createApiKey(server, admin.accessToken, { scopes: ['api_keys:workflow'] })
    await server.request('GET', '/v1/me', { token: key.token })
    await flush()
    await server.request('GET', '/v1/me', { token: key.token })
    const verified = await server.request('POST', '/v1/keys/verify', { token: verifier.token, body: { key: key.token, ip: '198.51.100.7' } })
    expect(verified.body.data.valid).toBe(true)
    await flush()
    server.clock.advance(HOUR)
    await server.request('GET', '/v1/me', { token: key.token })
    server.clock.advance(3 * HOUR)
    expect((await server.request('GET', '/v1/me', { token: key.token })).body.error.details[0].reason).toBe('EXPIRED')
    await flush()
    admin = await loginAdmin(server)

    const response = await usageOf(key.id, `?granularity=hour&from=${new Date(server.clock.now() - 6 * HOUR).toISOString()}`)
    expect(response.status, response.text).toBe(200)
    const { totals, buckets, addresses } = response.body.data
    expect(totals).toEqual({ accepted: 4, refused: 1, refusedByReason: { EXPIRED: 1 } })
    expect(buckets.filter((b: { accepted: number }) => b.accepted > 0).map((b: { accepted: number }) => b.accepted)).toEqual([3, 1])
    // The address a verification names is the key's client's; the most recent first.
    expect(addresses.map((a: { ip: string }) => a.ip).sort()).toEqual(['127.0.0.1', '198.51.100.7'])

    const revoked = await createApiKey(server, admin.accessToken, { scopes: ['contacts:read'] })
    expect((await server.request('DELETE', `/v1/api-keys/${revoked.id}`, { token: admin.accessToken })).status).toBe(200)
    expect((await server.request('GET', '/v1/me', { token: revoked.token })).status).toBe(401)
    await flush()
    expect((await usageOf(revoked.id)).body.data.totals).toEqual({ accepted: 0, refused: 1, refusedByReason: { REVOKED: 1 } })
  })

  it('days by default: the last 30 days, one bucket per UTC day', async () => {
    const key = await createApiKey(server, admin.accessToken, { scopes: ['contacts:read'] })
    await server.request('GET', '/v1/me', { token: key.token })
    await flush()
    const { data } = (await usageOf(key.id)).body
    expect(data.granularity).toBe('day')
    expect(data.buckets.length).toBe(31)
    expect(data.buckets.every((b: { start: string }) => b.start.endsWith('T00:00:00.000Z'))).toBe(true)
    expect(data.buckets.at(-1).accepted).toBe(1)
    expect(data.totals.accepted).toBe(1)
  })

  it('400: from must be before to, ranges are bounded, granularity is hour or day, times are ISO 8601', async () => {
    const key = await createApiKey(server, admin.accessToken)
    const now = server.clock.now()
    const at = (ms: number) => new Date(ms).toISOString()
    const cases: Array<[string, string, string | undefined]> = [
      [`?from=${at(now)}&to=${at(now - HOUR)}`, 'from', 'FROM_NOT_BEFORE_TO'],
      [`?from=${at(now)}&to=${at(now)}`, 'from', 'FROM_NOT_BEFORE_TO'],
      [`?granularity=hour&from=${at(now - 40 * DAY)}`, 'from', 'RANGE_TOO_LONG'],
      [`?granularity=day&from=${at(now - 400 * DAY)}`, 'from', 'RANGE_TOO_LONG'],
      ['?granularity=week', 'granularity', undefined],
      ['?from=yesterday', 'from', undefined],
      ['?colour=blue', 'colour', undefined],
    ]
    for (const [query, field, reason] of cases) {
      const response = await usageOf(key.id, query)
      expect(response.status, `${query}: ${response.text}`).toBe(400)
      expect(response.body.error.code).toBe('validation_failed')
      expect(response.body.error.details[0].field, query).toContain(field)
      if (reason !== undefined) expect(response.body.error.details[0].reason).toBe(reason)
    }
  })

  it('404 for another organization’s key (its admin or its keys); 403 for members; a user reads their own token’s usage only', async () => {
    const key = await createApiKey(server, admin.accessToken, { scopes: ['contacts:read'] })
    const rival = await signUp(server, 'Rival')
    const rivalKey = await createApiKey(server, rival.accessToken, { scopes: ['api_keys:read'] })
    for (const bearer of [rival.accessToken, rivalKey.token]) expect((await usageOf(key.id, '', bearer)).status).toBe(404)
    const member = await joinOrganization(server, admin, 'member')
    const forbidden = await usageOf(key.id, '', member.accessToken)
    expect(forbidden.status).toBe(403)
    expect(forbidden.body.error.code).toBe('forbidden')

    const pat = await createPat(server, member, { scopes: ['contacts:read'] })
    await server.request('GET', '/v1/me', { token: pat.token })
    await flush()
    const own = await server.request('GET', `/v1/personal-access-tokens/${pat.id}/usage`, { token: member.accessToken })
    expect(own.status, own.text).toBe(200)
    expect(own.body.data.totals.accepted).toBe(1)
    // Nobody else's, the admin's included: a PAT is its owner's.
    expect((await server.request('GET', `/v1/personal-access-tokens/${pat.id}/usage`, { token: admin.accessToken })).status).toBe(404)
    // An API key's id is not a PAT's.
    expect((await server.request('GET', `/v1/personal-access-tokens/${key.id}/usage`, { token: admin.accessToken })).status).toBe(404)
  })

  it('what is pending is written on shutdown, and counts older than 90 days are removed', async () => {
    const key = await createApiKey(server, admin.accessToken, { scopes: ['contacts:read'] })
    await server.request('GET', '/v1/me', { token: key.token })
    // No flush: closing the server writes it.
    await server.restart()
    const before = await usageOf(key.id, '', (await loginAdmin(server)).accessToken)
    expect(before.body.data.totals.accepted).toBe(1)

    // Starting prunes what is past the retention.
    const requestedAt = server.clock.now()
    server.clock.advance(91 * DAY)
    await server.restart()
    const fresh = await loginAdmin(server)
    const range = `?from=${new Date(requestedAt - DAY).toISOString()}&to=${new Date(requestedAt + DAY).toISOString()}`
    // The pass runs beside the first requests, not before them: wait for it, boundedly.
    let old = await usageOf(key.id, range, fresh.accessToken)
    for (let attempt = 0; attempt < 100 && old.body.data?.totals.accepted !== 0; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 20))
      old = await usageOf(key.id, range, fresh.accessToken)
    }
    expect(old.status, old.text).toBe(200)
    expect(old.body.data.totals.accepted).toBe(0)
    expect(old.body.data.addresses).toEqual([])
  })
})
