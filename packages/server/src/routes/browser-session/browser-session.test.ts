import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPat, joinOrganization, loginAdmin, signUp } from '@brandwave/testing/actors'
import { testDatabaseKinds } from '@brandwave/testing/databases'
import { ADMIN_EMAIL, ADMIN_PASSWORD, startTestServer, type TestServer } from '@brandwave/testing/server'

const PATH = '/v1/auth/browser-session'

/** The refresh-token cookie of a response, split into its value and attributes. */
function refreshCookie(response: { headers: Headers }): { value: string; attributes: string[] } {
  const header = response.headers.getSetCookie().find((cookie) => cookie.startsWith('brandwave_refresh='))
  expect(header, 'a brandwave_refresh cookie').toBeDefined()
  const [pair = '', ...attributes] = (header ?? '').split(';').map((part) => part.trim())
  return { value: pair.slice('brandwave_refresh='.length), attributes }
}

describe.each(testDatabaseKinds)('browser sessions (%s)', (kind) => {
  let server: TestServer
  let origin: string

  beforeAll(async () => {
    server = await startTestServer(kind)
    origin = server.url
  })
  afterAll(() => server?.close())

  const signIn = () => server.request('POST', PATH, { body: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD }, headers: { origin } })

  it('200 signs in with the refresh token only in an HttpOnly, SameSite=Strict cookie scoped to these paths', async () => {
    const response = await signIn()
    expect(response.status, response.text).toBe(200)
    expect(Object.keys(response.body.data).sort()).toEqual(['accessToken', 'expiresIn', 'tokenType'])
    expect(response.text).not.toMatch(/_rt_/)
    const cookie = refreshCookie(response)
    expect(cookie.value).toMatch(/^bw_rt_/)
    expect(cookie.attributes).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Strict', `Path=${PATH}`, 'Max-Age=604800']))
    // Plain HTTP here: a Secure cookie would never come back.
    expect(cookie.attributes).not.toContain('Secure')
    expect((await server.request('GET', '/v1/me', { token: response.body.data.accessToken })).status).toBe(200)
  })

  it('Secure when the request came over https (through a trusted proxy)', async () => {
    await server.restartWith({ TRUST_PROXY: 'true' })
    try {
      const response = await server.request('POST', PATH, {
        body: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD },
        headers: { origin: `https://${new URL(server.url).host}`, 'x-forwarded-proto': 'https' },
      })
      expect(response.status, response.text).toBe(200)
      expect(refreshCookie(response).attributes).toContain('Secure')
    } finally {
      await server.restartWith({})
      origin = server.url
    }
  })

  it('200 refreshes with the cookie alone and rotates it; the old cookie then ends the session', async () => {
    const first = refreshCookie(await signIn()).value
    const refreshed = await server.request('POST', `${PATH}/refresh`, { headers: { origin, cookie: `other=1; brandwave_refresh=${first}` } })
    expect(refreshed.status, refreshed.text).toBe(200)
    const second = refreshCookie(refreshed).value
    expect(second).not.toBe(first)
    expect((await server.request('GET', '/v1/me', { token: refreshed.body.data.accessToken })).status).toBe(200)

    const replayed = await server.request('POST', `${PATH}/refresh`, { headers: { origin, cookie: `brandwave_refresh=${first}` } })
    expect(replayed.status).toBe(401)
    expect(refreshCookie(replayed).attributes).toContain('Max-Age=0')
    // Reuse of a dead refresh token ends the whole session, the newer cookie included.
    expect((await server.request('POST', `${PATH}/refresh`, { headers: { origin, cookie: `brandwave_refresh=${second}` } })).status).toBe(401)
  })

  it('401 without a cookie', async () => {
    const response = await server.request('POST', `${PATH}/refresh`, { headers: { origin } })
    expect(response.status).toBe(401)
    expect(response.body.error.code).toBe('unauthorized')
  })

  it('403 from another origin or with no Origin at all, on every cookie route, before anything happens', async () => {
    const cookie = refreshCookie(await signIn()).value
    for (const headers of [{ origin: 'https://evil.example' }, { origin: 'null' }, {}] as Record<string, string>[]) {
      const login = await server.request('POST', PATH, { body: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD }, headers })
      expect(login.status).toBe(403)
      expect(login.body.error.code).toBe('forbidden')
      expect(login.headers.getSetCookie()).toEqual([])
      const refresh = await server.request('POST', `${PATH}/refresh`, { headers: { ...headers, cookie: `brandwave_refresh=${cookie}` } })
      expect(refresh.status).toBe(403)
      expect(refresh.body.error.code).toBe('forbidden')
    }
    // The refused requests did not spend the cookie.
    expect((await server.request('POST', `${PATH}/refresh`, { headers: { origin, cookie: `brandwave_refresh=${cookie}` } })).status).toBe(200)
  })

  it('logout ends the session and clears the cookie; 403 from another origin', async () => {
    const signedIn = await signIn()
    const token = signedIn.body.data.accessToken
    const cookie = refreshCookie(signedIn).value
    expect((await server.request('POST', `${PATH}/logout`, { token, headers: { origin: 'https://evil.example' } })).status).toBe(403)

    const out = await server.request('POST', `${PATH}/logout`, { token, headers: { origin } })
    expect(out.status, out.text).toBe(200)
    expect(refreshCookie(out)).toMatchObject({ value: '', attributes: expect.arrayContaining(['Max-Age=0', `Path=${PATH}`]) })
    expect((await server.request('GET', '/v1/me', { token })).status).toBe(401)
    expect((await server.request('POST', `${PATH}/refresh`, { headers: { origin, cookie: `brandwave_refresh=${cookie}` } })).status).toBe(401)
  })

  it('wrong password: 401 invalid_credentials and no cookie; the /api/v1 alias scopes its cookie to its own path', async () => {
    const wrong = await server.request('POST', PATH, { body: { email: ADMIN_EMAIL, password: 'nope' }, headers: { origin } })
    expect(wrong.status).toBe(401)
    expect(wrong.body.error.code).toBe('invalid_credentials')
    expect(wrong.headers.getSetCookie()).toEqual([])

    const alias = await server.request('POST', `/api${PATH}`, { body: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD }, headers: { origin } })
    expect(alias.status).toBe(200)
    expect(refreshCookie(alias).attributes).toContain(`Path=/api${PATH}`)
  })
})

describe.each(testDatabaseKinds)('switching organizations (%s)', (kind) => {
  let server: TestServer

  beforeAll(async () => {
    server = await startTestServer(kind)
  })
  afterAll(() => server?.close())

  it('lists your organizations with your role; switching starts a session there and ends this one; 403 for one that is not yours', async () => {
    const admin = await loginAdmin(server)
    const member = await joinOrganization(server, admin, 'member', 'Sam')
    const origin = server.url
    const home = await server.request('POST', PATH, { body: { email: member.email, password: member.password, organizationId: member.homeOrganizationId }, headers: { origin } })
    expect(home.status, home.text).toBe(200)
    const token = home.body.data.accessToken

    const listed = await server.request('GET', '/v1/me/organizations', { token })
    expect(listed.status).toBe(200)
    expect(listed.body.data).toEqual(
      expect.arrayContaining([
        { id: member.homeOrganizationId, name: expect.any(String), role: 'company_admin' },
        { id: admin.organizationId, name: expect.any(String), role: 'member' },
      ]),
    )
    expect(listed.body.data).toHaveLength(2)

    const stranger = await signUp(server, 'Stranger')
    const refused = await server.request('POST', `${PATH}/switch`, { token, body: { organizationId: stranger.organizationId }, headers: { origin } })
    expect(refused.status).toBe(403)
    expect(refused.body.error.code).toBe('forbidden')
    expect((await server.request('POST', `${PATH}/switch`, { token, body: { organizationId: admin.organizationId }, headers: { origin: 'https://evil.example' } })).status).toBe(403)

    const switched = await server.request('POST', `${PATH}/switch`, { token, body: { organizationId: admin.organizationId }, headers: { origin } })
    expect(switched.status, switched.text).toBe(200)
    expect(refreshCookie(switched).attributes).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Strict']))
    const me = await server.request('GET', '/v1/me', { token: switched.body.data.accessToken })
    expect(me.body.data).toMatchObject({ tenantId: admin.organizationId, role: 'member' })
    expect((await server.request('GET', '/v1/me', { token })).status).toBe(401)
    // A PAT or API key has no organizations to switch between.
    const withPat = await server.request('GET', '/v1/me/organizations', { token: (await createPat(server, admin)).token })
    expect(withPat.status).toBe(403)
    expect(withPat.body.error.code).toBe('forbidden')
  })
})
