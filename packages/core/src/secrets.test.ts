import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { constantTimeEqual, deriveKey, hashToken, open, seal } from './secrets.js'

const master = randomBytes(32)

describe('secrets', () => {
  it('derives a distinct key per purpose and refuses a short master secret', () => {
    expect(deriveKey(master, 'token-hash/v1')).toEqual(deriveKey(master, 'token-hash/v1'))
    expect(deriveKey(master, 'token-hash/v1')).not.toEqual(deriveKey(master, 'session-signing/v1'))
    expect(() => deriveKey(randomBytes(31), 'token-hash/v1')).toThrow(TypeError)
  })

  it('hashes tokens with a key, so another key gives another hash', () => {
    const token = 'bw_live_abc'
    expect(hashToken(deriveKey(master, 'token-hash/v1'), token)).not.toBe(hashToken(deriveKey(randomBytes(32), 'token-hash/v1'), token))
  })

  it('compares in constant time, lengths included', () => {
    expect(constantTimeEqual('123456', '123456')).toBe(true)
    expect(constantTimeEqual('123456', '123457')).toBe(false)
    expect(constantTimeEqual('123456', '1234567')).toBe(false)
  })

  it('seals and opens, and refuses other associated data or a tampered ciphertext', () => {
    const key = deriveKey(master, 'idempotency-encryption/v1')
    const sealed = seal(key, '{"token":"bw_live_x"}', 'row-1')
    expect(sealed).not.toContain('bw_live_x')
    expect(open(key, sealed, 'row-1')).toBe('{"token":"bw_live_x"}')
    expect(() => open(key, sealed, 'row-2')).toThrow()
    const tampered = Buffer.from(sealed, 'base64url')
    tampered[14] = tampered[14]! ^ 1
    expect(() => open(key, tampered.toString('base64url'), 'row-1')).toThrow()
  })
})
