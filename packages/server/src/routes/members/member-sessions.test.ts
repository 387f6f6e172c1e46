import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiKey, createPat, joinOrganization, login, loginAdmin, signUp, type TestUser } from '@brandwave/testing/actors'
import { testDatabaseKinds } from '@brandwave/testing/databases'
import { startTestServer, type TestServer } from '@brandwave/testing/server'

describe.each(testDatabaseKinds)('POST /v1/members/:userId/end-sessions (%s)', (kind) => {
  let server: TestServer
  let admin: TestUser

  beforeAll(async () => {
    server = await startTestServer(kind, { env: { BRANDWAVE_RESOURCES: 'contacts' } })
    admin = await loginAdmin(server)
  })
  afterAll(() => server?.close())

  const end = (bearer: string, userId: string) => server.request('POST', `/v1/members/${userId}/end-sessions`, { token: bearer })
  const works = async (token: string) => (await server.request('GET', '/v1/me', { token })).status

  it('200 ends every session of the member in this organization at once; their PATs and their sessions elsewhere stay; audited', async () => {
    const member = await joinOrganization(server, admin, 'member', 'Laptop')
    const second = await login(server, member.email, member.password, admin.organizationId)
    const atHome = await login(server, member.email, member.password, member.homeOrganizationId)
    const pat = await createPat(server, member, { name: 'still mine' })

    const ended = await end(admin.accessToken, member.userId)
    expect(ended.status, ended.text).toBe(200)
    expect(ended.body.data).toEqual({ userId: member.userId, endedAt: expect.any(String), endedSessions: 2 })

    expect(await works(member.accessToken)).toBe(401)
    expect(await works(second.accessToken)).toBe(401)
    expect((await server.request('POST', '/v1/auth/refresh', { body: { refreshToken: second.refreshToken } })).status).toBe(401)
    expect(await works(atHome.accessToken)).toBe(200)
    expect(await works(pat.token)).toBe(200)
    // They can sign in again.
    await login(server, member.email, member.password, admin.organizationId)

    const audit = await server.request('GET', '/v1/audit-logs?action=member.sessions_ended', { token: admin.accessToken })
    expect(audit.body.items[0]).toMatchObject({ action: 'member.sessions_ended', target: { id: member.userId }, details: { endedSessions: 2 } })
  })

  it('a key with members:workflow may end a member’s sessions, not an administrator’s; 403 without the scope; 404 for someone of another organization', async () => {
    const member = await joinOrganization(server, admin, 'member', 'Keyed')
    const otherAdmin = await joinOrganization(server, admin, 'company_admin', 'Deputy')
    const workflow = await createApiKey(server, admin.accessToken, { scopes: ['members:workflow'] })
    const reader = await createApiKey(server, admin.accessToken, { scopes: ['members:read'] })

    const forbidden = await end(workflow.token, otherAdmin.userId)
    expect(forbidden.status).toBe(403)
    expect(forbidden.body.error.code).toBe('forbidden')
    expect(await works(otherAdmin.accessToken)).toBe(200)

    const scopeless = await end(reader.token, member.userId)
    expect(scopeless.status).toBe(403)
    expect(scopeless.body.error.code).toBe('insufficient_scope')
    // A member's own session cannot end another member's.
    expect((await end(member.accessToken, otherAdmin.userId)).status).toBe(403)
    expect(await works(member.accessToken)).toBe(200)

    expect((await end(workflow.token, member.userId)).status).toBe(200)
    expect(await works(member.accessToken)).toBe(401)

    // Someone who is not in the organization is nobody here.
    const stranger = await signUp(server, 'Stranger')
    expect((await end(admin.accessToken, stranger.userId)).status).toBe(404)
    expect(await works(stranger.accessToken)).toBe(200)
    // A malformed id names nobody either, as for every other id.
    expect((await end(admin.accessToken, 'not-a-uuid')).status).toBe(404)
  })
})
