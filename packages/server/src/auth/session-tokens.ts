import { createHash, createPrivateKey, createPublicKey, randomUUID, type KeyObject } from 'node:crypto'
import { errors, jwtVerify, SignJWT } from 'jose'

/** What an access JWT says: who, in which organization, under which session. */
export interface AccessClaims {
  readonly userId: string
  readonly organizationId: string
  readonly sessionId: string
}

export type AccessTokenCheck =
  | { readonly ok: true; readonly claims: AccessClaims }
  | { readonly ok: false; readonly reason: 'malformed' | 'expired' }

// PKCS#8 DER header of an Ed25519 private key (RFC 8410 §7); the 32-byte seed follows it.
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')
const ALGORITHM = 'EdDSA'
const AUDIENCE = 'brandwave-api'
/** A JWT is three base64url segments; anything longer than this is not one of ours. */
const MAX_JWT_LENGTH = 2048

/**
 * Signs and checks the 15-minute access JWTs of sessions (SPEC §1). Ed25519, with the key
 * derived from the master secret so every instance signs alike and other services can
 * verify with the public key alone.
 */
export class SessionTokens {
  private readonly privateKey: KeyObject
  readonly publicKey: KeyObject
  readonly keyId: string

  constructor(
    seed: Buffer,
    private readonly issuer: string,
    readonly accessTtlSeconds = 900,
  ) {
    this.privateKey = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' })
    this.publicKey = createPublicKey(this.privateKey)
    this.keyId = createHash('sha256').update(this.publicKey.export({ format: 'der', type: 'spki' })).digest('base64url').slice(0, 16)
  }

  /** Whether a presented bearer token is shaped like a JWT (and so should be checked here). */
  static looksLikeJwt(token: string): boolean {
    return token.length <= MAX_JWT_LENGTH && token.startsWith('eyJ') && token.split('.').length === 3
  }

  async issue(claims: AccessClaims, nowMs: number): Promise<string> {
    const issuedAt = Math.floor(nowMs / 1000)
    return new SignJWT({ org: claims.organizationId, sid: claims.sessionId })
      .setProtectedHeader({ alg: ALGORITHM, kid: this.keyId, typ: 'at+jwt' })
      .setSubject(claims.userId)
      // Two tokens issued in the same second for the same session must still differ (RFC 9068 §2.2).
      .setJti(randomUUID())
      .setIssuer(this.issuer)
      .setAudience(AUDIENCE)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + this.accessTtlSeconds)
      .sign(this.privateKey)
  }

  async verify(token: string, nowMs: number): Promise<AccessTokenCheck> {
    if (!SessionTokens.looksLikeJwt(token)) return { ok: false, reason: 'malformed' }
    try {
      const { payload } = await jwtVerify(token, this.publicKey, {
        algorithms: [ALGORITHM],
        issuer: this.issuer,
        audience: AUDIENCE,
        typ: 'at+jwt',
        currentDate: new Date(nowMs),
        requiredClaims: ['sub', 'exp', 'iat'],
      })
      const { sub, org, sid } = payload
      if (typeof sub !== 'string' || typeof org !== 'string' || typeof sid !== 'string') return { ok: false, reason: 'malformed' }
      return { ok: true, claims: { userId: sub, organizationId: org, sessionId: sid } }
    } catch (error) {
      if (error instanceof errors.JWTExpired) return { ok: false, reason: 'expired' }
      return { ok: false, reason: 'malformed' }
    }
  }
}
