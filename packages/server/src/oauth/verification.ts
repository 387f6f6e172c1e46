import { hashToken, open, type Scope, type ScopeCatalog } from '@brandwave/core'
import type { OAuthEntry } from '../auth/authenticator.js'
import type { OAuthModelRepository } from '../storage/oauth.js'


interface StoredAccessToken {
  readonly exp?: number
  readonly scope?: string
  readonly clientId?: string
  readonly accountId?: string
  readonly grantId?: string
}

/**
 * Reads an access token for `/v1` in one query: the token (by its keyed hash), the consent it
 * came from, and the user's role now. Its scopes are what was granted ∩ what the role holds
 * today, like a PAT's (SPEC §1): a demotion shrinks them, a removal ends them.
 */
export class OAuthTokenVerifier {
  constructor(
    private readonly deps: { readonly oauthModels: Pick<OAuthModelRepository, 'findAccessTokenForVerification'>; readonly tokenHashKey: Buffer; readonly sealKey: Buffer; readonly catalog: ScopeCatalog; readonly defaultRateLimitPerMinute: number },
  ) {}

  async lookup(token: string): Promise<OAuthEntry | undefined> {
    const idHash = hashToken(this.deps.tokenHashKey, token)
    const row = await this.deps.oauthModels.findAccessTokenForVerification(idHash)
    if (row === undefined) return undefined
    const stored = JSON.parse(open(this.deps.sealKey, row.payload, `oauth:AccessToken:${idHash}`)) as StoredAccessToken
    const { authorization, role } = row
    // A token only ever acts for the user and client its consent names.
    if (stored.grantId !== authorization.grantId || stored.accountId !== authorization.userId || stored.clientId !== authorization.clientId) return undefined
    const expiresAtMs = (stored.exp ?? 0) * 1000
    if (role === null) return { principal: null, revoked: true, expiresAtMs }
    const granted = (stored.scope ?? '').split(' ').filter((scope) => scope !== '')
    const held = this.deps.catalog.roleScopes(role)
    return {
      principal: {
        kind: 'oauth',
        clientId: authorization.clientId,
        clientName: authorization.clientName,
        grantId: authorization.grantId,
        userId: authorization.userId,
        userName: row.userName,
        email: row.userEmail,
        role,
        organizationId: authorization.organizationId,
        grantedScopes: granted,
        scopes: new Set(granted.filter((scope): scope is Scope => this.deps.catalog.has(scope) && held.has(scope))),
        rateLimit: { key: `oauth:${authorization.grantId}`, perMinute: this.deps.defaultRateLimitPerMinute },
      },
      revoked: authorization.revokedAt !== null,
      expiresAtMs,
    }
  }
}
