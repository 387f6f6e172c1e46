import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiKey, createPat, joinOrganization, loginAdmin, type TestUser } from '@brandwave/testing/actors'
import { startTestServer, type TestServer } from '@brandwave/testing/server'

/**
 * Each request line says who made the request and from where, refused requests included
 * (ASVS 5.0 16.2.1, 16.3.2), by ids only. One database kind: the line is written by the HTTP
 * layer from the request's principal, whichever database found it.
 */
describe('who and where in the request log (sqlite)', () => {
  const logLines: string[] = []
  let server: TestServer
  let admin: TestUser

  beforeAll(async () => {
    server = await startTestServer('sqlite', { logLines })
    admin = await loginAdmin(server)
  })
  afterAll(() => server?.close())

  /** The request line of the response, once the server has written it. */
  async function lineOf(response: { headers: Headers }): Promise<Record<string, any>> {
    const requestId = response.headers.get('x-request-id')
    for (let attempt = 0; attempt < 50; attempt++) {
      const line = logLines.map((text) => JSON.parse(text) as Record<string, any>).find((entry) => entry.requestId === requestId && entry.msg === 'request')
      if (line !== undefined) return line
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    throw new Error(`no request line for ${requestId}`)
  }

  it('a refused credential: the client address, no principal', async () => {
    const line = await lineOf(await server.request('GET', '/v1/me', { token: 'bw_live_000000000000000000000000000000000000' }))
    expect(line).toMatchObject({ status: 401, ip: '127.0.0.1' })
    expect(line.principal).toBeUndefined()
  })

  it('a refused operation (403) names the session, the credential or the app that tried', async () => {
    const member = await joinOrganization(server, admin, 'member', 'Logged')
    const bySession = await lineOf(await server.request('POST', '/v1/api-keys', { token: member.accessToken, body: { name: 'x', scopes: ['api_keys:read'] } }))
    expect(bySession).toMatchObject({ status: 403, ip: '127.0.0.1', principal: { kind: 'session', userId: member.userId, organizationId: admin.organizationId, sessionId: expect.any(String) } })

    const pat = await createPat(server, member, { name: 'logged' })
    const byPat = await lineOf(await server.request('GET', '/v1/audit-logs', { token: pat.token }))
    expect(byPat).toMatchObject({ status: 403, principal: { kind: 'credential', credentialId: pat.id, userId: member.userId, organizationId: admin.organizationId } })

    // Ids only: never a name, an email or the token.
    for (const line of [bySession, byPat]) {
      const text = JSON.stringify(line)
      for (const personal of [member.email, 'Logged', pat.token]) expect(text).not.toContain(personal)
    }
  })

  it('a successful call by an API key names the key, with no user', async () => {
    const key = await createApiKey(server, admin.accessToken)
    const line = await lineOf(await server.request('GET', '/v1/api-keys', { token: key.token, via: 'x-api-key' }))
    expect(line).toMatchObject({ status: 200, ip: '127.0.0.1', principal: { kind: 'credential', credentialId: key.id, userId: null, organizationId: admin.organizationId } })
  })
})
