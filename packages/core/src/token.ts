import { crc32 } from 'node:zlib'
import { encodeBase62Fixed, randomBase62, type RandomBytes } from './base62.js'

/**
 * What a token is for, written between prefix and body: `live` and `test` for credentials
 * (PATs and API keys), `at` for OAuth access tokens, `rt` for refresh tokens.
 */
export type TokenKind = 'live' | 'test' | 'at' | 'rt'
export const TOKEN_KINDS: readonly TokenKind[] = ['live', 'test', 'at', 'rt']

/** 30 × log2(62) ≈ 178.6 bits of entropy (SPEC §2 asks for at least 178). */
export const TOKEN_RANDOM_LENGTH = 30
/** CRC32 < 2^32 < 62^6, so six base62 characters always hold it. */
export const TOKEN_CHECKSUM_LENGTH = 6
export const TOKEN_BODY_LENGTH = TOKEN_RANDOM_LENGTH + TOKEN_CHECKSUM_LENGTH
/** How many body characters `start` shows. */
const START_BODY_CHARACTERS = 4

/** Lowercase letters and digits, starting with a letter: the separator `_` must not appear in it. */
export const TOKEN_PREFIX_PATTERN = /^[a-z][a-z0-9]{1,15}$/

// Longest possible token: 16-character prefix, 4-character kind, 36-character body, 2 separators.
const MAX_TOKEN_LENGTH = 16 + 4 + TOKEN_BODY_LENGTH + 2

export interface ParsedToken {
  readonly prefix: string
  readonly kind: TokenKind
  /** Prefix, kind and the first four body characters: safe to display, helps users tell keys apart. */
  readonly start: string
  /** The last four characters of the token, for display. */
  readonly last4: string
}

export type TokenParseResult =
  | { readonly ok: true; readonly token: ParsedToken }
  | { readonly ok: false; readonly reason: 'malformed' | 'bad_checksum' }

function checksumOf(payload: string): string {
  return encodeBase62Fixed(crc32(payload), TOKEN_CHECKSUM_LENGTH)
}

function isBase62(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    const digit = c >= 48 && c <= 57
    const upper = c >= 65 && c <= 90
    const lower = c >= 97 && c <= 122
    if (!digit && !upper && !lower) return false
  }
  return true
}

/**
 * Generates a new token `{prefix}_{kind}_{30 random base62}{6 base62 CRC32}`.
 * The checksum covers everything before it, so a scanner can validate a match offline.
 *
 * @example
 * const token = generateToken('bw', 'live', (n) => crypto.randomBytes(n))
 * // 'bw_live_3kTMd0sl0Q1SxH6dDn2sBZ3vY1tP7aNz0W1ylq'
 */
export function generateToken(prefix: string, kind: TokenKind, randomBytes: RandomBytes): string {
  if (!TOKEN_PREFIX_PATTERN.test(prefix)) throw new TypeError(`invalid token prefix: ${prefix}`)
  const payload = `${prefix}_${kind}_${randomBase62(TOKEN_RANDOM_LENGTH, randomBytes)}`
  return payload + checksumOf(payload)
}

/**
 * Checks a presented token's shape and checksum without any storage access (SPEC §2:
 * a malformed token or a bad checksum is rejected before any lookup).
 *
 * @example
 * const result = parseToken(presented, 'bw', ['live', 'test'])
 * if (!result.ok) return reject(result.reason)
 *
 * A deployment that changed its prefix passes every prefix it has issued: its older tokens
 * stay valid, since the stored hash covers the whole token.
 */
export function parseToken(text: string, prefix: string | readonly string[], kinds: readonly TokenKind[]): TokenParseResult {
  if (text.length > MAX_TOKEN_LENGTH) return { ok: false, reason: 'malformed' }
  const firstSeparator = text.indexOf('_')
  const secondSeparator = text.indexOf('_', firstSeparator + 1)
  if (firstSeparator < 0 || secondSeparator < 0) return { ok: false, reason: 'malformed' }
  const presentedPrefix = text.slice(0, firstSeparator)
  if (typeof prefix === 'string' ? presentedPrefix !== prefix : !prefix.includes(presentedPrefix)) return { ok: false, reason: 'malformed' }
  const kind = text.slice(firstSeparator + 1, secondSeparator) as TokenKind
  if (!kinds.includes(kind)) return { ok: false, reason: 'malformed' }
  const body = text.slice(secondSeparator + 1)
  if (body.length !== TOKEN_BODY_LENGTH || !isBase62(body)) return { ok: false, reason: 'malformed' }
  const payloadLength = text.length - TOKEN_CHECKSUM_LENGTH
  if (checksumOf(text.slice(0, payloadLength)) !== text.slice(payloadLength)) return { ok: false, reason: 'bad_checksum' }
  return {
    ok: true,
    token: {
      prefix: presentedPrefix,
      kind,
      start: text.slice(0, secondSeparator + 1 + START_BODY_CHARACTERS),
      last4: text.slice(-4),
    },
  }
}

/**
 * The regular expression secret scanners use to find tokens of this prefix, or of any of
 * these prefixes (SPEC §2); every match can then be confirmed offline with {@link parseToken}.
 *
 * @example
 * tokenScanPattern('bw').source // '\\bbw_(live|test|at|rt)_[0-9A-Za-z]{36}\\b'
 * tokenScanPattern(['bw', 'bwp']).source // '\\b(?:bw|bwp)_(live|test|at|rt)_[0-9A-Za-z]{36}\\b'
 */
export function tokenScanPattern(prefix: string | readonly string[]): RegExp {
  const prefixes = typeof prefix === 'string' ? [prefix] : prefix
  for (const each of prefixes) if (!TOKEN_PREFIX_PATTERN.test(each)) throw new TypeError(`invalid token prefix: ${each}`)
  const alternatives = typeof prefix === 'string' ? prefix : `(?:${prefixes.join('|')})`
  return new RegExp(`\\b${alternatives}_(live|test|at|rt)_[0-9A-Za-z]{${TOKEN_BODY_LENGTH}}\\b`, 'g')
}
