/** The base62 alphabet, in the order GitHub and most token scanners use: digits, upper, lower. */
export const BASE62_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

/** A source of cryptographically secure random bytes; injected so the format stays testable. */
export type RandomBytes = (size: number) => Uint8Array

// 248 = 4 × 62: bytes at or above it are discarded so every character is equally likely
// (a plain `byte % 62` would favour the first 8 characters).
const UNBIASED_LIMIT = 248

/**
 * Draws `length` uniformly distributed base62 characters from `randomBytes`.
 *
 * @example
 * randomBase62(30, (n) => crypto.getRandomValues(new Uint8Array(n)))
 */
export function randomBase62(length: number, randomBytes: RandomBytes): string {
  let out = ''
  while (out.length < length) {
    // Ask for a little more than needed: about 3 % of bytes are rejected.
    const bytes = randomBytes(Math.ceil((length - out.length) * 1.1) + 4)
    for (const byte of bytes) {
      if (byte >= UNBIASED_LIMIT) continue
      out += BASE62_ALPHABET[byte % 62]
      if (out.length === length) break
    }
  }
  return out
}

/**
 * Encodes a non-negative integer in base62, left-padded with `0` to `width` characters.
 *
 * @example
 * encodeBase62Fixed(61, 3) // '00z'
 */
export function encodeBase62Fixed(value: number, width: number): string {
  if (!Number.isSafeInteger(value) || value < 0) throw new TypeError('value must be a non-negative safe integer')
  let out = ''
  let rest = value
  do {
    out = BASE62_ALPHABET[rest % 62] + out
    rest = Math.floor(rest / 62)
  } while (rest > 0)
  if (out.length > width) throw new TypeError(`value does not fit in ${width} base62 characters`)
  return out.padStart(width, '0')
}
