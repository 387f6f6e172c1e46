import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeCursor, encodeCursor } from './cursor.js'
import { credentialInQuery, presentedCredential } from './presented-credential.js'

const TOKEN = 'bw_live_n1Dq3sCzCqb2vgVvqI4mOhwV9cpwry2EUOdx'

describe('presented credential', () => {
  it('reads each of the three headers, case-insensitive Bearer', () => {
    expect(presentedCredential({ authorization: `Bearer ${TOKEN}` })).toEqual({ kind: 'token', token: TOKEN })
    expect(presentedCredential({ authorization: `bearer  ${TOKEN} ` })).toEqual({ kind: 'token', token: TOKEN })
    expect(presentedCredential({ 'x-api-key': TOKEN })).toEqual({ kind: 'token', token: TOKEN })
    expect(presentedCredential({ 'api-token': ` ${TOKEN}` })).toEqual({ kind: 'token', token: TOKEN })
    expect(presentedCredential({})).toEqual({ kind: 'none' })
  })

  it('refuses other schemes and different credentials in several headers', () => {
    expect(presentedCredential({ authorization: 'Basic abc' }).kind).toBe('unsupported_scheme')
    expect(presentedCredential({ authorization: 'Bearer a b' }).kind).toBe('unsupported_scheme')
    expect(presentedCredential({ authorization: `Bearer ${TOKEN}`, 'x-api-key': 'other' }).kind).toBe('ambiguous')
    expect(presentedCredential({ authorization: `Bearer ${TOKEN}`, 'x-api-key': TOKEN }).kind).toBe('token')
  })
})

describe('credential in query', () => {
  it('finds credential-like names, whole tokens and JWTs, whatever the parameter', () => {
    expect(credentialInQuery(`/v1/me?access_token=x`, ['bw'])).toBe('access_token')
    expect(credentialInQuery(`/v1/me?API_KEY=x`, ['bw'])).toBe('API_KEY')
    expect(credentialInQuery(`/v1/me?q=${TOKEN}`, ['bw'])).toBe('q')
    expect(credentialInQuery(`/v1/me?q=${encodeURIComponent(`x ${TOKEN}`)}`, ['bw'])).toBe('q')
    expect(credentialInQuery('/v1/me?x=eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiIxMjM0In0.sig', ['bw'])).toBe('x')
  })

  it('lets ordinary queries through, including a search for a token’s displayed start', () => {
    expect(credentialInQuery('/v1/me', ['bw'])).toBeNull()
    expect(credentialInQuery('/v1/personal-access-tokens?search=bw_live_n1Dq&limit=5', ['bw'])).toBeNull()
    expect(credentialInQuery('/v1/personal-access-tokens?search=%', ['bw'])).toBeNull()
  })
})

describe('cursor', () => {
  it('round-trips any position and refuses anything it did not issue', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (seq) => {
      expect(decodeCursor(encodeCursor(seq) ?? undefined, 'seq')).toBe(seq)
    }))
    expect(encodeCursor(null)).toBeNull()
    expect(decodeCursor(undefined, 'seq')).toBeNull()
    expect(decodeCursor(encodeCursor('0193-abc') ?? undefined, 'id')).toBe('0193-abc')
    expect(() => decodeCursor(encodeCursor(5) ?? undefined, 'id')).toThrow()
    for (const forged of ['', 'abc', Buffer.from('{"v":1,"after":-1}').toString('base64url'), Buffer.from('{"v":2,"after":3}').toString('base64url'), Buffer.from('[]').toString('base64url')]) {
      expect(() => decodeCursor(forged, 'seq'), forged).toThrow(expect.objectContaining({ code: 'validation_failed' }))
    }
  })
})
