import { ApiError } from '@brandwave/core'
import type { AccessVersion } from '../shared-state/access-version.js'
import type { SessionPrincipal } from '../auth/principal.js'
import { isoAt, type Clock } from '../clock.js'
import type { AuditLog } from './audit.js'
import type { RequestContext } from '../request-context.js'
import type { Storage } from '../storage/index.js'
import type { OAuthAuthorization } from '../storage/oauth.js'

export interface AuthorizedAppView {
  readonly clientId: string
  readonly clientName: string | null
  readonly scopes: string[]
  readonly createdAt: string
  readonly lastUsedAt: string | null
}

/** Why a grant ended, as the audit log says it. */
export type GrantEndReason = 'revoked_by_client' | 'refresh_token_reused' | 'code_reused' | 'exposed' | 'ended'

/**
 * Brandwave's side of OAuth: the consents users give (recorded and audited with the grant),
 * the list of authorized apps, and revoking one. Every revocation moves the access version
 * after it commits, like every other change that denies access.
 */
export class OAuthAppService {
  constructor(private readonly deps: { readonly storage: Storage; readonly audit: AuditLog; readonly accessVersion: AccessVersion; readonly clock: Clock }) {}

  private now(): string {
    return isoAt(this.deps.clock.now())
  }

  /** A user allowed a client: the consent is recorded with its audit event (and `oauth_app.authorized`). */
  async recordConsent(principal: SessionPrincipal, consent: { grantId: string; clientId: string; clientName: string | null; scopes: readonly string[] }, context: RequestContext): Promise<void> {
    await this.deps.storage.transaction(async (repos) => {
      await repos.oauthAuthorizations.insert({
        grantId: consent.grantId,
        clientId: consent.clientId,
        clientName: consent.clientName,
        userId: principal.userId,
        organizationId: principal.organizationId,
        scopes: consent.scopes,
        createdAt: this.now(),
        lastUsedAt: null,
        revokedAt: null,
      })
      await this.deps.audit.record(
        repos,
        {
          organizationId: principal.organizationId,
          action: 'oauth_app.authorized',
          actor: { type: 'user', id: principal.userId, name: principal.name },
          target: { type: 'oauth_app', id: consent.clientId, name: consent.clientName },
          details: { scopes: consent.scopes, userId: principal.userId, grantId: consent.grantId },
        },
        context,
      )
    })
  }

  /** One entry per app: several consents to the same app (other devices) are merged. */
  async list(principal: SessionPrincipal): Promise<AuthorizedAppView[]> {
    const rows = await this.deps.storage.oauthAuthorizations.listActive(principal.userId, principal.organizationId)
    const byClient = new Map<string, { view: AuthorizedAppView; scopes: Set<string> }>()
    for (const row of rows) {
      const { scopes } = row
      const seen = byClient.get(row.clientId)
      if (seen === undefined) {
        byClient.set(row.clientId, { view: viewOf(row, scopes), scopes: new Set(scopes) })
        continue
      }
      for (const scope of scopes) seen.scopes.add(scope)
      const lastUsedAt = [seen.view.lastUsedAt, row.lastUsedAt].filter((at): at is string => at !== null).sort().at(-1) ?? null
      seen.view = { ...seen.view, clientName: row.clientName ?? seen.view.clientName, lastUsedAt }
    }
    return [...byClient.values()].map(({ view, scopes }) => ({ ...view, scopes: [...scopes].sort() }))
  }

  /** Ends every consent of the user to the client here, and every token they carry. */
  async revoke(principal: SessionPrincipal, clientId: string, context: RequestContext): Promise<{ clientId: string; revokedGrants: number }> {
    const revokedGrants = await this.deps.storage.transaction(async (repos) => {
      const standing = (await repos.oauthAuthorizations.listActive(principal.userId, principal.organizationId)).filter((row) => row.clientId === clientId)
      if (standing.length === 0) throw new ApiError('not_found', 'You have not authorized this app here.')
      const grantIds = await repos.oauthAuthorizations.revokeClient(principal.userId, principal.organizationId, clientId, this.now())
      await repos.oauthModels.destroyGrants(grantIds)
      await this.deps.audit.record(
        repos,
        {
          organizationId: principal.organizationId,
          action: 'oauth_app.revoked',
          actor: { type: 'user', id: principal.userId, name: principal.name },
          target: { type: 'oauth_app', id: clientId, name: standing[0]?.clientName ?? null },
          details: { userId: principal.userId, revokedGrants: grantIds.length },
        },
        context,
      )
      return grantIds.length
    })
    await this.deps.accessVersion.bump()
    return { clientId, revokedGrants }
  }

  /** oidc-provider ended a grant: the consent no longer stands (awaited before the provider answers). */
  async markGrantRevoked(grantId: string): Promise<void> {
    await this.deps.storage.oauthAuthorizations.markRevoked(grantId, this.now())
  }

  /** Audits why oidc-provider ended a grant (a revoked token, a replayed refresh token or code). */
  async grantEnded(grantId: string, reason: GrantEndReason, context: RequestContext): Promise<void> {
    const row = await this.deps.storage.oauthAuthorizations.findByGrant(grantId)
    if (row === undefined) return
    await this.deps.audit.record(
      this.deps.storage,
      {
        organizationId: row.organizationId,
        action: 'oauth_app.grant_ended',
        actor: { type: 'user', id: row.userId, name: null },
        target: { type: 'oauth_app', id: row.clientId, name: row.clientName },
        details: { reason, userId: row.userId, grantId },
      },
      context,
    )
  }

  /** Tokens were issued at the token endpoint (a code exchanged, a refresh): audited, never the tokens themselves. */
  async tokensIssued(grantId: string, grantType: string, scope: string, context: RequestContext): Promise<void> {
    const row = await this.deps.storage.oauthAuthorizations.findByGrant(grantId)
    if (row === undefined) return
    await this.deps.audit.record(
      this.deps.storage,
      {
        organizationId: row.organizationId,
        action: 'oauth_app.token_issued',
        actor: { type: 'user', id: row.userId, name: null },
        target: { type: 'oauth_app', id: row.clientId, name: row.clientName },
        details: { grantType, scopes: scope.split(' ').filter((s) => s !== ''), userId: row.userId, grantId },
      },
      context,
    )
  }
}

function viewOf(row: OAuthAuthorization, scopes: readonly string[]): AuthorizedAppView {
  return { clientId: row.clientId, clientName: row.clientName, scopes: [...scopes], createdAt: row.createdAt, lastUsedAt: row.lastUsedAt }
}
