// What rate-limit shares (packages/server/src/shared-state/counter-shares.ts) cost the shared
// store for one key on one instance, by the key's request rate: the curve docs/capacity.md
// quotes between the rates `npm run bench:scale` measures. A simulation, not a measurement:
// the built CounterShares on a simulated clock, a store that counts exactly and answers
// `--latency` ms later, requests arriving as a Poisson process, the sweep every 250 ms.
//
//   npm run build && node bench/shares.mjs [--seconds 120] [--latency 1]
import { CounterShares } from '../packages/server/dist/shared-state/counter-shares.js'

const option = (name, fallback) => {
  const index = process.argv.indexOf(`--${name}`)
  return index >= 0 ? Number(process.argv[index + 1]) : fallback
}
const seconds = option('seconds', 120)
const latencyMs = option('latency', 1)
const SWEEP_EVERY_MS = 250

/** Lets the shares' promise callbacks and setImmediate claims run before the next event. */
const turn = () => new Promise((resolve) => setImmediate(resolve))

async function simulate(rate) {
  let now = 0
  let total = 0
  const commands = { count: 0, share: 0, give_back: 0 }
  const answers = []
  const store = {
    consume: (_key, points) => {
      total += points
      const result = { consumedPoints: total, msBeforeNext: 60_000 - (now % 60_000) }
      return new Promise((resolve) => answers.push({ at: now + latencyMs, answer: () => resolve(result) }))
    },
    reward: (_key, points) => {
      total -= points
      return Promise.resolve()
    },
  }
  const shares = new CounterShares(store, () => now, (command) => (commands[command] += 1))
  // The simulated clock drives the sweep; the real one's timer must not.
  shares.stop()
  let nextSweep = SWEEP_EVERY_MS
  let requests = 0
  for (let arrival = 0; arrival < seconds * 1000; ) {
    arrival += (-Math.log(1 - Math.random()) * 1000) / rate
    for (;;) {
      const next = Math.min(nextSweep, answers[0]?.at ?? Infinity)
      if (next > arrival) break
      now = next
      if (next === nextSweep) {
        shares.sweep()
        nextSweep += SWEEP_EVERY_MS
      } else answers.shift().answer()
      await turn()
    }
    now = arrival
    requests += 1
    // What the authenticator does: a count from the share, or else the store counts it alone.
    if (shares.countNow('key', Number.MAX_SAFE_INTEGER / 2) === undefined) {
      commands.count += 1
      total += 1
    }
    await turn()
  }
  const all = commands.count + commands.share + commands.give_back
  return { rate, perSecond: Object.fromEntries(Object.entries(commands).map(([name, n]) => [name, n / seconds])), perRequest: all / requests, allPerSecond: all / seconds }
}

console.log(`one key on one instance, ${seconds} s simulated, store answers after ${latencyMs} ms`)
console.log(`${'requests/s'.padStart(10)} ${'count'.padStart(7)} ${'share'.padStart(7)} ${'give_back'.padStart(9)} ${'all/s'.padStart(7)} ${'per request'.padStart(12)}`)
for (const rate of [0.5, 1, 2, 4, 10, 100, 1000]) {
  const { perSecond, perRequest, allPerSecond } = await simulate(rate)
  console.log(`${String(rate).padStart(10)} ${perSecond.count.toFixed(2).padStart(7)} ${perSecond.share.toFixed(2).padStart(7)} ${perSecond.give_back.toFixed(2).padStart(9)} ${allPerSecond.toFixed(2).padStart(7)} ${perRequest.toFixed(3).padStart(12)}`)
}
