import { changePassword, disableTwoFactor, enableTwoFactor, login, logout, refreshSession, setUpTwoFactor, signup } from '@brandwave/contract'
import { ApiError } from '@brandwave/core'
import type { InvitationService } from '../../sign-in/invitations.js'
import type { SecurityNotices } from '../../sign-in/security-notices.js'
import type { SessionService } from '../../sign-in/sessions.js'
import type { TwoFactorService } from '../../sign-in/two-factor.js'
import type { RouteRegistrar } from '../route-registrar.js'

/** Sign in (with 2FA), refresh, sign out, sign up, change password, enrol 2FA. */
export function authRoutes(
  route: RouteRegistrar,
  { sessions, twoFactor, invitations, notices }: { sessions: SessionService; twoFactor: TwoFactorService; invitations: InvitationService; notices: SecurityNotices },
): void {
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
    const { organizationName, invitationToken, ...person } = body
    if ((organizationName === undefined) === (invitationToken === undefined)) {
      throw new ApiError('validation_failed', 'Send either organizationName (a new organization) or invitationToken (join through an invitation).', {
        details: [{ field: '/organizationName', message: 'exactly one of organizationName and invitationToken is required' }],
      })
    }
    const { user, organization, role } =
      invitationToken !== undefined ? await invitations.signUp({ ...person, invitationToken }, request) : await sessions.signup({ ...person, organizationName: organizationName ?? '' }, request)
    return {
      status: 201,
      body: {
        data: {
          user: { id: user.id, email: user.email, name: user.name, createdAt: user.createdAt },
          organization: { id: organization.id, accountId: organization.accountId, name: organization.name, createdAt: organization.createdAt },
          role,
        },
      },
    }
  })

  route(changePassword, async ({ principal, body, request }) => {
    const changed = await sessions.changePassword(principal, body, request)
    await notices.passwordChanged(principal.userId)
    return { status: 200, body: { data: changed } }
  })

  route(setUpTwoFactor, async ({ principal, body, request }) => {
    return { status: 200, body: { data: await twoFactor.setUp(principal, body.currentPassword, request) } }
  })

  route(enableTwoFactor, async ({ principal, body, request }) => {
    const recoveryCodes = await twoFactor.enable(principal, body, request)
    await notices.twoFactorChanged(principal.userId, true)
    return { status: 200, body: { data: { recoveryCodes } } }
  })

  route(disableTwoFactor, async ({ principal, body, request }) => {
    const disabled = await twoFactor.disable(principal, body.code, request)
    await notices.twoFactorChanged(principal.userId, false)
    return { status: 200, body: { data: disabled } }
  })
}
