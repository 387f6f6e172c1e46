import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { joinOrganization, loginAdmin, signUp } from '@brandwave/testing/actors'
import { testDatabaseKinds } from '@brandwave/testing/databases'
import { startTestServer, type TestServer } from '@brandwave/testing/server'

const DAY_MS = 86_400_000

/**
 * A session has an absolute lifetime (ASVS 5.0 7.3.2): refreshing keeps it alive for at most
 * 30 days after its sign-in, so a stolen refresh token cannot be kept working for ever.
 */
describe.each(testDatabaseKinds)('the absolute lifetime of a session (%s)', (kind) => {
  let server: TestServer

  beforeAll(async () => {
    server = await startTestServer(kind)
  })
  afterAll(() => server?.close())

  // Every test moves the clock forward and back again, so the next starts where it began.
  async function withClockMoved<T>(run: (advance: (days: number) => void) => Promise<T>): Promise<T> {
    let moved = 0
    try {
      return await run((days) => {
        server.clock.advance(days * DAY_MS)
        moved += days * DAY_MS
      })
    } finally {
      server.clock.advance(-moved)
    }
  }

  const refresh = (refreshToken: string) => server.request('POST', '/v1/auth/refresh', { body: { refreshToken } })

  it('refreshing every six days works until 30 days after the sign-in, then 401; the last pair says how long it has left', async () => {
    const user = await signUp(server, 'Lifetime')
    await withClockMoved(async (advance) => {
      let refreshToken = user.refreshToken
      for (let day = 6; day <= 24; day += 6) {
        advance(6)
        const response = await refresh(refreshToken)
        expect(response.status, `day ${day}: ${response.text}`).toBe(200)
        refreshToken = response.body.data.refreshToken
        expect(response.body.data.refreshExpiresIn).toBe(Math.min(7, 30 - day) * 86_400)
      }
      advance(5)
      const lastOne = await refresh(refreshToken)
      expect(lastOne.status, lastOne.text).toBe(200)
      // Day 29: one day left, whatever the refresh token's own seven days would allow.
      expect(lastOne.body.data.refreshExpiresIn).toBe(86_400)

      advance(1)
      const expired = await refresh(lastOne.body.data.refreshToken)
      expect(expired.status, expired.text).toBe(401)
      expect(expired.body.error.code).toBe('unauthorized')
    })
    // A new sign-in is a new session with its own 30 days.
    const again = await server.request('POST', '/v1/auth/login', { body: { email: user.email, password: user.password } })
    expect(again.status).toBe(200)
    expect(again.body.data.refreshExpiresIn).toBe(7 * 86_400)
  })

  it('switching organizations continues the session’s sign-in: it ends 30 days after that sign-in too', async () => {
    const admin = await loginAdmin(server)
    const member = await joinOrganization(server, admin, 'member', 'Switcher')
    await withClockMoved(async (advance) => {
      advance(6)
      let refreshToken = (await refresh(member.refreshToken)).body.data.refreshToken as string
      for (let day = 12; day <= 24; day += 6) {
        advance(6)
        const refreshed = await refresh(refreshToken)
        expect(refreshed.status, refreshed.text).toBe(200)
        // Back and forth between the two organizations: each switch is a new session, not a new sign-in.
        const switched = await server.request('POST', '/v1/auth/browser-session/switch', {
          token: refreshed.body.data.accessToken,
          body: { organizationId: day % 12 === 0 ? member.homeOrganizationId : admin.organizationId },
          headers: { origin: server.url },
        })
        expect(switched.status, switched.text).toBe(200)
        const cookie = switched.headers.getSetCookie()[0] ?? ''
        refreshToken = cookie.slice(cookie.indexOf('=') + 1, cookie.indexOf(';'))
        expect(Number(/Max-Age=(\d+)/.exec(cookie)?.[1])).toBe(Math.min(7, 30 - day) * 86_400)
      }
      advance(6)
      // Day 30: the sign-in was 30 days ago; the switches did not renew it.
      const cookieRefresh = await server.request('POST', '/v1/auth/browser-session/refresh', { headers: { origin: server.url, cookie: `brandwave_refresh=${refreshToken}` } })
      expect(cookieRefresh.status, cookieRefresh.text).toBe(401)
    })
  })
})
