import { performance } from 'node:perf_hooks'
import { tokenScanPattern } from '@brandwave/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { credentialInQuery } from './presented-credential.js'
import { loggablePath } from './request-log.js'

/** Milliseconds per call, over enough calls to rise above timer noise. */
function costOf(run: () => void): number {
  let calls = 0
  const start = performance.now()
  do {
    run()
    calls += 1
  } while (performance.now() - start < 4)
  return (performance.now() - start) / calls
}

/**
 * How much longer `large` takes than `small`: small and large are timed side by side, seven
 * times, and the median of the seven ratios is kept, so that a busy machine (which slows
 * both sides of a pair alike) cannot tip the result.
 */
function costRatio(check: (text: string) => unknown, small: string, large: string): number {
  const ratios: number[] = []
  for (let pair = 0; pair < 7; pair++) ratios.push(costOf(() => check(large)) / costOf(() => check(small)))
  return ratios.sort((a, b) => a - b)[3]!
}

/** Pieces hostile URLs are made of: token and JWT beginnings, separators, escapes. */
const piece = fc.constantFrom('eyJ', 'eyJ.', '.', 'a', '-', '_', 'bw_', 'bw_live_', 'x=', '&', '%2E', '0')
const TOKENS = tokenScanPattern('bw')

describe('token patterns on hostile URLs', () => {
  it('cost grows linearly: 8 times the input costs about 8 times the time, not 64', () => {
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 6 }), (pieces) => {
        const unit = pieces.join('')
        const sized = (bytes: number) => unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes)
        // Both sides long enough that a call is not lost in timer noise or a collection: from
        // 1 KiB, one outlier of ten times the usual ratio was seen on a busy machine.
        const [small, large] = [sized(8 * 1024), sized(64 * 1024)]
        for (const check of [(text: string) => credentialInQuery(`/healthz?q=${text}`, ['bw']), (text: string) => loggablePath(`/v1/${text}`, TOKENS)]) {
          // Linear is about 8; the quadratic patterns this replaced measured 64 here (and 4,000 from 1 KiB).
          expect(costRatio(check, small, large), unit).toBeLessThan(24)
        }
      }),
      { numRuns: 8, seed: 20261129 },
    )
  })

  it('still masks tokens and JWTs in paths and finds them in query strings', () => {
    const token = 'bw_live_n1Dq3sCzCqb2vgVvqI4mOhwV9cpwry2EUOdx'
    const jwt = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiIxMjM0NTY3OCJ9.c2lnbmF0dXJl'
    expect(loggablePath(`/v1/x/${token}/${jwt}?secret=1`, TOKENS)).toBe('/v1/x/bw_live_[redacted]/[redacted]')
    expect(credentialInQuery(`/v1/me?x=${jwt}`, ['bw'])).toBe('x')
    expect(credentialInQuery(`/v1/me?x=${token}`, ['bw'])).toBe('x')
    expect(credentialInQuery(`/v1/me?x=${'eyJ'.repeat(100)}`, ['bw'])).toBeNull()
  })
})
