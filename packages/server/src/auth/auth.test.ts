import { describe, expect, it, vi } from 'vitest'
import { hashPassword, verifyPassword } from '../sign-in/passwords.js'
import { SessionTokens } from './session-tokens.js'
import { UsageRecorder } from './usage-recorder.js'
import { arrive, localAccessVersion, unknowableAccessVersion } from '../shared-state/access-version.js'
import { MemoryRequestCounter } from './memory-request-counter.js'
import { UnknownKeyCache, VerificationCache } from './verification-cache.js'

describe('verification cache', () => {
  it('serves an entry only under the version it was read under; a read begun before a change stays unusable', async () => {
    let external = 0
    const versions = localAccessVersion(() => external)
    const cache = new VerificationCache<{ v: number }>({ maxEntries: 10, ttlMs: 60_000 })
    cache.set('a', { v: 1 }, await versions.read())
    expect(cache.get('a', await versions.read())).toEqual({ v: 1 })

    const readBefore = await versions.read()
    await versions.bump() // this process revoked something meanwhile
    cache.set('b', { v: 2 }, readBefore)
    expect(cache.get('a', await versions.read())).toBeUndefined()
    expect(cache.get('b', await versions.read())).toBeUndefined()

    cache.set('c', { v: 3 }, await versions.read())
    external += 1 // another process committed
    expect(cache.get('c', await versions.read())).toBeUndefined()
  })

  it('never serves or keeps anything when the version cannot be known', async () => {
    const cache = new VerificationCache<{ v: number }>({ maxEntries: 10, ttlMs: 60_000 })
    cache.set('a', { v: 1 }, await unknowableAccessVersion.read())
    expect(cache.size).toBe(0)
    cache.set('b', { v: 2 }, 7)
    expect(cache.get('b', null)).toBeUndefined()
    expect(cache.peek('c')).toBeUndefined()
  })
})

describe('access version on the embedded database', () => {
  it('one data_version read serves the requests that arrived before it; a request arriving later, or none, reads again', () => {
    let external = 0
    let reads = 0
    const versions = localAccessVersion(() => {
      reads += 1
      return external
    })
    const first = arrive()
    const second = arrive()
    const v1 = versions.read(first)
    expect(versions.read(second)).toBe(v1)
    expect(reads).toBe(1)

    external += 1 // another process commits and acknowledges; then a request arrives
    const third = arrive()
    expect(versions.read(second)).toBe(v1) // it arrived before the commit was acknowledged
    expect(versions.read(third)).not.toBe(v1)
    expect(reads).toBe(2)
    expect(versions.read()).not.toBe(v1) // a call from inside the process always reads
    expect(reads).toBe(3)
  })

  it('this process’s own changes count at once, whatever the request’s number', async () => {
    const versions = localAccessVersion(() => 0)
    const arrival = arrive()
    const before = versions.read(arrival)
    await versions.bump()
    expect(versions.read(arrival)).not.toBe(before)
  })
})

describe('unknown-key cache', () => {
  it('answers only under the version the key was found missing under, and stays within its bound', () => {
    const unknown = new UnknownKeyCache({ maxEntries: 3, ttlMs: 60_000 })
    unknown.add('a', 1)
    expect(unknown.has('a', 1)).toBe(true)
    expect(unknown.has('a', 2)).toBe(false)
    expect(unknown.has('a', null)).toBe(false)
    unknown.add('b', null)
    expect(unknown.size).toBe(1)
    for (const key of ['c', 'd', 'e', 'f']) unknown.add(key, 1)
    expect(unknown.size).toBe(3)
    expect(unknown.has('a', 1)).toBe(false)
  })
})

describe('in-memory request counter', () => {
  it('counts in fixed windows that start with a key’s first request, and gives a refused request back', () => {
    vi.useFakeTimers({ now: 1_000_000 })
    try {
      const counter = new MemoryRequestCounter(60_000)
      expect(counter.count('k')).toEqual({ consumed: 1, msBeforeReset: 60_000 })
      vi.advanceTimersByTime(10_000)
      expect(counter.count('k')).toEqual({ consumed: 2, msBeforeReset: 50_000 })
      counter.refund('k')
      expect(counter.count('k').consumed).toBe(2)
      expect(counter.count('other').consumed).toBe(1)
      vi.advanceTimersByTime(50_000)
      expect(counter.count('k')).toEqual({ consumed: 1, msBeforeReset: 60_000 })
    } finally {
      vi.useRealTimers()
    }
  })
})

describe('usage recorder', () => {
  it('writes the latest use per credential once per flush, and keeps failed batches for the next one', async () => {
    const write = vi.fn<(entries: readonly unknown[]) => Promise<void>>()
    write.mockRejectedValueOnce(new Error('database down')).mockResolvedValue(undefined)
    const errors: unknown[] = []
    const recorder = new UsageRecorder({ write, intervalMs: 60_000, onError: (error) => errors.push(error) })
    const at = Date.parse('2026-01-01T00:00:00.000Z')
    recorder.record('k1', at, '10.0.0.1')
    recorder.record('k1', at + 1000, '10.0.0.2')
    recorder.record('k2', at + 1000, '10.0.0.3')
    await recorder.flush()
    expect(errors).toHaveLength(1)
    await recorder.stop()
    expect(write).toHaveBeenCalledTimes(2)
    expect(write.mock.calls[1]![0]).toEqual([
      { credentialId: 'k1', at: '2026-01-01T00:00:01.000Z', ip: '10.0.0.2' },
      { credentialId: 'k2', at: '2026-01-01T00:00:01.000Z', ip: '10.0.0.3' },
    ])
    await recorder.flush()
    expect(write).toHaveBeenCalledTimes(2)
  })
})

describe('passwords', () => {
  it('hashes with argon2id and verifies; an unknown user never verifies', async () => {
    const hash = await hashPassword('correct horse battery staple')
    expect(hash.startsWith('$argon2id$')).toBe(true)
    expect(await verifyPassword(hash, 'correct horse battery staple')).toBe(true)
    expect(await verifyPassword(hash, 'wrong')).toBe(false)
    expect(await verifyPassword(null, 'correct horse battery staple')).toBe(false)
    expect(await verifyPassword('not a hash', 'x')).toBe(false)
  })
})

describe('session tokens', () => {
  const seed = Buffer.alloc(32, 7)
  const tokens = new SessionTokens(seed, 'brandwave')
  const claims = { userId: 'u', organizationId: 'o', sessionId: 's' }

  it('round-trips claims and expires after the access lifetime', async () => {
    const now = Date.parse('2026-06-01T00:00:00Z')
    const jwt = await tokens.issue(claims, now)
    expect(await tokens.verify(jwt, now + 899_000)).toEqual({ ok: true, claims })
    expect(await tokens.verify(jwt, now + 900_000)).toEqual({ ok: false, reason: 'expired' })
  })

  it('refuses another key, another issuer, alg none and tampering', async () => {
    const now = Date.now()
    const jwt = await tokens.issue(claims, now)
    expect((await new SessionTokens(Buffer.alloc(32, 8), 'brandwave').verify(jwt, now)).ok).toBe(false)
    expect((await new SessionTokens(seed, 'elsewhere').verify(jwt, now)).ok).toBe(false)
    const [, payload] = jwt.split('.')
    const none = `${Buffer.from('{"alg":"none","typ":"at+jwt"}').toString('base64url')}.${payload}.`
    expect((await tokens.verify(none, now)).ok).toBe(false)
    // Inside the signature: its last character also carries padding bits a change may not touch.
    const at = jwt.length - 10
    const tampered = jwt.slice(0, at) + (jwt[at] === 'A' ? 'B' : 'A') + jwt.slice(at + 1)
    expect((await tokens.verify(tampered, now)).ok).toBe(false)
  })
})
