import fc from 'fast-check'
import { RateLimiterMemory } from 'rate-limiter-flexible'
import { afterEach, describe, expect, it } from 'vitest'
import { CounterShares } from './counter-shares.js'
import { count } from './counters.js'

const settle = () => new Promise((resolve) => setTimeout(resolve, 0))

/**
 * Several instances' shares of one shared store (here an in-memory one, as exact as Redis's
 * for this): each request is counted from its instance's share, or else in the store, as the
 * authenticator does.
 */
function deployment(instances: number, clock: () => number) {
  const store = new RateLimiterMemory({ points: Number.MAX_SAFE_INTEGER, duration: 60 })
  const shares = Array.from({ length: instances }, () => new CounterShares(store, clock))
  return {
    store,
    shares,
    request: async (instance: number, key: string, limit: number): Promise<number> => {
      const counted = shares[instance]!.countNow(key, limit)
      if (counted !== undefined) return counted.consumed
      return (await count(store, key)).consumedPoints
    },
    stop: () => shares.forEach((share) => share.stop()),
  }
}

/** How many commands the store has been sent from now on. */
function storeCalls(store: RateLimiterMemory): () => number {
  let calls = 0
  const consume = store.consume.bind(store)
  store.consume = (key, points) => {
    calls += 1
    return consume(key, points)
  }
  return () => calls
}

let stops: Array<() => void> = []
afterEach(() => {
  for (const stop of stops) stop()
  stops = []
})

describe('rate-limit counts in shares', () => {
  it('a busy key is counted in process after its second request, and the counts run on as one process would count them', async () => {
    const { request, stop } = deployment(1, Date.now)
    stops.push(stop)
    const counts: number[] = []
    for (let i = 0; i < 40; i++) {
      counts.push(await request(0, 'k', 10_000))
      await settle()
    }
    expect(counts).toEqual(Array.from({ length: 40 }, (_, i) => i + 1))
  })

  it('asks the store far less than once per request for a busy key', async () => {
    const { store, request, stop } = deployment(1, Date.now)
    stops.push(stop)
    const calls = storeCalls(store)
    for (let i = 0; i < 2000; i++) {
      await request(0, 'k', 1_000_000)
      if (i % 10 === 0) await settle()
    }
    expect(calls()).toBeLessThan(2000 / 20)
  })

  it('reports every command it sends the store, by what it is for', async () => {
    let now = Date.now()
    const store = new RateLimiterMemory({ points: Number.MAX_SAFE_INTEGER, duration: 60 })
    const claims = storeCalls(store)
    let rewards = 0
    const reward = store.reward.bind(store)
    store.reward = (key, points) => {
      rewards += 1
      return reward(key, points)
    }
    const reported: string[] = []
    const shares = new CounterShares(store, () => now, (command) => reported.push(command))
    stops.push(() => shares.stop())
    for (let i = 0; i < 30; i++) {
      shares.countNow('k', 1_000_000)
      now += 5
      await settle()
    }
    // Left unused past its lifetime: the sweep gives back what is left.
    now += 1100
    ;(shares as unknown as { sweep(): void }).sweep()
    await settle()
    expect(reported.filter((command) => command === 'share').length).toBe(claims())
    expect(reported.filter((command) => command === 'give_back').length).toBe(rewards)
    expect(claims()).toBeGreaterThan(1)
    expect(rewards).toBeGreaterThan(0)
  })

  it('a key counted in the store once is not busy, but one whose share lapsed in use takes the next at once', async () => {
    let now = Date.now()
    const store = new RateLimiterMemory({ points: Number.MAX_SAFE_INTEGER, duration: 60 })
    const claims: number[] = []
    const shares = new CounterShares(store, () => now, (command) => command === 'share' && claims.push(now))
    stops.push(() => shares.stop())
    const request = async (): Promise<void> => {
      if (shares.countNow('k', 1_000_000) === undefined) await count(store, 'k')
      await settle()
    }
    await request()
    now += 1500
    await request()
    // Counted in the store twice, 1.5 s apart: not busy.
    expect(claims).toEqual([])
    now += 10
    await request()
    expect(claims).toHaveLength(1)
    const claimedAt = claims[0]!
    now += 10
    await request()
    // Still counted from that share just before it lapses, then once after.
    now = claimedAt + 950
    await request()
    now = claimedAt + 1100
    await request()
    expect(claims).toHaveLength(2)
  })

  it('a limit too small for a share of two is always counted in the store', async () => {
    const { store, request, stop } = deployment(1, Date.now)
    stops.push(stop)
    const calls = storeCalls(store)
    for (let i = 0; i < 20; i++) {
      await request(0, 'k', 31)
      await settle()
    }
    expect(calls()).toBe(20)
  })

  it('whatever the interleaving of instances, no key gets more than its limit, and every count is given once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 600 }),
        fc.array(fc.tuple(fc.nat(2), fc.boolean()), { minLength: 1, maxLength: 900 }),
        async (instances, limit, steps) => {
          const { store, request, stop } = deployment(instances, Date.now)
          try {
            const admitted: number[] = []
            for (const [instance, pause] of steps) {
              const consumed = await request(instance % instances, 'k', limit)
              if (consumed <= limit) admitted.push(consumed)
              if (pause) await settle()
            }
            expect(admitted.length).toBeLessThanOrEqual(limit)
            expect(new Set(admitted).size).toBe(admitted.length)
            // Once every share is handed back, the store holds exactly one count per request.
            await settle()
            await settle()
            stop()
            expect((await store.get('k'))?.consumedPoints ?? 0).toBe(steps.length)
          } finally {
            stop()
          }
        },
      ),
      { numRuns: 60 },
    )
  })

  it('what an idle instance holds goes back within a second, so the others reach the limit exactly', async () => {
    let now = Date.now()
    const { request, shares, stop } = deployment(2, () => now)
    stops.push(stop)
    const limit = 400
    let admitted = 0
    // Instance 0 takes shares, then falls idle holding one.
    for (let i = 0; i < 60; i++) {
      if ((await request(0, 'k', limit)) <= limit) admitted += 1
      await settle()
    }
    now += 1100
    // The sweep gives back what instance 0 held (it runs every quarter second).
    ;(shares[0] as unknown as { sweep(): void }).sweep()
    await settle()
    for (let i = 0; i < 500; i++) {
      if ((await request(1, 'k', limit)) <= limit) admitted += 1
      await settle()
    }
    expect(admitted).toBe(limit)
  })

  it('never counts from a share once its window has ended', async () => {
    let now = Date.now()
    const { request, shares, stop } = deployment(1, () => now)
    stops.push(stop)
    for (let i = 0; i < 20; i++) {
      await request(0, 'k', 100_000)
      await settle()
    }
    expect(shares[0]!.countNow('k', 100_000)).toBeDefined()
    // Just before the end of the window the share's counts were taken in: no longer used.
    now += 59_950
    expect(shares[0]!.countNow('k', 100_000)).toBeUndefined()
  })
})
