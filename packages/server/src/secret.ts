import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { deriveKey, MIN_SECRET_BYTES, type KeyPurpose } from '@brandwave/core'
import type { Config } from './config.js'

/** The keys derived from the master secret; the master secret itself is not kept. */
export interface DerivedKeys {
  readonly tokenHash: Buffer
  readonly sessionSigning: Buffer
  readonly idempotencyEncryption: Buffer
  readonly idempotencyFingerprint: Buffer
  readonly totpEncryption: Buffer
  /** Keys shared counters (sign-in throttles) by a keyed hash, never by an email. */
  readonly counterKey: Buffer
  /** Seals queued emails: their links carry single-use tokens. */
  readonly mailEncryption: Buffer
  /** Webhook signing secrets must be read back to sign, so they are sealed rather than hashed. */
  readonly webhookSecretEncryption: Buffer
  /** Seals what oidc-provider stores (clients' secrets, grants, sessions) and the ID-token signing key. */
  readonly oauthEncryption: Buffer
  /** Signs oidc-provider's cookies (its sessions and interactions). */
  readonly oauthCookies: Buffer
}

export function deriveKeys(masterSecret: Uint8Array): DerivedKeys {
  const key = (purpose: KeyPurpose) => Buffer.from(deriveKey(masterSecret, purpose))
  return {
    tokenHash: key('token-hash/v1'),
    sessionSigning: key('session-signing/v1'),
    idempotencyEncryption: key('idempotency-encryption/v1'),
    idempotencyFingerprint: key('idempotency-fingerprint/v1'),
    totpEncryption: key('totp-encryption/v1'),
    counterKey: key('counter-key/v1'),
    mailEncryption: key('mail-encryption/v1'),
    webhookSecretEncryption: key('webhook-secret-encryption/v1'),
    oauthEncryption: key('oauth-encryption/v1'),
    oauthCookies: key('oauth-cookies/v1'),
  }
}

export const SECRET_FILE_NAME = 'secret'

/**
 * `BRANDWAVE_SECRET` when set. Otherwise (embedded mode only; config refuses PostgreSQL
 * without it) the secret in the data directory, created on first start with mode 0600.
 *
 * @example
 * const { secret, generated } = loadMasterSecret(config)
 */
export function loadMasterSecret(config: Pick<Config, 'secret' | 'dataDir'>): { secret: Buffer; generated: boolean } {
  if (config.secret !== null) return { secret: Buffer.from(config.secret, 'utf8'), generated: false }
  const file = join(config.dataDir, SECRET_FILE_NAME)
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 })
  try {
    // 'wx': only one of several processes starting at once creates it; the rest read it.
    writeFileSync(file, randomBytes(48).toString('base64url'), { mode: 0o600, flag: 'wx' })
    return { secret: readSecretFile(file), generated: true }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    return { secret: readSecretFile(file), generated: false }
  }
}

function readSecretFile(file: string): Buffer {
  const mode = statSync(file).mode & 0o777
  if ((mode & 0o077) !== 0) throw new Error(`${file} is readable by other users (mode ${mode.toString(8)}); run: chmod 600 ${file}`)
  const secret = Buffer.from(readFileSync(file, 'utf8').trim(), 'utf8')
  if (secret.byteLength < MIN_SECRET_BYTES) throw new Error(`${file} holds fewer than ${MIN_SECRET_BYTES} bytes`)
  return secret
}
