import { ApiError } from '@brandwave/core'
import { createAccountToken, deleteAccountToken, getAccountToken, listAccountTokens, resetAccountToken, type AccountToken } from '@brandwave/contract'
import type { Principal } from '../../auth/principal.js'
import type { CredentialService, CredentialRecord, IssuedCredential } from '../../services/credentials.js'
import type { OrganizationService } from '../../services/organizations.js'
import type { RouteRegistrar } from '../route-registrar.js'

/** How long a reset token's predecessor keeps working: "a short grace period". */
export const RESET_GRACE_SECONDS = 300
/** The list shows "all" tokens; a bound keeps one response reasonable. */
const LIST_LIMIT = 100

function accountToken(record: CredentialRecord): AccountToken {
  return { id: record.seq, name: record.name, last_4_digits: record.last4, created_by: record.createdBy.name, expires_at: record.expiresAt }
}

function withSecret(issued: IssuedCredential) {
  return { ...accountToken(issued.credential), token: issued.token }
}

/**
 * The account-scoped surface over organization API keys: the same credentials as
 * `/v1/api-keys`, addressed by integer ids under the organization's `accountId`.
 */
export function accountTokenRoutes(route: RouteRegistrar, { credentials, organizations }: { credentials: CredentialService; organizations: OrganizationService }): void {
  /** Another organization's account is "not found", like any resource the caller cannot see. */
  async function checkAccount(principal: Principal, accountId: number): Promise<void> {
    const organization = await organizations.findByAccountId(accountId)
    if (organization === undefined || organization.id !== principal.organizationId) throw new ApiError('not_found', 'No account with this id.')
  }

  route(listAccountTokens, async ({ principal, params }) => {
    await checkAccount(principal, params.accountId)
    const page = await credentials.list(principal, 'api_key', { status: 'active', limit: LIST_LIMIT, afterSeq: null })
    return { status: 200, body: page.items.map(accountToken) }
  })

  route(createAccountToken, async ({ principal, params, body, request }) => {
    await checkAccount(principal, params.accountId)
    // Without `permissions`, the token gets every scope its creator holds, listed explicitly.
    const scopes = body.permissions ?? [...principal.scopes]
    const issued = await credentials.create(principal, 'api_key', { name: body.name, scopes }, request)
    return { status: 200, body: withSecret(issued) }
  })

  route(getAccountToken, async ({ principal, params }) => {
    await checkAccount(principal, params.accountId)
    return { status: 200, body: accountToken(await credentials.getBySeq(principal, params.id)) }
  })

  route(deleteAccountToken, async ({ principal, params, request }) => {
    await checkAccount(principal, params.accountId)
    const record = await credentials.getBySeq(principal, params.id)
    await credentials.revoke(principal, 'api_key', record.id, request)
    return { status: 204, body: null }
  })

  route(resetAccountToken, async ({ principal, params, request }) => {
    await checkAccount(principal, params.accountId)
    const record = await credentials.getBySeq(principal, params.id)
    if (record.expiresAt !== null) throw new ApiError('conflict', 'Only tokens without an expiration can be reset; this one was reset already or expires anyway.')
    const issued = await credentials.rotate(principal, 'api_key', record.id, { gracePeriodSeconds: RESET_GRACE_SECONDS }, request)
    return { status: 200, body: withSecret(issued) }
  })
}
