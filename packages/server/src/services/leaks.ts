import { hashToken, parseToken, type TokenKind } from '@brandwave/core'
import type { AccessVersion } from '../shared-state/access-version.js'
import { isoAt, type Clock } from '../clock.js'
import type { MailQueue } from '../mail/queue.js'
import { mailTemplates } from '../mail/templates.js'
import type { CredentialRecord } from '../storage/credentials.js'
import { type AuditLog } from './audit.js'
import { ANONYMOUS } from './audit-record.js'
import { type RequestContext } from '../request-context.js'
import type { Repositories, Storage } from '../storage/index.js'

/** One token someone found, and where, as a scanner or a person reports it. */
export interface LeakReport {
  readonly token: string
  readonly url: string | null
  readonly source: string | null
}

/** Who told us: a scanning partner, or anyone through `POST /v1/credentials/revoke`. */
export type LeakChannel = 'github' | 'gitlab' | 'revoke_endpoint'

/** GitHub's feedback labels: ours (a credential this deployment issued) or a lookalike. */
export type LeakVerdict = 'true_positive' | 'false_positive'

export interface LeakResponseDependencies {
  readonly storage: Storage
  /** Every prefix the deployment has issued: a token from before a prefix change is still ours. */
  readonly tokenPrefixes: readonly string[]
  readonly tokenHashKey: Buffer
  readonly action: 'revoke' | 'notify'
  readonly accessVersion: AccessVersion
  readonly audit: AuditLog
  readonly mail: MailQueue
  readonly clock: Clock
  /** Told of every storage read (metrics): lookalikes must never cause one. */
  readonly onStorageLookup?: () => void
}

const CREDENTIAL_KINDS: readonly TokenKind[] = ['live', 'test']
const OAUTH_MODELS: Readonly<Partial<Record<TokenKind, string>>> = { at: 'AccessToken', rt: 'RefreshToken' }
/** URLs come from outside: kept bounded in the audit log and the credential. */
const MAX_LOCATION_LENGTH = 2048

const bounded = (text: string | null): string | null => (text === null ? null : text.slice(0, MAX_LOCATION_LENGTH))

/**
 * The response to a leaked credential (SPEC §10), the same for every way a leak is
 * reported. GitHub's guidance to partners is to treat every reported token as compromised,
 * so a live credential is revoked at once (`BRANDWAVE_LEAK_ACTION=notify` only reports it);
 * the report is audited with where the token was found, emitted as `*.exposed`, and the
 * owner (an API key's organization admins) is told by email. Only the first report of a
 * credential acts: GitHub retries and several scanners may find the same commit.
 */
export class LeakResponse {
  constructor(private readonly deps: LeakResponseDependencies) {}

  /** One verdict per report, in order. */
  async report(reports: readonly LeakReport[], channel: LeakChannel, context: RequestContext): Promise<LeakVerdict[]> {
    const verdicts = new Map<string, Promise<LeakVerdict>>()
    const results: LeakVerdict[] = []
    // One at a time: a burst of 1000 must not take every database connection at once.
    for (const report of reports) {
      let verdict = verdicts.get(report.token)
      if (verdict === undefined) {
        verdict = this.handle(report, channel, context)
        verdicts.set(report.token, verdict)
      }
      results.push(await verdict)
    }
    return results
  }

  private async handle(report: LeakReport, channel: LeakChannel, context: RequestContext): Promise<LeakVerdict> {
    // Format and checksum first: a flood of lookalikes costs no storage read.
    const oauth = parseToken(report.token, this.deps.tokenPrefixes, ['at', 'rt'])
    if (oauth.ok) return this.handleOAuthToken(report, OAUTH_MODELS[oauth.token.kind] ?? 'AccessToken', channel, context)
    if (!parseToken(report.token, this.deps.tokenPrefixes, CREDENTIAL_KINDS).ok) return 'false_positive'
    this.deps.onStorageLookup?.()
    const found = await this.deps.storage.credentials.findForVerification(hashToken(this.deps.tokenHashKey, report.token))
    if (found === undefined) return 'false_positive'
    await this.expose(found.credential, report, channel, context)
    return 'true_positive'
  }

  /**
   * A leaked OAuth access or refresh token: its whole grant ends (the app must ask the user
   * again), audited with where it was found. Once ended, nothing of it is stored any more,
   * so a repeated report of the same token is a false positive.
   */
  private async handleOAuthToken(report: LeakReport, model: string, channel: LeakChannel, context: RequestContext): Promise<LeakVerdict> {
    this.deps.onStorageLookup?.()
    const row = await this.deps.storage.oauthModels.find(model, hashToken(this.deps.tokenHashKey, report.token))
    const grantId = row?.grant_id ?? null
    if (grantId === null) return 'false_positive'
    const revoke = this.deps.action === 'revoke'
    await this.deps.storage.transaction(async (repos) => {
      const authorization = await repos.oauthAuthorizations.findByGrant(grantId)
      if (revoke) {
        // The consent before its tokens, as revoking an app or removing a member goes: the
        // other order deadlocks with them on PostgreSQL.
        await repos.oauthAuthorizations.markRevoked(grantId, isoAt(this.deps.clock.now()))
        await repos.oauthModels.destroyGrants([grantId])
      }
      if (authorization === undefined) return
      await this.deps.audit.record(
        repos,
        {
          organizationId: authorization.organizationId,
          action: revoke ? 'oauth_app.grant_ended' : 'oauth_app.token_exposed',
          actor: ANONYMOUS,
          target: { type: 'oauth_app', id: authorization.clientId, name: authorization.clientName },
          details: { reason: 'exposed', userId: authorization.userId, grantId, url: bounded(report.url), source: bounded(report.source), reportedVia: channel, leakAction: this.deps.action },
        },
        context,
      )
    })
    if (revoke) await this.deps.accessVersion.bump()
    return 'true_positive'
  }

  private async expose(credential: CredentialRecord, report: LeakReport, channel: LeakChannel, context: RequestContext): Promise<void> {
    const now = isoAt(this.deps.clock.now())
    const url = bounded(report.url)
    const outcome = await this.deps.storage.transaction(async (repos) => {
      if (!(await repos.leaks.markExposed(credential.id, now, url))) return null
      const live = credential.revokedAt === null && (credential.expiresAt === null || Date.parse(credential.expiresAt) > this.deps.clock.now())
      const revoked = live && this.deps.action === 'revoke' && (await repos.credentials.revoke(credential.id, now, 'exposed'))
      const kind = credential.ownerKind === 'user' ? 'personal_access_token' : 'api_key'
      await this.deps.audit.record(
        repos,
        {
          organizationId: credential.organizationId,
          action: 'credential.exposed',
          actor: ANONYMOUS,
          target: { type: kind, id: credential.id, name: credential.name },
          details: { url, source: bounded(report.source), reportedVia: channel, leakAction: revoked ? 'revoked' : 'notified' },
        },
        context,
      )
      await this.tellOwners(repos, credential, { url, at: now, working: live && !revoked })
      return { revoked }
    })
    if (outcome === null) return
    // Every instance refuses it from its next request on.
    if (outcome.revoked) await this.deps.accessVersion.bump()
    this.deps.mail.wake()
  }

  /** Queued in the change's transaction: the notice exists exactly when the exposure was recorded. */
  private async tellOwners(repos: Repositories, credential: CredentialRecord, exposure: { url: string | null; at: string; working: boolean }): Promise<void> {
    if (!this.deps.mail.enabled) return
    let recipients: string[]
    if (credential.ownerKind === 'user') {
      const owner = credential.ownerUserId === null ? undefined : await repos.users.find(credential.ownerUserId)
      recipients = owner === undefined ? [] : [owner.email]
    } else {
      recipients = await repos.leaks.adminEmails(credential.organizationId)
    }
    const message = mailTemplates.credentialExposed({
      kind: credential.ownerKind === 'user' ? 'personal access token' : 'API key',
      name: credential.name,
      display: `${credential.start}…${credential.last4}`,
      url: exposure.url,
      at: exposure.at,
      revoked: !exposure.working,
    })
    for (const to of recipients) await this.deps.mail.enqueue(repos, { to, template: 'credential_exposed', message })
  }
}
