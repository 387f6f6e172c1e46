import { ApiError } from '@brandwave/core'
import { changePassword, disableTwoFactor, enableTwoFactor, login, logout, refreshSession, setUpTwoFactor, signup } from '@brandwave/contract'
import type { SessionService } from '../../services/sessions.js'
import type { TwoFactorService } from '../../services/two-factor.js'
import type { RouteRegistrar } from '../route-registrar.js'

/** Seed 003: sign in (with 2FA), refresh, sign out, sign up, change password, enrol 2FA. */
export function authRoutes(route: RouteRegistrar, { sessions, twoFactor }: { sessions: SessionService; twoFactor: TwoFactorService }): void {
  route(login, async ({ body, request, bindReplayToSession }) => {
    const { sessionId, ...pair } = await sessions.login(body, request)
    bindReplayToSession(sessionId)
    return { status: 200, body: { data: pair } }
  })

  route(refreshSession, async ({ body, request, bindReplayToSession }) => {
    const { sessionId, ...pair } = await sessions.refresh(body.refreshToken, request)
    bindReplayToSession(sessionId)
    return { status: 200, body: { data: pair } }
  })

  route(logout, async ({ principal, body, request }) => {
    if (principal !== null) return { status: 200, body: { data: await sessions.logout(principal, request) } }
    if (body.refreshToken !== undefined) return { status: 200, body: { data: await sessions.logoutWithRefreshToken(body.refreshToken, request) } }
    throw new ApiError('unauthorized', 'Send the session’s access token (Authorization: Bearer) or its refreshToken in the body.', {
      headers: { 'www-authenticate': 'Bearer realm="brandwave"' },
    })
  })

  route(signup, async ({ body, request }) => {
    const { user, organization, role } = await sessions.signup(body, request)
    return {
      status: 201,
      body: {
        data: {
          user: { id: user.id, email: user.email, name: user.name, createdAt: user.created_at },
          organization: { id: organization.id, accountId: organization.account_id, name: organization.name, createdAt: organization.created_at },
          role,
        },
      },
    }
  })

  route(changePassword, async ({ principal, body, request }) => {
    return { status: 200, body: { data: await sessions.changePassword(principal, body, request) } }
  })

  route(setUpTwoFactor, async ({ principal, body, request }) => {
    return { status: 200, body: { data: await twoFactor.setUp(principal, body.currentPassword, request) } }
  })

  route(enableTwoFactor, async ({ principal, body, request }) => {
    return { status: 200, body: { data: { recoveryCodes: await twoFactor.enable(principal, body, request) } } }
  })

  route(disableTwoFactor, async ({ principal, body, request }) => {
    return { status: 200, body: { data: await twoFactor.disable(principal, body.code, request) } }
  })
}
