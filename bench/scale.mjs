// The capacity model (docs/capacity.md) checked by a simulation: `npm run bench:scale`.
// Starts N instances (default 4) on loopback against one PostgreSQL and one Redis, drives a
// mixed load (warm keys, unknown keys, revocations during the run) at a fixed rate, and
// prints each figure of the model measured against predicted. Not a test: it fails only
// when a revocation is not enforced on every instance at once, or a measurement is
// impossible. About a minute.
//
//   npm run bench:scale -- [--instances 4] [--rate 800] [--seconds 10] [--keys 20]
//
// PostgreSQL: DATABASE_URL or TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test);
// it creates a brandwave_scale_* database there and drops it. Redis: a redis-server of its
// own on a free port when the binary is installed, so that Redis's own counters (INFO)
// count this load alone; otherwise REDIS_URL or TEST_REDIS_URL, under a prefix it deletes
// (Redis's counters then include whatever else uses that server).
//
// How the model is checked: after the run, as many fresh instances, warmed up with the same
// mix, measure one kind of request at a time (warm keys, unknown keys) at the rate each
// instance got in the run: CPU time per request, Redis commands, bytes and CPU. The model
// then predicts what N instances do under the mix: CPU per request from the mix, storage
// reads from the revocations (each one makes every instance read every key in use once),
// rate-limit counts per busy key per second (shares) plus one per cold request, Redis
// traffic from the counts, and the usage rows written to PostgreSQL from usage batching
// (one per active key per instance per flush interval), as the instances count them in
// /metrics. Load arrives as a Poisson process, as from many independent clients.
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import http from 'node:http'
import { loadavg } from 'node:os'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { generateToken } from '@brandwave/core'
import { Redis } from 'ioredis'
import pg from 'pg'
import { api, metric, signIn, startServer } from './harness.mjs'

const option = (name, fallback) => {
  const index = process.argv.indexOf(`--${name}`)
  return index >= 0 ? Number(process.argv[index + 1]) : fallback
}
const settings = {
  instances: option('instances', 4),
  rate: option('rate', 800),
  seconds: option('seconds', 10),
  keys: option('keys', 20),
  unknownShare: 0.05,
  revokeEveryMs: 1000,
  flushMs: 1000,
  calibrationSeconds: 4,
}
const perInstanceRate = settings.rate / settings.instances

const TICK_MICROSECONDS = 10_000
function cpuMicroseconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return (Number(fields[11]) + Number(fields[12])) * TICK_MICROSECONDS
}

/** Redis's own counters: commands by name (Lua's inner commands included) and bytes in and out. */
async function redisCounters(client) {
  const info = `${await client.info('commandstats')}\n${await client.info('stats')}\n${await client.info('cpu')}`
  const calls = Object.fromEntries([...info.matchAll(/^cmdstat_(\w+):calls=(\d+)/gm)].map(([, name, count]) => [name, Number(count)]))
  const field = (name) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0)
  return {
    calls,
    commands: Object.values(calls).reduce((a, b) => a + b, 0),
    bytes: field('total_net_input_bytes') + field('total_net_output_bytes'),
    cpuMicroseconds: (field('used_cpu_user') + field('used_cpu_sys')) * 1e6,
  }
}
/** Each Redis command's calls per request, those sent at all. */
const callsPer = (calls, requests) => Object.fromEntries(Object.entries(calls).filter(([, n]) => n > 0).map(([name, n]) => [name, Number((n / requests).toFixed(3))]))
function difference(after, before) {
  const calls = {}
  for (const [name, count] of Object.entries(after.calls)) calls[name] = count - (before.calls[name] ?? 0)
  return { calls, commands: after.commands - before.commands, bytes: after.bytes - before.bytes, cpuMicroseconds: after.cpuMicroseconds - before.cpuMicroseconds }
}

/** PostgreSQL's counters for the credentials table and the database. */
async function postgresCounters(client, database) {
  // Statistics reach the views within about a second of each transaction's end.
  const table = await client.query(`SELECT n_tup_upd::int AS updated FROM pg_stat_user_tables WHERE relname = 'credentials'`)
  const db = await client.query(`SELECT xact_commit::int AS commits, tup_updated::int AS updated, tup_inserted::int AS inserted FROM pg_stat_database WHERE datname = $1`, [database])
  return { credentialsUpdated: table.rows[0].updated, ...db.rows[0] }
}

/** The rows the instances' batched usage writes sent, added up over `servers`. */
async function usageRowsWritten(servers) {
  const of = (kind) => Promise.all(servers.map((server) => metric(server.url, 'brandwave_usage_rows_written_total', { kind })))
  const sum = (values) => values.reduce((a, b) => a + b, 0)
  return { lastUsed: sum(await of('last_used')), counts: sum(await of('counts')) }
}

/** The rate limiter's commands to Redis by what each was for, added up over `servers` (brandwave_rate_limit_store_commands_total). */
const COUNTER_COMMANDS = ['count', 'share', 'give_back', 'refund']
async function counterCommands(servers) {
  const totals = await Promise.all(COUNTER_COMMANDS.map((command) => Promise.all(servers.map((server) => metric(server.url, 'brandwave_rate_limit_store_commands_total', { command })))))
  return Object.fromEntries(COUNTER_COMMANDS.map((command, i) => [command, totals[i].reduce((a, b) => a + b, 0)]))
}
const commandsSince = (after, before) => Object.fromEntries(COUNTER_COMMANDS.map((command) => [command, after[command] - before[command]]))

/**
 * `rate` requests per second to `url` for `seconds`, each with the next credential of
 * `next()`; statuses counted. Rate-driven, not as fast as possible: the model is about
 * what a given load costs. Arrivals are a Poisson process (independent clients), each sent
 * at its time on the first of `connections` keep-alive connections free then. Not
 * autocannon's rate, which sends each second's requests in a burst at its start: every
 * key's requests then arrive in the same few milliseconds, once a second, in step with the
 * one-second lifetime of rate-limit shares, and what the shares cost depends on that phase.
 */
function drive(url, { rate, seconds, next, path = '/v1/me', connections = 8 }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections })
  const statuses = {}
  let requests = 0
  let errors = 0
  const send = () =>
    new Promise((resolve) => {
      const headers = next === undefined ? {} : { authorization: `Bearer ${next()}` }
      const request = http.get(`${url}${path}`, { agent, headers }, (response) => {
        response.resume()
        // 'close' comes after 'end', and also when the socket closes mid-response (no 'end' then).
        response.on('close', () => {
          if (response.complete) {
            requests += 1
            statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1
          } else errors += 1
          resolve()
        })
      })
      // A server that stops answering fails the request rather than the whole run.
      request.setTimeout(10_000, () => request.destroy(new Error('timed out')))
      request.on('error', () => {
        errors += 1
        resolve()
      })
    })
  return new Promise((resolve) => {
    const started = performance.now()
    const end = started + seconds * 1000
    const inFlight = new Set()
    let due = started
    const schedule = () => {
      const now = performance.now()
      // Every arrival due by now is sent now (a timer fires late under load; the rate holds).
      while (due <= now && due < end) {
        const sending = send()
        inFlight.add(sending)
        sending.then(() => inFlight.delete(sending))
        due += (-Math.log(1 - Math.random()) * 1000) / rate
      }
      if (due < end) setTimeout(schedule, Math.max(0, due - performance.now()))
      else
        Promise.all(inFlight).then(() => {
          agent.destroy()
          resolve({ requests, statuses, errors })
        })
    }
    schedule()
  })
}

const unknownKey = () => generateToken('bw', 'live', randomBytes)

/** Warm keys in turn, and every so often a key nobody issued (a fresh one each time). */
function mix(tokens, unknownShare) {
  let index = 0
  let sent = 0
  const every = Math.round(1 / unknownShare)
  const state = {
    unknownSent: 0,
    next: () => {
      sent += 1
      if (unknownShare > 0 && sent % every === 0) {
        state.unknownSent += 1
        return unknownKey()
      }
      return tokens[index++ % tokens.length]
    },
  }
  return state
}

async function main() {
  let redisServer
  let redisUrl = process.env.REDIS_URL ?? process.env.TEST_REDIS_URL
  if (spawnSync('redis-server', ['--version']).status === 0) {
    const port = 20_000 + Math.floor(Math.random() * 20_000)
    redisServer = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
    redisUrl = `redis://127.0.0.1:${port}`
  }
  if (redisUrl === undefined) throw new Error('no redis-server installed: set REDIS_URL or TEST_REDIS_URL')
  const prefix = `brandwave-scale:${randomBytes(4).toString('hex')}:`
  if (redisServer) {
    const port = new URL(redisUrl).port
    for (let attempt = 0; spawnSync('redis-cli', ['-p', port, 'ping']).stdout?.toString().trim() !== 'PONG'; attempt++) {
      if (attempt > 50) throw new Error('redis-server did not start')
      await sleep(100)
    }
  }
  const redis = new Redis(redisUrl)
  const databaseUrl = process.env.DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
  const name = `brandwave_scale_${randomBytes(4).toString('hex')}`
  const admin = new pg.Client({ connectionString: databaseUrl })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  const url = new URL(databaseUrl)
  url.pathname = `/${name}`
  const stats = new pg.Client({ connectionString: url.href })

  const env = { DATABASE_URL: url.href, REDIS_URL: redisUrl, BRANDWAVE_REDIS_PREFIX: prefix, BRANDWAVE_USAGE_FLUSH_MS: String(settings.flushMs) }
  const servers = []
  const calibrationServers = []
  try {
    console.log(`load average at start: ${loadavg().map((l) => l.toFixed(2)).join(', ')}`)
    // Not pinned: N servers on one core would measure the core, not the model.
    const first = await startServer(env, undefined, { pin: false })
    servers.push(first)
    const rest = await Promise.all(Array.from({ length: settings.instances - 1 }, () => startServer(env, undefined, { pin: false })))
    servers.push(...rest)
    await stats.connect()
    const session = await signIn(first.url)
    const createKey = (label) => api(first.url, '/v1/api-keys', { method: 'POST', token: session, body: { name: label, scopes: ['api_keys:read'], rateLimit: { requestsPerMinute: 1_000_000 } } })
    const keys = []
    for (let i = 0; i < settings.keys; i += 10) keys.push(...(await Promise.all(Array.from({ length: Math.min(10, settings.keys - i) }, (_, j) => createKey(`warm ${i + j}`)))))
    const revocations = Math.floor((settings.seconds * 1000) / settings.revokeEveryMs) - 1
    const victims = await Promise.all(Array.from({ length: revocations }, (_, i) => createKey(`revoked during the run ${i}`)))
    const tokens = keys.map((key) => key.token)
    // Redis spends CPU when idle too (its timers): measured, and taken off every figure below.
    const idleFrom = await redisCounters(redis)
    const idleStarted = performance.now()
    await sleep(2000)
    const redisIdleMicrosecondsPerSecond = (difference(await redisCounters(redis), idleFrom).cpuMicroseconds / (performance.now() - idleStarted)) * 1000
    const busyRedisCpu = (used, seconds) => used.cpuMicroseconds - redisIdleMicrosecondsPerSecond * seconds

    // 2. Every instance warm on every key, then the mixed load on all of them at once.
    for (const server of servers) for (const token of [...tokens, ...victims.map((victim) => victim.token)]) await api(server.url, '/v1/me', { token })
    await sleep(settings.flushMs * 2 + 2500) // the warm-up's usage written, and its statistics visible
    // A second of load before measuring, as the calibration has: busy keys have their shares
    // again after the wait, so the run measures the steady state the model describes.
    await Promise.all(servers.map((server) => drive(server.url, { rate: perInstanceRate, seconds: 1, next: mix(tokens, 0).next })))
    const redisBefore = await redisCounters(redis)
    const postgresBefore = await postgresCounters(stats, name)
    const lookupsBefore = await Promise.all(servers.map((server) => metric(server.url, 'brandwave_credential_storage_lookups_total')))
    const usageBefore = await usageRowsWritten(servers)
    const countersBefore = await counterCommands(servers)
    const cpuBefore = servers.map((server) => cpuMicroseconds(server.pid))
    const mixes = servers.map(() => mix(tokens, settings.unknownShare))
    const started = performance.now()
    const runs = Promise.all(servers.map((server, i) => drive(server.url, { rate: perInstanceRate, seconds: settings.seconds, next: mixes[i].next })))
    const refusedEverywhere = []
    for (const victim of victims) {
      await sleep(settings.revokeEveryMs - ((performance.now() - started) % settings.revokeEveryMs))
      await api(first.url, `/v1/api-keys/${victim.id}`, { method: 'DELETE', token: session })
      // Acknowledged: every instance must refuse it on the very next request.
      const statuses = await Promise.all(servers.map((server) => fetch(`${server.url}/v1/me`, { headers: { authorization: `Bearer ${victim.token}` } }).then((response) => response.status)))
      refusedEverywhere.push(statuses.every((status) => status === 401))
    }
    const results = await runs
    const elapsedSeconds = (performance.now() - started) / 1000
    const cpu = servers.map((server, i) => cpuMicroseconds(server.pid) - cpuBefore[i])
    const lookups = await Promise.all(servers.map(async (server, i) => (await metric(server.url, 'brandwave_credential_storage_lookups_total')) - lookupsBefore[i]))
    // Read before the instances stop: their last flush on shutdown falls outside the window.
    const usageSeconds = (performance.now() - started) / 1000
    const usageAfter = await usageRowsWritten(servers)
    const usageUsed = { lastUsed: usageAfter.lastUsed - usageBefore.lastUsed, counts: usageAfter.counts - usageBefore.counts }
    const redisUsed = difference(await redisCounters(redis), redisBefore)
    const countersUsed = commandsSince(await counterCommands(servers), countersBefore)
    // Stopped, each instance writes the usage still pending, and its database connections end,
    // which flushes their statistics to the views at once.
    for (const server of servers.splice(0)) await server.stop()
    await sleep(1000)
    const postgresUsed = Object.fromEntries(Object.entries(await postgresCounters(stats, name)).map(([field, value]) => [field, value - postgresBefore[field]]))
    const requests = results.reduce((sum, run) => sum + run.requests, 0)
    // Started only now: an idle instance still renews its lease (PINGs), which would count in the run.
    calibrationServers.push(...(await Promise.all(Array.from({ length: settings.instances }, () => startServer(env, undefined, { pin: false })))))
    // 3. As many fresh instances, each loaded with one kind of request at the rate each got in
    // the run, all at once (the machine as busy as in the run): what each kind costs.
    // `nextFor()` makes each instance its own sequence of credentials, as in the run.
    const calibrate = async (rate, nextFor, path = '/v1/me') => {
      await Promise.all(calibrationServers.map((server) => drive(server.url, { rate, seconds: 1, next: nextFor?.(), path })))
      const redisBefore = await redisCounters(redis)
      const lookupsBefore = await Promise.all(calibrationServers.map((server) => metric(server.url, 'brandwave_credential_storage_lookups_total')))
      const cpuBefore = calibrationServers.map((server) => cpuMicroseconds(server.pid))
      const countersBefore = await counterCommands(calibrationServers)
      const from = performance.now()
      const runs = await Promise.all(calibrationServers.map((server) => drive(server.url, { rate, seconds: settings.calibrationSeconds, next: nextFor?.(), path })))
      const seconds = (performance.now() - from) / 1000
      const cpu = calibrationServers.reduce((sum, server, i) => sum + cpuMicroseconds(server.pid) - cpuBefore[i], 0)
      const redisUsed = difference(await redisCounters(redis), redisBefore)
      const lookupsAfter = await Promise.all(calibrationServers.map((server) => metric(server.url, 'brandwave_credential_storage_lookups_total')))
      const countersUsed = commandsSince(await counterCommands(calibrationServers), countersBefore)
      const total = runs.reduce((sum, run) => sum + run.requests, 0)
      const per = (value) => value / total
      const instanceSeconds = calibrationServers.length * seconds
      return {
        requestsPerSecond: total / seconds / calibrationServers.length,
        cpuMicroseconds: per(cpu),
        redisCpuMicroseconds: per(busyRedisCpu(redisUsed, seconds)),
        gets: per(redisUsed.calls.get ?? 0),
        counts: per(redisUsed.calls.evalsha ?? 0),
        commands: per(redisUsed.commands),
        bytes: per(redisUsed.bytes),
        lookups: per(lookupsAfter.reduce((sum, after, i) => sum + after - lookupsBefore[i], 0)),
        calls: callsPer(redisUsed.calls, total),
        counterCommands: callsPer(countersUsed, total),
        // What busy keys' shares cost (the counts taken ahead, given back, and made alone while
        // no share was usable), per key in use per instance per second: each instance uses every key.
        shareCountsPerKeySecond: nextFor === undefined ? 0 : (countersUsed.count + countersUsed.share + countersUsed.give_back) / (settings.keys * instanceSeconds),
        pings: per(redisUsed.calls.ping ?? 0),
        commandsPerSecond: redisUsed.commands / seconds,
        pingsPerInstanceSecond: (redisUsed.calls.ping ?? 0) / instanceSeconds,
      }
    }
    const rate = Math.max(1, Math.round(requests / elapsedSeconds / settings.instances))
    // Fresh instances run slower until their code is optimized, and a busier machine slows
    // Redis too: warmed up with the run's mix first. 3 s, longer than the run's second of
    // load, since they did not have the run's first request of each key on each instance.
    await Promise.all(calibrationServers.map((server) => drive(server.url, { rate, seconds: 3, next: mix(tokens, settings.unknownShare).next })))
    const warm = await calibrate(rate, () => mix(tokens, 0).next)
    const unknown = await calibrate(rate, () => unknownKey)
    const healthz = await calibrate(rate, undefined, '/healthz')

    // 4. The model's predictions for the run, from step 3's figures.
    const unknownSent = mixes.reduce((sum, state) => sum + state.unknownSent, 0)
    const unknownShare = unknownSent / requests
    const bumps = victims.length
    // Keys go round in turn on each instance: in `n` warm requests it uses min(K, n) keys.
    const keysUsedIn = (intervalSeconds) =>
      results.map((run, i) => Math.min(settings.keys, ((run.requests - mixes[i].unknownSent) / elapsedSeconds) * intervalSeconds))
    // After each revocation, every instance reads each key it uses before the next one once;
    // the victims' own checks (one per instance per revocation) read storage too.
    const predictedLookups = unknownSent + bumps * keysUsedIn(settings.revokeEveryMs / 1000).reduce((sum, used) => sum + used + 1, 0)
    const warmMissShare = (predictedLookups - unknownSent) / requests
    const coldShare = unknownShare + warmMissShare
    const predictedCpu = (1 - coldShare) * warm.cpuMicroseconds + coldShare * unknown.cpuMicroseconds
    const predictedGets = (1 - unknownShare) * warm.gets + unknownShare * unknown.gets
    // A busy key's counts come from shares, and a share lives at most a second: what they
    // cost is per busy key per instance per second (about two claims, one give-back, and the
    // few requests that find no share usable), whatever the key's rate. Each cold request
    // (the first of its key after a revocation on each instance) is counted alone, and each
    // revoked key's check on every instance is counted (a cold request too), refused and
    // refunded. Commands: each count's calls (4), the access version's GETs (none while the
    // leases hold), the lease's PINGs by time, and for each revocation one MULTI (SET,
    // PUBLISH: 4 calls) and one answer per instance. Bytes and Redis CPU: at what one count
    // costs in the calibration, whose PINGs and GETs are counted in (a little high).
    const warmMisses = predictedLookups - unknownSent
    const busyKeySeconds = keysUsedIn(1).reduce((sum, used) => sum + used, 0) * elapsedSeconds
    const refunds = bumps * settings.instances
    const countsMade = busyKeySeconds * warm.shareCountsPerKeySecond + warmMisses + refunds
    const predictedCounts = countsMade / requests
    const perCount = (figure) => (warm.counts > 0 ? figure / warm.counts : 0)
    const pings = warm.pingsPerInstanceSecond * settings.instances * elapsedSeconds
    const announcements = bumps * (4 + settings.instances)
    const predictedCommands = (countsMade * perCount(warm.commands - warm.pings - warm.gets) + pings + announcements) / requests + predictedGets
    const predictedBytes = predictedCounts * perCount(warm.bytes)
    const predictedRedisCpu = predictedCounts * perCount(warm.redisCpuMicroseconds)
    // Usage: each instance writes one row per key it used in each flush interval, however many
    // requests that key made (the UPDATE changes the row only when its time is later than the
    // stored one: fewer rows change). The per-hour counts write one row per key and outcome: the
    // same, plus each revoked key's one refusal on every instance.
    const flushes = usageSeconds / (settings.flushMs / 1000)
    const predictedLastUsed = keysUsedIn(settings.flushMs / 1000).reduce((sum, used) => sum + used, 0) * flushes
    const predictedCountRows = predictedLastUsed + bumps * settings.instances
    const measuredCpu = cpu.reduce((a, b) => a + b, 0) / requests
    const rows = [
      ['CPU µs per request (mean over instances)', measuredCpu, predictedCpu],
      ['storage reads by the verification path', lookups.reduce((a, b) => a + b, 0), predictedLookups],
      ['Redis GETs of the access version per request', (redisUsed.calls.get ?? 0) / requests, predictedGets],
      ['Redis rate-limit counts (EVALSHA) per request', (redisUsed.calls.evalsha ?? 0) / requests, predictedCounts],
      ['Redis commands per request (Lua inner commands included)', redisUsed.commands / requests, predictedCommands],
      ['Redis bytes in + out per request', redisUsed.bytes / requests, predictedBytes],
      // A ceiling: at a few % of a core, Redis's CPU follows its wake-ups more than its
      // commands (the run's 25 % more commands took about the same CPU a second as the
      // calibration's), so only a measurement above it says the model is wrong.
      ['Redis CPU µs per request, at most (idle CPU taken off)', busyRedisCpu(redisUsed, elapsedSeconds) / requests, predictedRedisCpu, { ceiling: true }],
      // Counted by the instances themselves (brandwave_usage_rows_written_total), as an operator would.
      ['PostgreSQL usage UPDATEs (last used) per second', usageUsed.lastUsed / usageSeconds, predictedLastUsed / usageSeconds],
      ['PostgreSQL per-hour count rows upserted per second', usageUsed.counts / usageSeconds, predictedCountRows / usageSeconds],
    ]

    console.log(`\n${settings.instances} instances, ${settings.rate} requests/s in all for ${settings.seconds} s (${Math.round(requests / elapsedSeconds)} measured), ${settings.keys} warm keys, ${(unknownShare * 100).toFixed(1)} % unknown keys, ${bumps} revocations`)
    if (requests / elapsedSeconds < 0.9 * settings.rate) {
      console.log(`the machine delivered ${Math.round(requests / elapsedSeconds)} of the ${settings.rate} requests/s asked: per-request CPU is not comparable with the calibration (lower --rate, or a quieter machine)`)
    }
    console.log(`statuses: ${JSON.stringify(results.map((run) => run.statuses))}, errors ${results.reduce((sum, run) => sum + run.errors, 0)}`)
    console.log(`${settings.instances} instances, one kind of request each time, at ${rate} requests/s each (${Math.round(warm.requestsPerSecond)} measured): /healthz ${healthz.cpuMicroseconds.toFixed(1)} µs, warm ${warm.cpuMicroseconds.toFixed(1)} µs (${warm.gets.toFixed(3)} GET, ${warm.counts.toFixed(3)} counts, ${warm.bytes.toFixed(0)} Redis bytes per request), unknown ${unknown.cpuMicroseconds.toFixed(1)} µs (${unknown.lookups.toFixed(2)} storage reads, ${unknown.gets.toFixed(3)} GET per request)`)
    console.log(`Redis commands per request, by name: run ${JSON.stringify(callsPer(redisUsed.calls, requests))}, warm ${JSON.stringify(warm.calls)}, unknown ${JSON.stringify(unknown.calls)}`)
    console.log(`Redis CPU per second: run ${(busyRedisCpu(redisUsed, elapsedSeconds) / elapsedSeconds / 1000).toFixed(1)} ms at ${(redisUsed.commands / elapsedSeconds).toFixed(0)} commands/s, warm keys ${((warm.redisCpuMicroseconds * warm.commandsPerSecond) / warm.commands / 1000).toFixed(1)} ms at ${warm.commandsPerSecond.toFixed(0)} commands/s`)
    console.log(`rate-limit commands per request, by what for: run ${JSON.stringify(callsPer(countersUsed, requests))}, warm ${JSON.stringify(warm.counterCommands)}`)
    console.log(`PostgreSQL during the run: ${postgresUsed.commits} commits, ${postgresUsed.credentialsUpdated} credential rows changed (${postgresUsed.updated} rows in all), ${postgresUsed.inserted} inserted; Redis idle CPU ${redisIdleMicrosecondsPerSecond.toFixed(0)} µs/s`)
    console.log('')
    console.log(`${'figure'.padEnd(60)} ${'measured'.padStart(10)} ${'predicted'.padStart(10)} ${'off'.padStart(7)}`)
    let outside = 0
    for (const [figure, measured, predicted, { ceiling = false } = {}] of rows) {
      const off = predicted === 0 ? (measured === 0 ? 0 : Infinity) : measured / predicted - 1
      const wrong = ceiling ? off > 0.25 : Math.abs(off) > 0.25
      if (wrong) outside += 1
      const format = (value) => (Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(3))
      console.log(`${figure.padEnd(60)} ${format(measured).padStart(10)} ${format(predicted).padStart(10)} ${`${off >= 0 ? '+' : ''}${(off * 100).toFixed(0)} %`.padStart(7)}${wrong ? (ceiling ? '  ABOVE THE CEILING' : '  OUTSIDE 25 %') : ''}`)
    }
    console.log(`\nrevocations refused on every instance on the next request: ${refusedEverywhere.filter(Boolean).length} of ${refusedEverywhere.length}`)
    console.log(`${outside === 0 ? 'every figure within 25 % of the model (a ceiling: no more than 25 % above it)' : `${outside} figure(s) outside 25 % of the model`}`)
    console.log(`load average at end: ${loadavg().map((l) => l.toFixed(2)).join(', ')}`)
    if (refusedEverywhere.some((refused) => !refused)) throw new Error('a revocation was not enforced on every instance at once')
  } finally {
    for (const server of [...servers, ...calibrationServers]) await server.stop()
    await stats.end().catch(() => undefined)
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await admin.end()
    if (redisServer) {
      redis.disconnect()
      redisServer.kill()
    } else {
      const leftovers = await redis.keys(`${prefix}*`)
      if (leftovers.length > 0) await redis.del(...leftovers)
      redis.disconnect()
    }
  }
}

await main()
