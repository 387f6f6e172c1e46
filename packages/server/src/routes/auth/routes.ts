import {
  changePassword,
  confirmEmailChange,
  disableTwoFactor,
  enableTwoFactor,
  login,
  logout,
  refreshSession,
  regenerateRecoveryCodes,
  requestEmailChange,
  setUpTwoFactor,
  signup,
} from '@brandwave/contract'
import { ApiError } from '@brandwave/core'
import type { EmailChangeService } from '../../sign-in/email-change.js'
import type { InvitationService } from '../../sign-in/invitations.js'
import type { SecurityNotices } from '../../sign-in/security-notices.js'
import type { SessionService } from '../../sign-in/sessions.js'
import type { StepUp } from '../../sign-in/step-up.js'
import type { TwoFactorService } from '../../sign-in/two-factor.js'
import type { RouteRegistrar } from '../route-registrar.js'

export interface AuthRouteDependencies {
  readonly sessions: SessionService
  readonly twoFactor: TwoFactorService
  readonly stepUp: StepUp
  readonly emailChanges: EmailChangeService
  readonly invitations: InvitationService
  readonly notices: SecurityNotices
}

/**
 * Sign in (with 2FA), refresh, sign out, sign up; and the changes that could take an
 * account over (password, email, 2FA, recovery codes), each confirmed by step-up first.
 */
export function authRoutes(route: RouteRegistrar, { sessions, twoFactor, stepUp, emailChanges, invitations, notices }: AuthRouteDependencies): void {
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
    const owner = await stepUp.confirm(principal, body, request, 'password_change')
    const changed = await sessions.changePassword(owner, body, request)
    await notices.passwordChanged(principal.userId)
    return { status: 200, body: { data: changed } }
  })

  route(requestEmailChange, async ({ principal, body, request }) => {
    const owner = await stepUp.confirm(principal, body, request, 'email_change')
    return { status: 202, body: { data: await emailChanges.request(owner, body.email, request) } }
  })

  route(confirmEmailChange, async ({ body, request }) => {
    return { status: 200, body: { data: await emailChanges.confirm(body.token, request) } }
  })

  route(setUpTwoFactor, async ({ principal, body, request }) => {
    const owner = await stepUp.confirm(principal, { currentPassword: body.currentPassword }, request, 'two_factor_setup')
    return { status: 200, body: { data: await twoFactor.setUp(owner) } }
  })

  route(enableTwoFactor, async ({ principal, body, request }) => {
    const owner = await stepUp.confirm(principal, { currentPassword: body.currentPassword }, request, 'two_factor_enable')
    const recoveryCodes = await twoFactor.enable(owner, body.code, request)
    await notices.twoFactorChanged(principal.userId, true)
    return { status: 200, body: { data: { recoveryCodes } } }
  })

  route(disableTwoFactor, async ({ principal, body, request }) => {
    if (!principal.twoFactorEnabled) throw new ApiError('conflict', 'Two-factor authentication is not on.')
    // The code is the proof: whoever turns the second factor off shows they hold it.
    const owner = await stepUp.confirm(principal, { twoFactorCode: body.code }, request, 'two_factor_disable')
    const disabled = await twoFactor.disable(owner, request)
    await notices.twoFactorChanged(principal.userId, false)
    return { status: 200, body: { data: disabled } }
  })

  route(regenerateRecoveryCodes, async ({ principal, body, request }) => {
    const owner = await stepUp.confirm(principal, body, request, 'recovery_codes')
    return { status: 200, body: { data: { recoveryCodes: await twoFactor.regenerateRecoveryCodes(owner, request) } } }
  })
}
