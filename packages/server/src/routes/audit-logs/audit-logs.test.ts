import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiKey, createPat, joinOrganization, loginAdmin, signUp, type TestUser } from '@brandwave/testing/actors'
import { storageKinds } from '@brandwave/testing/databases'
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '@brandwave/testing/server'

describe.each(storageKinds)('GET /v1/audit-logs (%s)', (kind) => {
  let server: TestServer
  let admin: TestUser

  beforeAll(async () => {
    server = await startTestServer(kind, { env: { BRANDWAVE_RESOURCES: 'contacts' } })
    admin = await loginAdmin(server)
  })
  afterAll(() => server?.close())

  it('records every credential, member and sign-in event with actor, target, IP, user agent and request id — and no secret', async () => {
    const secrets: string[] = [admin.accessToken, admin.refreshToken, ADMIN_PASSWORD]
    const userAgent = 'audit-test/1.0'
    const headers = { 'user-agent': userAgent }

    const created = await server.request('POST', '/v1/api-keys', { token: admin.accessToken, headers, body: { name: 'Nightly export', scopes: ['contacts:read'] } })
    const key = created.body.data
    secrets.push(key.token)
    await server.request('PATCH', `/v1/api-keys/${key.id}`, { token: admin.accessToken, headers, body: { name: 'Nightly QuickBooks export' } })
    const rotated = await server.request('POST', `/v1/api-keys/${key.id}/rotate`, { token: admin.accessToken, headers, body: { gracePeriodSeconds: 60 } })
    secrets.push(rotated.body.data.token)
    await server.request('DELETE', `/v1/api-keys/${rotated.body.data.id}`, { token: admin.accessToken, headers })
    const pat = await createPat(server, admin, { name: 'audited pat' })
    secrets.push(pat.token)

    const member = await joinOrganization(server, admin, 'member', 'Audited')
    secrets.push(member.password, member.accessToken, member.refreshToken)
    await server.request('PATCH', `/v1/members/${member.userId}`, { token: admin.accessToken, body: { role: 'company_admin' } })
    await server.request('DELETE', `/v1/members/${member.userId}`, { token: admin.accessToken })
    await server.request('POST', '/v1/auth/login', { body: { email: admin.email, password: 'wrong password guess', organizationId: admin.organizationId }, headers })
    secrets.push('wrong password guess')

    const response = await server.request('GET', '/v1/audit-logs?limit=100', { token: admin.accessToken })
    expect(response.status).toBe(200)
    const actions = response.body.items.map((event: { action: string }) => event.action)
    for (const action of [
      'credential.created', 'credential.updated', 'credential.rotated', 'credential.revoked',
      'member.added', 'member.role_changed', 'member.removed', 'auth.login_succeeded', 'auth.login_failed',
    ]) {
      expect(actions, action).toContain(action)
    }

    const creation = response.body.items.find((event: any) => event.action === 'credential.created' && event.target.id === key.id)
    expect(creation).toMatchObject({
      actor: { type: 'user', id: admin.userId, name: 'Administrator' },
      target: { type: 'api_key', id: key.id, name: 'Nightly export' },
      ip: '127.0.0.1',
      userAgent,
      requestId: created.body.meta.request_id,
      details: { scopes: ['contacts:read'], environment: 'live' },
    })
    const failure = response.body.items.find((event: any) => event.action === 'auth.login_failed')
    expect(failure).toMatchObject({ actor: { type: 'anonymous' }, target: { type: 'user', id: admin.userId }, details: { reason: 'wrong_password' } })

    for (const secret of secrets) expect(response.text).not.toContain(secret)
  })

  it('filters by action, actor, target and time, paginates, and counts actions in facets', async () => {
    const org = await signUp(server, 'Filtered')
    const pats = []
    for (let i = 0; i < 3; i++) pats.push(await createPat(server, org, { name: `p${i}` }))
    const before = new Date(server.clock.now()).toISOString()
    server.clock.advance(60_000)
    await server.request('DELETE', `/v1/personal-access-tokens/${pats[0].id}`, { token: org.accessToken })
    try {
      const byAction = await server.request('GET', '/v1/audit-logs?action=credential.created', { token: org.accessToken })
      expect(byAction.body.totalCount).toBe(3)
      expect(byAction.body.facets.action).toEqual({ 'credential.created': 3 })

      const byTarget = await server.request('GET', `/v1/audit-logs?targetId=${pats[0].id}`, { token: org.accessToken })
      expect(byTarget.body.items.map((e: { action: string }) => e.action)).toEqual(['credential.revoked', 'credential.created'])

      const byActor = await server.request('GET', `/v1/audit-logs?actorId=${org.userId}&since=${encodeURIComponent(new Date(server.clock.now()).toISOString())}`, { token: org.accessToken })
      expect(byActor.body.items.map((e: { action: string }) => e.action)).toEqual(['credential.revoked'])
      const early = await server.request('GET', `/v1/audit-logs?until=${encodeURIComponent(new Date(Date.parse(before) + 1).toISOString())}`, { token: org.accessToken })
      expect(early.body.items.map((e: { action: string }) => e.action)).not.toContain('credential.revoked')
      // Well-formed RFC 3339 that no Date can hold (a leap second, February 30th): 400, never 500.
      for (const time of ['2026-06-30T23:59:60Z', '2016-12-31T18:59:60.5-05:00', '2026-02-30T00:00:00Z']) {
        const refused = await server.request('GET', `/v1/audit-logs?since=${encodeURIComponent(time)}`, { token: org.accessToken })
        expect(refused.status, time).toBe(400)
        expect(refused.body.error.details).toEqual([{ field: 'since', message: expect.any(String) }])
      }

      const first = await server.request('GET', '/v1/audit-logs?limit=2', { token: org.accessToken })
      const second = await server.request('GET', `/v1/audit-logs?limit=2&cursor=${first.body.nextCursor}`, { token: org.accessToken })
      const ids = [...first.body.items, ...second.body.items].map((e: { id: string }) => e.id)
      expect(new Set(ids).size).toBe(4)
      expect(first.body.totalCount).toBe(second.body.totalCount)
    } finally {
      server.clock.advance(-60_000)
    }
  })

  it('shows only the caller’s organization; a key with audit_logs:read may read it, a PAT of a member may not', async () => {
    const other = await signUp(server, 'Separate')
    await createPat(server, other, { name: 'separate pat' })
    const response = await server.request('GET', '/v1/audit-logs?limit=100', { token: admin.accessToken })
    expect(response.text).not.toContain('separate pat')
    const key = await createApiKey(server, admin.accessToken, { scopes: ['audit_logs:read'] })
    expect((await server.request('GET', '/v1/audit-logs', { token: key.token })).status).toBe(200)
    const member = await joinOrganization(server, admin, 'member', 'Peeker')
    const memberPat = await createPat(server, member)
    expect((await server.request('GET', '/v1/audit-logs', { token: memberPat.token })).status).toBe(403)
  })
})
