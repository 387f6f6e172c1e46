import { performance } from 'node:perf_hooks'
import { tokenScanPattern } from '@brandwave/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { credentialInQuery } from './presented-credential.js'
import { loggablePath } from './request-log.js'

/** Microseconds per call, measured over enough calls to rise above timer noise. */
function costOf(run: () => void): number {
  let calls = 0
  const start = performance.now()
  do {
    run()
    calls += 1
  } while (performance.now() - start < 15)
  return ((performance.now() - start) * 1000) / calls
}

/** Pieces hostile URLs are made of: token and JWT beginnings, separators, escapes. */
const piece = fc.constantFrom('eyJ', 'eyJ.', '.', 'a', '-', '_', 'bw_', 'bw_live_', 'x=', '&', '%2E', '0')
const TOKENS = tokenScanPattern('bw')

describe('token patterns on hostile URLs', () => {
  it('cost grows linearly: 16 times the input costs far less than 256 times the time', () => {
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 6 }), (pieces) => {
        const unit = pieces.join('')
        const sized = (bytes: number) => unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes)
        const [small, large] = [sized(4 * 1024), sized(64 * 1024)]
        for (const check of [(text: string) => credentialInQuery(`/healthz?q=${text}`, 'bw'), (text: string) => loggablePath(`/v1/${text}`, TOKENS)]) {
          const ratio = costOf(() => check(large)) / costOf(() => check(small))
          // Linear is about 16; the quadratic patterns this replaced measured well over 200.
          expect(ratio, unit).toBeLessThan(64)
        }
      }),
      { numRuns: 12, seed: 20261129 },
    )
  })

  it('still masks tokens and JWTs in paths and finds them in query strings', () => {
    const token = 'bw_live_n1Dq3sCzCqb2vgVvqI4mOhwV9cpwry2EUOdx'
    const jwt = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiIxMjM0NTY3OCJ9.c2lnbmF0dXJl'
    expect(loggablePath(`/v1/x/${token}/${jwt}?secret=1`, TOKENS)).toBe('/v1/x/bw_live_[redacted]/[redacted]')
    expect(credentialInQuery(`/v1/me?x=${jwt}`, 'bw')).toBe('x')
    expect(credentialInQuery(`/v1/me?x=${token}`, 'bw')).toBe('x')
    expect(credentialInQuery(`/v1/me?x=${'eyJ'.repeat(100)}`, 'bw')).toBeNull()
  })
})
