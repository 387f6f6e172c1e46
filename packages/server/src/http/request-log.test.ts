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
 * How much longer `large` takes than `small`, from the fastest of eleven timings of each,
 * taken in turns. A busy machine only ever adds time, so the fastest timing is the one
 * closest to the true cost: with three busy loops on two cores, linear patterns measured
 * half to one and a half times their quiet ratio this way, where medians once measured ten.
 */
function costRatio(check: (text: string) => unknown, small: string, large: string): number {
  let [fastestSmall, fastestLarge] = [Infinity, Infinity]
  for (let round = 0; round < 11; round++) {
    fastestSmall = Math.min(fastestSmall, costOf(() => check(small)))
    fastestLarge = Math.min(fastestLarge, costOf(() => check(large)))
  }
  return fastestLarge / fastestSmall
}

/** Pieces hostile URLs are made of: token and JWT beginnings, separators, escapes. */
const piece = fc.constantFrom('eyJ', 'eyJ.', '.', 'a', '-', '_', 'bw_', 'bw_live_', 'x=', '&', '%2E', '0')
const TOKENS = tokenScanPattern('bw')

describe('token patterns on hostile URLs', () => {
  it('cost grows linearly: 32 times the input costs about 32 times the time, not 1,000', () => {
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 6 }), (pieces) => {
        const unit = pieces.join('')
        const sized = (bytes: number) => unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes)
        const [small, large] = [sized(2 * 1024), sized(64 * 1024)]
        for (const check of [(text: string) => credentialInQuery(`/healthz?q=${text}`, ['bw']), (text: string) => loggablePath(`/v1/${text}`, TOKENS)]) {
          // Linear measures about 31 (15 to 53 on a machine kept busy); the quadratic patterns
          // this replaced measured 1,020 to 1,040 on `eyJ` and `eyJa`.
          expect(costRatio(check, small, large), unit).toBeLessThan(160)
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
