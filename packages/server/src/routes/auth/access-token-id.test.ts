import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loginAdmin } from '@brandwave/testing/actors'
import { testDatabaseKinds } from '@brandwave/testing/databases'
import { startTestServer, type TestServer } from '@brandwave/testing/server'

function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>
}

describe.each(testDatabaseKinds)('access token identity (%s)', (kind) => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer(kind)
  })
  afterAll(() => server?.close())

  it('two refreshes of one session in the same second give different access tokens, each with its own jti', async () => {
    const admin = await loginAdmin(server)
    // The clock does not move: same session, same second, same claims but for the jti.
    const first = await server.request('POST', '/v1/auth/refresh', { body: { refreshToken: admin.refreshToken } })
    expect(first.status, first.text).toBe(200)
    const second = await server.request('POST', '/v1/auth/refresh', { body: { refreshToken: first.body.data.refreshToken } })
    expect(second.status, second.text).toBe(200)
    const tokens = [admin.accessToken, first.body.data.accessToken as string, second.body.data.accessToken as string]
    expect(new Set(tokens).size).toBe(3)
    const ids = tokens.map((token) => claimsOf(token).jti)
    for (const id of ids) expect(id).toEqual(expect.any(String))
    expect(new Set(ids).size).toBe(3)
    expect(claimsOf(tokens[1]!).iat).toBe(claimsOf(tokens[2]!).iat)
    expect((await server.request('GET', '/v1/me', { token: tokens[2] })).status).toBe(200)
  })
})
