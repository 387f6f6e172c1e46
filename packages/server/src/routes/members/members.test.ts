import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiKey, createPat, invitationTokenOf, joinOrganization, loginAdmin, signUp, type TestUser } from '@brandwave/testing/actors'
import { testDatabaseKinds } from '@brandwave/testing/databases'
import { startTestServer, type TestServer } from '@brandwave/testing/server'

describe.each(testDatabaseKinds)('members (%s)', (kind) => {
  let server: TestServer
  let admin: TestUser

  beforeAll(async () => {
    server = await startTestServer(kind, { env: { BRANDWAVE_RESOURCES: 'contacts' } })
    admin = await loginAdmin(server)
  })
  afterAll(() => server?.close())

  it('POST /v1/members adds nobody: people join only through invitations', async () => {
    const user = await signUp(server, 'Newcomer')
    const added = await server.request('POST', '/v1/members', { token: admin.accessToken, body: { email: user.email, role: 'member' } })
    expect([404, 405]).toContain(added.status)
    const members = await server.request('GET', `/v1/members?search=${encodeURIComponent(user.email)}`, { token: admin.accessToken })
    expect(members.body.totalCount).toBe(0)
  })

  it('a user in several organizations picks one at login; without organizationId they land in the first', async () => {
    const user = await signUp(server, 'Multi')
    server.clock.advance(1) // memberships are ordered by when they were made
    const invited = await server.request('POST', '/v1/invitations', { token: admin.accessToken, body: { email: user.email, role: 'member' } })
    const accepted = await server.request('POST', '/v1/invitations/accept', { token: user.accessToken, body: { token: invitationTokenOf(invited.body.data.acceptUrl) } })
    expect(accepted.status, accepted.text).toBe(200)
    const defaulted = await server.request('POST', '/v1/auth/login', { body: { email: user.email, password: user.password } })
    const me = await server.request('GET', '/v1/me', { token: defaulted.body.data.accessToken })
    expect(me.body.data).toMatchObject({ tenantId: user.organizationId, role: 'company_admin' })
    const chosen = await server.request('POST', '/v1/auth/login', { body: { email: user.email, password: user.password, organizationId: admin.organizationId } })
    const there = await server.request('GET', '/v1/me', { token: chosen.body.data.accessToken })
    expect(there.body.data).toMatchObject({ tenantId: admin.organizationId, role: 'member' })
  })

  it('200 lists members with role facets, filters and pagination', async () => {
    const org = await signUp(server, 'Owner')
    const names = ['Alpha', 'Bravo', 'Charlie']
    for (const name of names) await joinOrganization(server, org, 'member', name)
    const page = await server.request('GET', '/v1/members?limit=2', { token: org.accessToken })
    expect(page.status).toBe(200)
    expect(page.body.totalCount).toBe(4)
    expect(page.body.facets).toEqual({ role: { company_admin: 1, member: 3 } })
    expect(page.body.items).toHaveLength(2)
    const rest = await server.request('GET', `/v1/members?limit=2&cursor=${page.body.nextCursor}`, { token: org.accessToken })
    expect(rest.body.items).toHaveLength(2)
    expect(rest.body.nextCursor).toBeNull()
    const all = [...page.body.items, ...rest.body.items].map((m: { name: string }) => m.name).sort()
    expect(all).toEqual(['Alpha', 'Bravo', 'Charlie', 'Owner'])
    const filtered = await server.request('GET', '/v1/members?role=member&search=bra', { token: org.accessToken })
    expect(filtered.body.items.map((m: { name: string }) => m.name)).toEqual(['Bravo'])
  })

  it('demotion takes effect on the next request of the member’s session and PATs', async () => {
    const deputy = await joinOrganization(server, admin, 'company_admin', 'Deputy')
    const pat = await createPat(server, deputy)
    expect((await server.request('GET', '/v1/api-keys', { token: deputy.accessToken })).status).toBe(200)
    expect((await server.request('GET', '/v1/api-keys', { token: pat.token })).status).toBe(200)

    const demoted = await server.request('PATCH', `/v1/members/${deputy.userId}`, { token: admin.accessToken, body: { role: 'member' } })
    expect(demoted.status).toBe(200)
    expect(demoted.body.data.role).toBe('member')

    expect((await server.request('GET', '/v1/api-keys', { token: deputy.accessToken })).status).toBe(403)
    expect((await server.request('GET', '/v1/api-keys', { token: pat.token })).status).toBe(403)
    expect((await server.request('GET', '/v1/me', { token: deputy.accessToken })).body.data.role).toBe('member')
    expect((await server.request('GET', '/v1/me', { token: pat.token })).body.data.scopes).not.toContain('api_keys:read')
  })

  it('removal kills the member’s sessions and PATs in the organization at once, and only there', async () => {
    const leaver = await joinOrganization(server, admin, 'member', 'Leaver')
    const pat = await createPat(server, leaver)
    const home = await server.request('POST', '/v1/auth/login', { body: { email: leaver.email, password: leaver.password, organizationId: leaver.homeOrganizationId } })
    // In the organization of their own they are its admin: their token there is an admin's.
    const homePat = await createPat(server, { ...leaver, accessToken: home.body.data.accessToken })

    const removed = await server.request('DELETE', `/v1/members/${leaver.userId}`, { token: admin.accessToken })
    expect(removed.status).toBe(200)
    expect(removed.body.data).toMatchObject({ userId: leaver.userId, revokedTokens: 1, endedSessions: 1 })

    expect((await server.request('GET', '/v1/me', { token: leaver.accessToken })).status).toBe(401)
    expect((await server.request('GET', '/v1/me', { token: pat.token })).status).toBe(401)
    expect((await server.request('POST', '/v1/auth/refresh', { body: { refreshToken: leaver.refreshToken } })).status).toBe(401)
    // Their own organization is untouched.
    expect((await server.request('GET', '/v1/me', { token: home.body.data.accessToken })).status).toBe(200)
    expect((await server.request('GET', '/v1/me', { token: homePat.token })).status).toBe(200)
    expect((await server.request('DELETE', `/v1/members/${leaver.userId}`, { token: admin.accessToken })).status).toBe(404)
  })

  it('409: the last company_admin can be neither demoted nor removed', async () => {
    const solo = await signUp(server, 'Solo')
    expect((await server.request('PATCH', `/v1/members/${solo.userId}`, { token: solo.accessToken, body: { role: 'member' } })).status).toBe(409)
    expect((await server.request('DELETE', `/v1/members/${solo.userId}`, { token: solo.accessToken })).status).toBe(409)
    expect((await server.request('GET', '/v1/me', { token: solo.accessToken })).body.data.role).toBe('company_admin')
  })

  it('403: a key with members:write cannot invite with a role whose permissions it lacks', async () => {
    const key = await createApiKey(server, admin.accessToken, { scopes: ['members:read', 'members:write'] })
    const response = await server.request('POST', '/v1/invitations', { token: key.token, body: { email: 'climber@example.com', role: 'company_admin' } })
    expect(response.status).toBe(403)
    expect(response.body.error.code).toBe('forbidden')
  })

  it('404 for members of another organization', async () => {
    const other = await signUp(server, 'Elsewhere')
    for (const [method, body] of [['PATCH', { role: 'member' }], ['DELETE', undefined]] as const) {
      const response = await server.request(method, `/v1/members/${other.userId}`, { token: admin.accessToken, ...(body && { body }) })
      expect(response.status).toBe(404)
    }
    expect((await server.request('GET', '/v1/me', { token: other.accessToken })).status).toBe(200)
  })
})
