import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto'

/**
 * Every key Brandwave needs is derived from the one master secret with HKDF-SHA-256
 * (RFC 5869), each under its own `info` label, so that leaking one derived key reveals
 * nothing about the others or about the master secret.
 */
export type KeyPurpose =
  | 'token-hash/v1'
  | 'session-signing/v1'
  | 'idempotency-encryption/v1'
  | 'idempotency-fingerprint/v1'
  | 'totp-encryption/v1'
  | 'counter-key/v1'
  | 'mail-encryption/v1'
  | 'webhook-secret-encryption/v1'
  | 'oauth-encryption/v1'
  | 'oauth-cookies/v1'

/** The master secret must carry at least 256 bits. */
export const MIN_SECRET_BYTES = 32

/**
 * Derives a 32-byte key for one purpose from the master secret.
 *
 * @example
 * const hashKey = deriveKey(masterSecret, 'token-hash/v1')
 */
export function deriveKey(masterSecret: Uint8Array, purpose: KeyPurpose): Uint8Array {
  if (masterSecret.byteLength < MIN_SECRET_BYTES) throw new TypeError(`the master secret needs at least ${MIN_SECRET_BYTES} bytes`)
  return Buffer.from(hkdfSync('sha256', masterSecret, 'brandwave', purpose, 32))
}

/**
 * The keyed hash a token is stored and looked up by (SPEC §2). HMAC rather than a bare
 * SHA-256 so that a stolen database alone cannot be used to confirm guessed tokens.
 *
 * @example
 * const lookupKey = hashToken(hashKey, presentedToken)
 */
export function hashToken(key: Uint8Array, token: string): string {
  return createHmac('sha256', key).update(token).digest('base64url')
}

/**
 * Compares two secrets without leaking, through timing, where they first differ.
 *
 * @example
 * constantTimeEqual(expectedCode, presentedCode)
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  // Hash both sides first so unequal lengths take the same path as equal ones.
  const leftDigest = createHmac('sha256', 'constant-time-equal').update(left).digest()
  const rightDigest = createHmac('sha256', 'constant-time-equal').update(right).digest()
  return timingSafeEqual(leftDigest, rightDigest) && left.length === right.length
}

const GCM_IV_BYTES = 12
const GCM_TAG_BYTES = 16

/**
 * Encrypts with AES-256-GCM; the result is `iv ‖ ciphertext ‖ tag`, base64url.
 * `associatedData` binds the ciphertext to its row so it cannot be replayed elsewhere.
 *
 * @example
 * const sealed = seal(key, JSON.stringify(body), `idempotency:${principalId}:${key}`)
 */
export function seal(key: Uint8Array, plaintext: string, associatedData: string): string {
  const iv = randomBytes(GCM_IV_BYTES)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  cipher.setAAD(Buffer.from(associatedData))
  const encrypted = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
  return Buffer.concat([iv, encrypted, cipher.getAuthTag()]).toString('base64url')
}

/**
 * Reverses {@link seal}; throws when the ciphertext, key or associated data do not match.
 *
 * @example
 * const body = JSON.parse(open(key, row.sealedBody, `idempotency:${principalId}:${key}`))
 */
export function open(key: Uint8Array, sealed: string, associatedData: string): string {
  const raw = Buffer.from(sealed, 'base64url')
  if (raw.length < GCM_IV_BYTES + GCM_TAG_BYTES) throw new TypeError('sealed value is too short')
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, GCM_IV_BYTES))
  decipher.setAAD(Buffer.from(associatedData))
  decipher.setAuthTag(raw.subarray(raw.length - GCM_TAG_BYTES))
  return Buffer.concat([decipher.update(raw.subarray(GCM_IV_BYTES, raw.length - GCM_TAG_BYTES)), decipher.final()]).toString('utf8')
}
