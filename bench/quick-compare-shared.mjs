// For iterating on the PostgreSQL + Redis path: the floor and `/v1/me` with a warm key on
// two instances sharing one PostgreSQL and one Redis (no proxy), alternated.
// `node bench/quick-compare-shared.mjs [seconds] [rounds]`; DATABASE_URL and REDIS_URL (or
// TEST_DATABASE_URL and TEST_REDIS_URL) must be set. It creates and drops its own database.
// BENCH_BASELINE=<another checkout>/packages/server/dist/main.js adds a third instance of
// that build on the same database and Redis, loaded in turn with the others.
// BENCH_CACHED=1 adds an instance with BRANDWAVE_REVOCATION=cached (R4: strict ÷ cached).
// BENCH_PRIVATE_REDIS=1 starts a redis-server of its own instead of REDIS_URL, so that the
// Redis commands per request (INFO commandstats) count this load alone.
import { spawn } from 'node:child_process'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { alternate, api, load, pinLoadGenerator, ratio, root, signIn, startServer, table, withSharedStack } from './harness.mjs'

const duration = Number(process.argv[2] ?? 4)
const rounds = Number(process.argv[3] ?? 2)
const databaseUrl = process.env.DATABASE_URL ?? process.env.TEST_DATABASE_URL
let redisUrl = process.env.REDIS_URL ?? process.env.TEST_REDIS_URL
let privateRedis
if (process.env.BENCH_PRIVATE_REDIS === '1') {
  const port = 20_000 + Math.floor(Math.random() * 20_000)
  privateRedis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
  redisUrl = `redis://127.0.0.1:${port}`
  await new Promise((resolve) => setTimeout(resolve, 300))
}
if (!databaseUrl || !redisUrl) throw new Error('set DATABASE_URL and REDIS_URL (or TEST_DATABASE_URL and TEST_REDIS_URL)')
pinLoadGenerator()
console.log(`load average at start: ${loadavg().map((l) => l.toFixed(2)).join(', ')}`)

try {
  await withSharedStack(databaseUrl, redisUrl, async (env) => {
    const servers = []
    try {
      const floor = await startServer({}, join(root, 'bench/floor.mjs'))
      servers.push(floor)
      const a = await startServer(env)
      servers.push(a)
      const b = await startServer(env)
      servers.push(b)
      const session = await signIn(a.url)
      const key = await api(a.url, '/v1/api-keys', { method: 'POST', token: session, body: { name: 'bench', scopes: ['api_keys:read'], rateLimit: { requestsPerMinute: 1_000_000 } } })
      const authenticated = { authorization: `Bearer ${key.token}` }
      const stats = new Redis(redisUrl)
      const commands = async () => {
        const info = await stats.info('commandstats')
        return [...info.matchAll(/calls=(\d+)/g)].reduce((sum, [, calls]) => sum + Number(calls), 0)
      }
      const perRequest = {}
      const counted = (name, run) => async () => {
        const before = await commands()
        const sample = await run()
        const per = ((await commands()) - before - 1) / sample.requests
        ;(perRequest[name] ??= []).push(per)
        return sample
      }
      const baseline = process.env.BENCH_BASELINE ? await startServer(env, process.env.BENCH_BASELINE) : undefined
      if (baseline) servers.push(baseline)
      const cached = process.env.BENCH_CACHED === '1' ? await startServer({ ...env, BRANDWAVE_REVOCATION: 'cached' }) : undefined
      if (cached) servers.push(cached)
      const routes = {
        floor: () => load(floor.url, '/', { duration, pid: floor.pid }),
        healthz: () => load(a.url, '/healthz', { duration, pid: a.pid }),
        'me (instance A)': () => load(a.url, '/v1/me', { headers: authenticated, duration, pid: a.pid }),
        'me (instance B)': () => load(b.url, '/v1/me', { headers: authenticated, duration, pid: b.pid }),
        ...(baseline && { 'me (baseline build)': () => load(baseline.url, '/v1/me', { headers: authenticated, duration, pid: baseline.pid }) }),
        ...(cached && { 'me (BRANDWAVE_REVOCATION=cached)': () => load(cached.url, '/v1/me', { headers: authenticated, duration, pid: cached.pid }) }),
      }
      for (const name of Object.keys(routes)) if (name.startsWith('me')) routes[name] = counted(name, routes[name])
      for (const measure of Object.values(routes)) await measure()
      const summary = await alternate(rounds, routes)
      table(summary)
      const f = summary.floor
      for (const [name, list] of Object.entries(perRequest)) console.log(`${name}: ${(list.reduce((a, b) => a + b, 0) / list.length).toFixed(3)} Redis commands per request`)
      stats.disconnect()
      for (const route of Object.keys(routes).filter((name) => name !== 'floor')) {
        const cpu = f.cpuMicrosecondsPerRequest === undefined ? '?' : ratio(f.cpuMicrosecondsPerRequest, summary[route].cpuMicrosecondsPerRequest)
        console.log(`${route} ÷ floor ${ratio(summary[route].requestsPerSecond, f.requestsPerSecond)} (by CPU time ${cpu})`)
      }
    } finally {
      for (const server of servers) await server.stop()
    }
  })
} finally {
  if (privateRedis) privateRedis.kill()
  console.log(`load average at end: ${loadavg().map((l) => l.toFixed(2)).join(', ')}`)
}
