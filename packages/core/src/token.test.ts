import { randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { BASE62_ALPHABET } from './base62.js'
import { generateToken, parseToken, TOKEN_KINDS, tokenScanPattern, type TokenKind } from './token.js'

const kinds = fc.constantFrom(...TOKEN_KINDS)
const prefixes = fc.stringMatching(/^[a-z][a-z0-9]{1,15}$/)
/** Deterministic "random" bytes from a fast-check seed, so shrinking works. */
const byteSources = fc.uint8Array({ minLength: 64, maxLength: 64 }).map((seed) => {
  let offset = 0
  return (size: number) => Uint8Array.from({ length: size }, () => seed[offset++ % seed.length]! ^ (offset >> 6))
})

describe('token format', () => {
  it('produces {prefix}_{kind}_{36 base62} that the scan pattern matches', () => {
    const token = generateToken('bw', 'live', randomBytes)
    expect(token).toMatch(/^bw_live_[0-9A-Za-z]{36}$/)
    expect(token.match(tokenScanPattern('bw'))).toEqual([token])
  })

  it('parses every generated token and derives start and last4', () => {
    fc.assert(
      fc.property(prefixes, kinds, byteSources, (prefix, kind, bytes) => {
        const token = generateToken(prefix, kind, bytes)
        const parsed = parseToken(token, prefix, TOKEN_KINDS)
        expect(parsed).toEqual({
          ok: true,
          token: { prefix, kind, start: token.slice(0, prefix.length + kind.length + 6), last4: token.slice(-4) },
        })
      }),
    )
  })

  it('rejects every single-character change of a valid token', () => {
    fc.assert(
      fc.property(prefixes, kinds, byteSources, fc.nat(), fc.nat(), (prefix, kind, bytes, at, replacementIndex) => {
        const token = generateToken(prefix, kind, bytes)
        const position = at % token.length
        const pool = `${BASE62_ALPHABET}_-.`
        let replacement = pool[replacementIndex % pool.length]!
        if (replacement === token[position]) replacement = replacement === 'a' ? 'b' : 'a'
        const changed = token.slice(0, position) + replacement + token.slice(position + 1)
        expect(parseToken(changed, prefix, TOKEN_KINDS).ok).toBe(false)
      }),
      { numRuns: 2000 },
    )
  })

  it('reports a bad checksum apart from a malformed token', () => {
    const token = generateToken('bw', 'test', randomBytes)
    const lastBodyChar = token.at(-1) === 'a' ? 'b' : 'a'
    expect(parseToken(token.slice(0, -1) + lastBodyChar, 'bw', TOKEN_KINDS)).toEqual({ ok: false, reason: 'bad_checksum' })
    expect(parseToken(`${token}x`, 'bw', TOKEN_KINDS)).toEqual({ ok: false, reason: 'malformed' })
  })

  it('refuses a token of another prefix or of a kind not asked for', () => {
    const token = generateToken('bw', 'rt', randomBytes)
    expect(parseToken(token, 'bsk', TOKEN_KINDS).ok).toBe(false)
    const credentialKinds: TokenKind[] = ['live', 'test']
    expect(parseToken(token, 'bw', credentialKinds)).toEqual({ ok: false, reason: 'malformed' })
  })

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        expect(parseToken(text, 'bw', TOKEN_KINDS).ok).toBe(false)
      }),
    )
  })

  it('refuses an invalid prefix at generation', () => {
    expect(() => generateToken('b_w', 'live', randomBytes)).toThrow(TypeError)
    expect(() => generateToken('BW', 'live', randomBytes)).toThrow(TypeError)
  })

  it('draws characters uniformly (no modulo bias)', () => {
    const counts = new Map<string, number>()
    for (let i = 0; i < 2000; i++) {
      for (const c of generateToken('bw', 'live', randomBytes).slice(8, 38)) counts.set(c, (counts.get(c) ?? 0) + 1)
    }
    // 60 000 draws over 62 characters: about 968 each; a modulo bias would put the
    // first 8 characters near 1 200.
    expect(counts.size).toBe(62)
    for (const count of counts.values()) expect(count).toBeLessThan(1120)
  })
})
