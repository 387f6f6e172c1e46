import { generateKeyPairSync, randomUUID } from 'node:crypto'
import { open, seal } from '@brandwave/core'
import type { JWK } from 'oidc-provider'
import type { Storage } from '../storage/index.js'

const SETTING = 'oauth.id-token-signing-key'

/**
 * The ID-token signing key: made once, on the first start, and kept sealed in the database so
 * that every instance signs with it and ID tokens stay verifiable across restarts (its public
 * half is published at /oauth/jwks). RS256, because it is what OpenID Connect clients assume.
 */
export async function loadSigningKey(storage: Pick<Storage, 'settings'>, sealKey: Buffer): Promise<JWK> {
  const store = storage.settings
  const read = async () => {
    const sealed = await store.read(SETTING)
    return sealed === undefined ? undefined : (JSON.parse(open(sealKey, sealed, SETTING)) as JWK)
  }
  const existing = await read()
  if (existing !== undefined) return existing
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' }
  // Instances starting together may each make one: the first stored wins and all read it back.
  await store.insertIfAbsent(SETTING, seal(sealKey, JSON.stringify(jwk), SETTING))
  const stored = await read()
  if (stored === undefined) throw new Error('the OAuth signing key could not be stored')
  return stored
}
