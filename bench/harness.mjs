// What every benchmark phase needs: a built server in its own process (pinned to core 0
// when the machine allows), the load generator (autocannon, in this process, pinned to
// core 1), the API and /metrics.
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { Redis } from 'ioredis'
import pg from 'pg'

export const root = join(dirname(fileURLToPath(import.meta.url)), '..')
export const canPin = cpus().length >= 2 && spawnSync('taskset', ['-V']).status === 0

/** Server on core 0, load generator (this process) on core 1, so they do not compete. */
export function pinLoadGenerator() {
  if (canPin) spawnSync('taskset', ['-pc', '1', String(process.pid)], { stdio: 'ignore' })
}

export const ADMIN = { email: 'bench@example.com', password: 'benchmark passphrase' }

/** A secret per run, so the benchmark can derive token hashes for credentials it stores itself. */
export const SECRET = randomBytes(48).toString('base64url')

/**
 * Starts `packages/server/dist/main.js` (or another script, such as the floor) with `env`
 * (on top of a minimal environment) and resolves once it announces where it listens.
 * `pin: false` leaves it to the scheduler (several servers at once, `bench/scale.mjs`).
 * `stop()` sends SIGTERM and waits for exit.
 */
export function startServer(env, main = join(root, 'packages/server/dist/main.js'), { pin = canPin } = {}) {
  // BENCH_SERVER_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=prof`) profiles the servers.
  const nodeArgs = [...(process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? []), main]
  const child = spawn(pin ? 'taskset' : process.execPath, pin ? ['-c', '0', process.execPath, ...nodeArgs] : nodeArgs, {
    env: {
      PATH: process.env.PATH,
      PORT: '0',
      HOST: '127.0.0.1',
      // One log line per request at `info` would measure the logger.
      LOG_LEVEL: 'warn',
      BRANDWAVE_SECRET: SECRET,
      BRANDWAVE_ADMIN_EMAIL: ADMIN.email,
      BRANDWAVE_ADMIN_PASSWORD: ADMIN.password,
      // Sessions are limited per user at the default: high enough never to refuse here.
      BRANDWAVE_DEFAULT_RATE_LIMIT: '1000000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const exited = new Promise((resolve) => child.on('exit', resolve))
  return new Promise((resolve, reject) => {
    let output = ''
    child.stdout.on('data', (chunk) => {
      output += chunk
      const match = /listening on (http:\/\/[\d.:]+) \(/.exec(output)
      if (match) {
        resolve({
          url: match[1],
          pid: child.pid,
          stop: async () => {
            child.kill('SIGTERM')
            await exited
          },
        })
      }
    })
    child.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)))
  })
}

export async function api(url, path, { method = 'GET', token, body } = {}) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { ...(token && { authorization: `Bearer ${token}` }), ...(body && { 'content-type': 'application/json' }) },
    ...(body && { body: JSON.stringify(body) }),
  })
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`)
  return (await response.json()).data
}

export async function signIn(url) {
  return (await api(url, '/v1/auth/login', { method: 'POST', body: ADMIN })).accessToken
}

/** A counter or gauge from `/metrics`, summed over the series that match `labels`. */
export async function metric(url, name, labels = {}) {
  const text = await (await fetch(`${url}/metrics`)).text()
  let sum = 0
  for (const line of text.split('\n')) {
    const match = /^(\w+)(?:\{(.*)\})? ([\d.e+-]+)$/.exec(line)
    if (match === null || match[1] !== name) continue
    const series = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map(([, key, value]) => [key, value]))
    if (Object.entries(labels).every(([key, value]) => series[key] === value)) sum += Number(match[3])
  }
  return sum
}

// Linux reports a process's CPU time in clock ticks of 10 ms (USER_HZ = 100).
const TICK_MICROSECONDS = 10_000

/** User plus system CPU ticks of process `pid` so far, or null where /proc cannot tell. */
function cpuTicks(pid) {
  if (pid === undefined) return null
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return Number(fields[11]) + Number(fields[12])
  } catch {
    return null
  }
}

function percentile(sorted, p) {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

/**
 * Load with autocannon. `tokens` rotates a credential per request (a flood of distinct
 * keys); `amount` sends exactly that many requests instead of running for `duration`.
 * Every response must have `status`, or the measurement is refused. Latencies are kept
 * per response, because autocannon's own histogram counts whole milliseconds.
 */
export function load(url, path, options = {}) {
  const { method = 'GET', headers = {}, body, tokens, status = 200, connections = 32, duration = 8, amount, onBody, pid } = options
  const cpuBefore = cpuTicks(pid)
  let next = 0
  const request = {
    method,
    path,
    headers: { ...headers, ...(body && { 'content-type': 'application/json' }) },
    ...(body && { body: JSON.stringify(body) }),
    ...(tokens && {
      setupRequest: (raw) => ({ ...raw, headers: { ...raw.headers, authorization: `Bearer ${tokens[next++ % tokens.length]}` } }),
    }),
    ...(onBody && { onResponse: (_status, text) => onBody(JSON.parse(text)) }),
  }
  const latencies = []
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      { url, connections, ...(amount === undefined ? { duration } : { amount }), requests: [request] },
      (error, result) => {
        if (error) return reject(error)
        const unexpected = Object.entries(result.statusCodeStats).filter(([code]) => Number(code) !== status)
        if (unexpected.length > 0 || result.errors > 0 || result.timeouts > 0) {
          return reject(new Error(`${method} ${path}: expected only ${status}, got ${JSON.stringify(result.statusCodeStats)}, ${result.errors} errors`))
        }
        latencies.sort((a, b) => a - b)
        const cpuAfter = cpuTicks(pid)
        resolve({
          // The server's own CPU time per request: what the route costs, whatever else runs on the machine.
          ...(cpuBefore !== null && cpuAfter !== null && { cpuMicrosecondsPerRequest: ((cpuAfter - cpuBefore) * TICK_MICROSECONDS) / result.requests.total }),
          // Not autocannon's per-second average, whose partial last second skews short runs.
          requestsPerSecond: result.requests.total / result.duration,
          requests: result.requests.total,
          p50Ms: percentile(latencies, 50),
          p99Ms: percentile(latencies, 99),
        })
      },
    )
    instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime))
  })
}

/** Runs `measure` for each named route in turn, `rounds` times, so drift hits all alike; averages. */
export async function alternate(rounds, routes) {
  const samples = Object.fromEntries(Object.keys(routes).map((name) => [name, []]))
  for (let round = 0; round < rounds; round++) {
    for (const [name, measure] of Object.entries(routes)) samples[name].push(await measure())
  }
  const mean = (list, field) => list.reduce((sum, sample) => sum + sample[field], 0) / list.length
  return Object.fromEntries(
    Object.entries(samples).map(([name, list]) => [
      name,
      {
        requestsPerSecond: Math.round(mean(list, 'requestsPerSecond')),
        p50Ms: mean(list, 'p50Ms'),
        p99Ms: mean(list, 'p99Ms'),
        ...(list.every((sample) => sample.cpuMicrosecondsPerRequest !== undefined) && { cpuMicrosecondsPerRequest: mean(list, 'cpuMicrosecondsPerRequest') }),
      },
    ]),
  )
}

export function ratio(a, b) {
  return Number((a / b).toFixed(3))
}

export function table(rows) {
  const line = (cells) => cells.map((cell, index) => (index === 0 ? String(cell).padEnd(48) : String(cell).padStart(9))).join(' ')
  console.log(line(['', 'req/s', 'p50 ms', 'p99 ms', 'server CPU µs/req']))
  for (const [name, sample] of Object.entries(rows)) {
    const cpu = sample.cpuMicrosecondsPerRequest === undefined ? '' : sample.cpuMicrosecondsPerRequest.toFixed(1)
    console.log(line([name, sample.requestsPerSecond === undefined ? '' : Math.round(sample.requestsPerSecond), sample.p50Ms.toFixed(2), sample.p99Ms.toFixed(2), cpu]))
  }
}

/** A database and Redis prefix of their own, for servers started with `env`; `drop()` removes both. */
export async function sharedStack(databaseUrl, redisUrl) {
  const name = `brandwave_bench_${randomBytes(4).toString('hex')}`
  const admin = new pg.Client({ connectionString: databaseUrl })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  const url = new URL(databaseUrl)
  url.pathname = `/${name}`
  const prefix = `brandwave-bench:${name}:`
  return {
    env: { DATABASE_URL: url.href, REDIS_URL: redisUrl, BRANDWAVE_REDIS_PREFIX: prefix },
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await admin.end()
      const redis = new Redis(redisUrl, { lazyConnect: true })
      await redis.connect()
      const keys = await redis.keys(`${prefix}*`)
      if (keys.length > 0) await redis.del(...keys)
      redis.disconnect()
    },
  }
}

/** Runs `measure` with the environment of a server on a `sharedStack`, dropped afterwards. */
export async function withSharedStack(databaseUrl, redisUrl, measure) {
  const stack = await sharedStack(databaseUrl, redisUrl)
  try {
    return await measure(stack.env)
  } finally {
    await stack.drop()
  }
}
