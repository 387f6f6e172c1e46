import { hashToken, open, parseToken, seal, type TokenKind } from '@brandwave/core'
import type { Adapter, AdapterPayload } from 'oidc-provider'
import type { AccessVersion } from '../shared-state/access-version.js'
import type { OAuthModelRepository } from '../storage/oauth.js'

/** Models whose id is a Brandwave token (`{prefix}_at_…`, `{prefix}_rt_…`). */
const TOKEN_KINDS: Readonly<Record<string, TokenKind>> = { AccessToken: 'at', RefreshToken: 'rt' }

/** Models bound to a grant: revoking the grant removes them. */
const GRANTABLE = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest', 'PreAuthorizedCode', 'Grant'])

export interface OAuthStorageOptions {
  readonly repository: OAuthModelRepository
  readonly tokenPrefixes: readonly string[]
  /** The key every token is stored under (SPEC §2): the same as for credentials, so one lookup finds any kind. */
  readonly tokenHashKey: Buffer
  readonly sealKey: Buffer
  readonly accessVersion: AccessVersion
  /** A grant ended (its tokens removed): keep Brandwave's consent record in step. */
  readonly onGrantRevoked: (grantId: string) => Promise<void>
}

/**
 * oidc-provider's storage through the OAuth repositories (SQLite and PostgreSQL alike). Each row is keyed by the
 * HMAC of its id, so a token, code or session id is never stored in plaintext and a stolen
 * table cannot be replayed; the payload (which names the id again, and holds confidential
 * clients' secrets) is sealed with AES-256-GCM, bound to its row.
 */
export function oauthAdapterFactory(options: OAuthStorageOptions): (name: string) => Adapter {
  const { repository } = options
  const key = (value: string) => hashToken(options.tokenHashKey, value)
  const associated = (model: string, idHash: string) => `oauth:${model}:${idHash}`

  return (model: string): Adapter => {
    const tokenKind = TOKEN_KINDS[model]
    /** A token of the wrong shape or checksum is not looked up at all (SPEC §2). */
    const wellFormed = (id: string) => tokenKind === undefined || parseToken(id, options.tokenPrefixes, [tokenKind]).ok

    const read = (row: { payload: string; id_hash: string; consumed_at: string | null } | undefined): AdapterPayload | undefined => {
      if (row === undefined) return undefined
      const payload = JSON.parse(open(options.sealKey, row.payload, associated(model, row.id_hash))) as AdapterPayload
      return row.consumed_at === null ? payload : { ...payload, consumed: Math.floor(Date.parse(row.consumed_at) / 1000) }
    }

    return {
      async upsert(id, payload, expiresIn) {
        const idHash = key(id)
        const grantId = model === 'Grant' ? id : GRANTABLE.has(model) ? (payload.grantId ?? null) : null
        await repository.upsert({
          model,
          id_hash: idHash,
          grant_id: grantId,
          uid_hash: typeof payload.uid === 'string' ? key(payload.uid) : null,
          payload: seal(options.sealKey, JSON.stringify(payload), associated(model, idHash)),
          expires_at: typeof expiresIn === 'number' ? new Date(Date.now() + expiresIn * 1000).toISOString() : null,
          consumed_at: null,
        })
      },

      async find(id) {
        if (!wellFormed(id)) return undefined
        const row = await repository.find(model, key(id))
        if (row !== undefined && row.expires_at !== null && Date.parse(row.expires_at) <= Date.now()) return undefined
        return read(row)
      },

      async findByUid(uid) {
        return read(await repository.findByUid(model, key(uid)))
      },

      findByUserCode() {
        // The device flow is off: there are no user codes.
        return Promise.resolve(undefined)
      },

      async consume(id) {
        await repository.consume(model, key(id), new Date().toISOString())
      },

      async destroy(id) {
        const removed = await repository.destroy(model, key(id))
        // An access token may be cached by the /v1 verification path of any instance.
        if (removed && model === 'AccessToken') await options.accessVersion.bump()
      },

      async revokeByGrantId(grantId) {
        await repository.destroyGrants([grantId])
        await options.onGrantRevoked(grantId)
        await options.accessVersion.bump()
      },
    }
  }
}
