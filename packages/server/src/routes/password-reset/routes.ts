import { confirmPasswordReset, requestPasswordReset } from '@brandwave/contract'
import type { PasswordResetService } from '../../sign-in/password-reset.js'
import type { RouteRegistrar } from '../route-registrar.js'

const REQUESTED = 'If an account has this address, an email with a reset link is on its way. The link works once, for one hour.'

/** Forgotten passwords (SPEC §9). */
export function passwordResetRoutes(route: RouteRegistrar, { passwordResets }: { passwordResets: PasswordResetService }): void {
  route(requestPasswordReset, ({ body }) => {
    passwordResets.request(body.email)
    return Promise.resolve({ status: 202, body: { data: { message: REQUESTED } } })
  })

  route(confirmPasswordReset, async ({ body, request }) => {
    return { status: 200, body: { data: await passwordResets.confirm(body, request) } }
  })
}
