import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPat, login, loginAdmin, signUp, withBrokenChecksum } from '@brandwave/testing/actors'
import { testDatabaseKinds } from '@brandwave/testing/databases'
import { ADMIN_EMAIL, ADMIN_PASSWORD, startTestServer, type TestServer } from '@brandwave/testing/server'

describe.each(testDatabaseKinds)('authentication (%s)', (kind) => {
  let server: TestServer

  beforeAll(async () => {
    server = await startTestServer(kind)
  })
  afterAll(() => server?.close())

  describe('POST /v1/auth/login', () => {
    it('200: a Bearer access JWT valid 15 minutes and a 7-day refresh token', async () => {
      const response = await server.request('POST', '/v1/auth/login', { body: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } })
      expect(response.status).toBe(200)
      expect(response.body.data).toEqual({
        accessToken: expect.stringMatching(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/),
        refreshToken: expect.stringMatching(/^bw_rt_[0-9A-Za-z]{36}$/),
        tokenType: 'Bearer',
        expiresIn: 900,
        refreshExpiresIn: 604800,
      })
      const me = await server.request('GET', '/v1/me', { token: response.body.data.accessToken })
      expect(me.body.data).toMatchObject({ type: 'session', email: ADMIN_EMAIL, role: 'company_admin', twoFactorEnabled: false })
    })

    it('accepts the email in any case', async () => {
      const response = await server.request('POST', '/v1/auth/login', { body: { email: ADMIN_EMAIL.toUpperCase(), password: ADMIN_PASSWORD } })
      expect(response.status).toBe(200)
    })

    it('401 invalid_credentials: the same answer for an unknown email and a wrong password', async () => {
      const unknown = await server.request('POST', '/v1/auth/login', { body: { email: 'nobody@example.com', password: ADMIN_PASSWORD } })
      const wrong = await server.request('POST', '/v1/auth/login', { body: { email: ADMIN_EMAIL, password: 'not the password' } })
      for (const response of [unknown, wrong]) {
        expect(response.status).toBe(401)
        expect(response.body.error).toMatchObject({ code: 'invalid_credentials', details: [] })
      }
      // Word for word: nothing in the answer tells which of the two it was.
      expect(unknown.body.error).toEqual(wrong.body.error)
    })

    it('400: missing fields or control characters; 403: an organization the user is not a member of', async () => {
      expect((await server.request('POST', '/v1/auth/login', { body: { email: ADMIN_EMAIL } })).status).toBe(400)
      expect((await server.request('POST', '/v1/auth/login', { body: { email: 'a\u0000@example.com', password: 'x' } })).status).toBe(400)
      const other = await signUp(server, 'Outsider')
      const response = await server.request('POST', '/v1/auth/login', { body: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD, organizationId: other.organizationId } })
      expect(response.status).toBe(403)
    })

    it('the access token expires after 15 minutes', async () => {
      const user = await loginAdmin(server)
      server.clock.advance(900_000)
      try {
        const response = await server.request('GET', '/v1/me', { token: user.accessToken })
        expect(response.status).toBe(401)
        expect(response.body.error.details[0].reason).toBe('EXPIRED')
      } finally {
        server.clock.advance(-900_000)
      }
    })
  })

  describe('POST /v1/auth/refresh', () => {
    it('200: a new pair; the old refresh token stops working', async () => {
      const user = await loginAdmin(server)
      const refreshed = await server.request('POST', '/v1/auth/refresh', { body: { refreshToken: user.refreshToken } })
      expect(refreshed.status).toBe(200)
      expect(refreshed.body.data.refreshToken).not.toBe(user.refreshToken)
      expect((await server.request('GET', '/v1/me', { token: refreshed.body.data.accessToken })).status).toBe(200)

      const again = await server.request('POST', '/v1/auth/refresh', { body: { refreshToken: refreshed.body.data.refreshToken } })
      expect(again.status).toBe(200)
    })

    it('reusing a used refresh token ends the whole session', async () => {
      const user = await loginAdmin(server)
      const first = await server.request('POST', '/v1/auth/refresh', { body: { refreshToken: user.refreshToken } })
      expect(first.status).toBe(200)
      const reuse = await server.request('POST', '/v1/auth/refresh', { body: { refreshToken: user.refreshToken } })
      expect(reuse.status).toBe(401)
      expect(reuse.body.error.code).toBe('unauthorized')
      // The pair handed out by the legitimate refresh is dead too.
      expect((await server.request('GET', '/v1/me', { token: first.body.data.accessToken })).status).toBe(401)
      expect((await server.request('POST', '/v1/auth/refresh', { body: { refreshToken: first.body.data.refreshToken } })).status).toBe(401)

      const observer = await loginAdmin(server)
      const audit = await server.request('GET', '/v1/audit-logs?action=auth.refresh_reuse_detected', { token: observer.accessToken })
      expect(audit.body.items[0]).toMatchObject({ actor: { type: 'anonymous' }, target: { type: 'session' }, details: { userId: user.userId, sessionEnded: true } })
      expect(audit.text).not.toContain(user.refreshToken)
    })

    it('401: a forged, malformed or unknown refresh token; an access token is not a refresh token', async () => {
      const user = await loginAdmin(server)
      for (const refreshToken of ['garbage', withBrokenChecksum(user.refreshToken), 'bw_rt_000000000000000000000000000000000000', user.accessToken.slice(0, 256)]) {
        const response = await server.request('POST', '/v1/auth/refresh', { body: { refreshToken } })
        expect(response.status, refreshToken).toBe(401)
      }
    })

    it('401 after 7 days without a refresh', async () => {
      const user = await loginAdmin(server)
      server.clock.advance(7 * 86_400_000)
      try {
        expect((await server.request('POST', '/v1/auth/refresh', { body: { refreshToken: user.refreshToken } })).status).toBe(401)
      } finally {
        server.clock.advance(-7 * 86_400_000)
      }
    })
  })

  describe('POST /v1/auth/logout', () => {
    it('200: the access token fails on the very next request, and so does the refresh token', async () => {
      const user = await loginAdmin(server)
      expect((await server.request('GET', '/v1/me', { token: user.accessToken })).status).toBe(200)
      const response = await server.request('POST', '/v1/auth/logout', { token: user.accessToken })
      expect(response.status).toBe(200)
      expect(response.body.data.endedAt).toEqual(expect.any(String))
      const after = await server.request('GET', '/v1/me', { token: user.accessToken })
      expect(after.status).toBe(401)
      expect(after.body.error.details[0].reason).toBe('REVOKED')
      expect((await server.request('POST', '/v1/auth/refresh', { body: { refreshToken: user.refreshToken } })).status).toBe(401)
    })

    it('403: a PAT cannot log out (it has no session); other sessions are untouched', async () => {
      const first = await loginAdmin(server)
      const second = await loginAdmin(server)
      const pat = await createPat(server, first)
      expect((await server.request('POST', '/v1/auth/logout', { token: pat.token })).status).toBe(403)
      await server.request('POST', '/v1/auth/logout', { token: first.accessToken })
      expect((await server.request('GET', '/v1/me', { token: second.accessToken })).status).toBe(200)
      expect((await server.request('GET', '/v1/me', { token: pat.token })).status).toBe(200)
    })
  })

  describe('POST /v1/auth/signup', () => {
    it('201: a user and a new organization, the user its company_admin', async () => {
      const response = await server.request('POST', '/v1/auth/signup', {
        body: { email: 'Linus@Example.com', password: 'a long enough passphrase', name: 'Linus', organizationName: 'Kernel Inc' },
      })
      expect(response.status).toBe(201)
      expect(response.body.data).toMatchObject({
        user: { email: 'linus@example.com', name: 'Linus' },
        organization: { name: 'Kernel Inc', accountId: expect.any(Number) },
        role: 'company_admin',
      })
      expect(response.text).not.toContain('passphrase')
      const user = await login(server, 'linus@example.com', 'a long enough passphrase')
      expect(user.organizationId).toBe(response.body.data.organization.id)
    })

    it('concurrent signups with one email: exactly one account, the rest 409', async () => {
      const body = { email: 'racer@example.com', password: 'a long enough passphrase', name: 'Racer', organizationName: 'Race' }
      const responses = await Promise.all(Array.from({ length: 8 }, () => server.request('POST', '/v1/auth/signup', { body })))
      const statuses = responses.map((r) => r.status).sort()
      expect(statuses).toEqual([201, 409, 409, 409, 409, 409, 409, 409])
    })

    it('409 for an email already taken; 400 for weak passwords and bad emails', async () => {
      const taken = await server.request('POST', '/v1/auth/signup', { body: { email: ADMIN_EMAIL, password: 'a long enough passphrase', name: 'X', organizationName: 'Y' } })
      expect(taken.status).toBe(409)
      for (const [email, password] of [['a@example.com', 'short'], ['a@example.com', 'password1234'], ['not-an-email', 'a long enough passphrase']] as const) {
        const response = await server.request('POST', '/v1/auth/signup', { body: { email, password, name: 'X', organizationName: 'Y' } })
        expect(response.status, `${email} ${password}`).toBe(400)
        expect(response.text).not.toContain(password)
      }
    })
  })

  describe('POST /v1/auth/password', () => {
    it('200: ends every other session of the user at once; the current one keeps working', async () => {
      const user = await signUp(server, 'Changer')
      const other = await login(server, user.email, user.password)
      const response = await server.request('POST', '/v1/auth/password', {
        token: user.accessToken,
        body: { currentPassword: user.password, newPassword: 'a brand new passphrase' },
      })
      expect(response.status).toBe(200)
      expect(response.body.data.endedSessions).toBe(1)
      expect((await server.request('GET', '/v1/me', { token: other.accessToken })).status).toBe(401)
      expect((await server.request('GET', '/v1/me', { token: user.accessToken })).status).toBe(200)
      expect((await server.request('POST', '/v1/auth/login', { body: { email: user.email, password: user.password } })).status).toBe(401)
      const renewed = await login(server, user.email, 'a brand new passphrase')
      const audit = await server.request('GET', '/v1/audit-logs?action=auth.password_changed', { token: renewed.accessToken })
      expect(audit.body.items[0]).toMatchObject({ actor: { id: user.userId }, details: { endedSessions: 1 } })
      expect(audit.text).not.toContain('a brand new passphrase')
    })

    it('401 invalid_credentials (WRONG_PASSWORD; the session is fine) for a wrong current password; 400 for a weak new one or the same one again', async () => {
      const user = await signUp(server, 'Careful')
      const wrong = await server.request('POST', '/v1/auth/password', { token: user.accessToken, body: { currentPassword: 'nope', newPassword: 'a brand new passphrase' } })
      expect(wrong.status).toBe(401)
      expect(wrong.body.error.code).toBe('invalid_credentials')
      expect(wrong.body.error.details).toMatchObject([{ field: '/currentPassword', reason: 'WRONG_PASSWORD' }])
      const weak = await server.request('POST', '/v1/auth/password', { token: user.accessToken, body: { currentPassword: user.password, newPassword: 'short' } })
      expect(weak.status).toBe(400)
      const same = await server.request('POST', '/v1/auth/password', { token: user.accessToken, body: { currentPassword: user.password, newPassword: user.password } })
      expect(same.status).toBe(400)
      expect((await server.request('GET', '/v1/me', { token: user.accessToken })).status).toBe(200)
    })
  })
})

describe('signup closed', () => {
  it('403 when BRANDWAVE_SIGNUP is not open', async () => {
    const server = await startTestServer('sqlite', { env: { BRANDWAVE_SIGNUP: 'closed' } })
    try {
      const response = await server.request('POST', '/v1/auth/signup', { body: { email: 'x@example.com', password: 'a long enough passphrase', name: 'X', organizationName: 'Y' } })
      expect(response.status).toBe(403)
      expect(response.body.error.code).toBe('forbidden')
    } finally {
      await server.close()
    }
  })
})
