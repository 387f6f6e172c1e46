// Brandwave benchmark: what authentication costs, measured side by side in one run.
// Not a test: it prints figures and ratios and writes them to bench/results/. It fails only
// when a measurement is impossible or a guarantee is broken (a bad-checksum flood reaching
// storage).
//
//   npm run bench              full run (a few minutes)
//   npm run bench -- --quick   seconds per phase and small data, to prove it works (CI)
//   npm run bench -- --pipeline-only   the in-process verification figures alone
//   npm run bench -- --metering-only   issue 24 alone: verify with and without remaining uses, and what metadata costs a warm key
//   node bench/bench.mjs --report bench/results/<run>.json   the markdown table of an earlier run
//
// With DATABASE_URL and REDIS_URL (or TEST_DATABASE_URL and TEST_REDIS_URL) set, it also
// measures two instances sharing PostgreSQL and Redis, in a database it creates and drops.
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { cpus, loadavg, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { generateToken, hashToken } from '@brandwave/core'
import Database from 'better-sqlite3'
import { loadConfig } from '../packages/server/dist/config.js'
import { deriveKeys } from '../packages/server/dist/secret.js'
import { startServer as startInProcess } from '../packages/server/dist/server.js'
import { UsageCounts } from '../packages/server/dist/auth/usage-counts.js'
import { SECRET, alternate, api, canPin, load, metric, pinLoadGenerator, ratio, root, signIn, startServer, table, withSharedStack } from './harness.mjs'

// The heap per warm entry is measured in this process, after full collections.
setFlagsFromString('--expose-gc')
const collectGarbage = runInNewContext('gc')

const quick = process.argv.includes('--quick')
// `--pipeline-only`: phase 0 alone (in process, no servers), for iterating on the verification path.
const pipelineOnly = process.argv.includes('--pipeline-only')
// `--metering-only`: issue 24's figures alone (metered verification, metadata in a warm entry).
const meteringOnly = process.argv.includes('--metering-only')
const settings = {
  quick,
  duration: quick ? 1 : 8,
  rounds: quick ? 1 : 3,
  connections: 32,
  floodKeys: quick ? 1_000 : 10_000,
  patCreations: quick ? 20 : 300,
  storedCredentials: quick ? 20_000 : 1_000_000,
  warmCredentials: quick ? 2_000 : 100_000,
  coldSamples: quick ? 200 : 2_000,
}
const { duration, rounds, connections } = settings
pinLoadGenerator()

/** A well-formed key nobody issued, and the same with its checksum broken. */
function unknownKey() {
  return generateToken('bw', 'live', randomBytes)
}
function badChecksum(token) {
  const last = token.at(-1)
  return token.slice(0, -1) + (last === 'A' ? 'B' : 'A')
}

async function measureLookups(url, run) {
  const before = await metric(url, 'brandwave_credential_storage_lookups_total')
  const sample = await run()
  return { ...sample, storageLookups: (await metric(url, 'brandwave_credential_storage_lookups_total')) - before }
}

/**
 * Phase 0: the verification pipeline alone (SPEC §7, `Authenticator.verify`), called in a
 * loop in this process without HTTP: what authentication itself costs, per request; and
 * the heap one warm credential takes.
 */
async function verificationCost() {
  const dataDir = mkdtempSync(join(tmpdir(), 'brandwave-bench-verify-'))
  const env = { BRANDWAVE_DATA_DIR: dataDir, BRANDWAVE_SECRET: SECRET, BRANDWAVE_ADMIN_EMAIL: 'bench@example.com', BRANDWAVE_ADMIN_PASSWORD: 'benchmark passphrase', LOG_LEVEL: 'warn' }
  const server = await startInProcess(loadConfig(env), { listen: false })
  try {
    const inject = async (method, url, payload, token) => {
      const response = await server.app.inject({ method, url, payload, headers: token ? { authorization: `Bearer ${token}` } : {} })
      return response.json().data
    }
    const session = await inject('POST', '/v1/auth/login', { email: env.BRANDWAVE_ADMIN_EMAIL, password: env.BRANDWAVE_ADMIN_PASSWORD })
    const key = await inject('POST', '/v1/api-keys', { name: 'bench', scopes: ['api_keys:read'], rateLimit: { requestsPerMinute: 1_000_000 } }, session.accessToken)
    const { authenticator } = server.app
    const calls = quick ? 20_000 : 300_000
    const perCall = async (token, expected, options) => {
      for (let i = 0; i < calls / 10; i++) await authenticator.verify(token, options)
      const started = process.hrtime.bigint()
      for (let i = 0; i < calls; i++) {
        const { code } = await authenticator.verify(token, options)
        if (code !== expected) throw new Error(`verify: ${code}, expected ${expected}`)
      }
      return Number(process.hrtime.bigint() - started) / calls / 1000
    }
    // As the authentication hook calls it: synchronously, for a request that arrived in a
    // batch whose access version (SQLite's data_version) was already read.
    const perCallNow = async (token, expected, options) => {
      await authenticator.verify(token, options) // warm (or known-unknown) from here on
      for (let i = 0; i < calls / 10; i++) authenticator.verifyNow(token, options)
      const started = process.hrtime.bigint()
      for (let i = 0; i < calls; i++) {
        const verification = authenticator.verifyNow(token, options)
        if (verification?.code !== expected) throw new Error(`verifyNow: ${verification?.code}, expected ${expected}`)
      }
      return Number(process.hrtime.bigint() - started) / calls / 1000
    }
    const fresh = { ip: '127.0.0.1', requiredScopes: ['api_keys:read'] }
    // Every call carries the number of a request that arrived before the batch's version read.
    const batched = { ...fresh, arrival: 1 }
    const unknown = unknownKey()
    const figures = {
      warmMicroseconds: await perCallNow(key.token, 'VALID', batched),
      warmFreshVersionMicroseconds: await perCall(key.token, 'VALID', fresh),
      knownUnknownKeyMicroseconds: await perCallNow(unknown, 'NOT_FOUND', batched),
      badChecksumMicroseconds: await perCall(badChecksum(unknown), 'MALFORMED', fresh),
    }
    // A key of its own: the rounds would otherwise run into the first key's per-minute limit.
    const metered = await inject('POST', '/v1/api-keys', { name: 'bench usage', scopes: ['api_keys:read'], rateLimit: { requestsPerMinute: 1_000_000 } }, session.accessToken)
    Object.assign(figures, await usageRecordingCost(authenticator, metered.token, batched, Math.min(calls, 40_000)))

    // A distinct unknown key each time: the storage read the negative cache saves.
    const distinct = Array.from({ length: quick ? 2_000 : 20_000 }, unknownKey)
    let started = process.hrtime.bigint()
    for (const token of distinct) await authenticator.verify(token, fresh)
    figures.unknownKeyMicroseconds = Number(process.hrtime.bigint() - started) / distinct.length / 1000

    // Heap per warm credential: store keys behind the server's back (a second connection:
    // its commits move data_version, so nothing cached before is trusted), warm them all,
    // and compare full-GC heaps. Usage records and request counts are flushed first: they are not the cache.
    const count = quick ? 5_000 : 50_000
    const tokens = storeCredentials(join(dataDir, 'brandwave.db'), key, count, count)
    await server.app.usage.flush()
    await server.app.usageCounts.flush()
    collectGarbage()
    const heapBefore = process.memoryUsage().heapUsed
    started = process.hrtime.bigint()
    for (const token of tokens) await authenticator.verify(token, fresh)
    figures.coldVerifyMicroseconds = Number(process.hrtime.bigint() - started) / count / 1000
    await server.app.usage.flush()
    await server.app.usageCounts.flush()
    collectGarbage()
    figures.heapBytesPerWarmEntry = Math.round((process.memoryUsage().heapUsed - heapBefore) / count)
    for (const token of tokens.slice(0, 100)) {
      const verification = authenticator.verifyNow(token, batched)
      if (verification?.code !== 'VALID') throw new Error(`a stored key was not warm: ${verification?.code}`)
    }
    return figures
  } finally {
    await server.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

/**
 * What counting requests per key and hour (usage per key) adds to a request, in this process:
 * the warm check with the counts and without them, in alternating rounds, medians compared;
 * and `UsageCounts.record` alone, over 1,000 keys and a few addresses.
 */
async function usageRecordingCost(authenticator, token, options, calls) {
  await authenticator.verify(token, options) // warm under the current access version
  const timeWarm = () => {
    const started = process.hrtime.bigint()
    for (let i = 0; i < calls; i++) if (authenticator.verifyNow(token, options)?.code !== 'VALID') throw new Error('the warm key was refused')
    return Number(process.hrtime.bigint() - started) / calls / 1000
  }
  // The benchmark takes the recorder out of its own authenticator for the rounds without it.
  const withCounts = authenticator.deps
  const withoutCounts = { ...withCounts, counts: undefined }
  const samples = { with: [], without: [] }
  // Round 0 of each is a warm-up, not kept.
  for (let round = 0; round <= (quick ? 3 : 9); round++) {
    authenticator.deps = withoutCounts
    const without = timeWarm()
    authenticator.deps = withCounts
    const withThem = timeWarm()
    if (round === 0) continue
    samples.without.push(without)
    samples.with.push(withThem)
  }
  authenticator.deps = withCounts

  const counts = new UsageCounts({ write: () => Promise.resolve(), intervalMs: 3_600_000, onError: () => undefined })
  const ids = Array.from({ length: 1_000 }, () => randomUUID())
  const addresses = ['203.0.113.7', '198.51.100.23', '2001:db8::5']
  const outcomes = ['VALID', 'VALID', 'VALID', 'VALID', 'VALID', 'VALID', 'VALID', 'RATE_LIMITED']
  const at = Date.now()
  const record = (n) => {
    const started = process.hrtime.bigint()
    for (let i = 0; i < n; i++) counts.record(ids[i % 1_000], at + i, outcomes[i & 7], addresses[i % 3])
    return Number(process.hrtime.bigint() - started) / n / 1000
  }
  record(calls / 10)
  const recordSamples = Array.from({ length: quick ? 3 : 9 }, () => record(calls))
  return {
    warmWithUsageCountsMicroseconds: median(samples.with),
    warmWithoutUsageCountsMicroseconds: median(samples.without),
    usageRecordingAddsMicroseconds: median(samples.with) - median(samples.without),
    usageCountsRecordMicroseconds: median(recordSamples),
  }
}

// Phase 1 (embedded database): the floor, R1, R2, R3 (PAT creation).
async function embeddedThroughput({ url, pid }, { floor, conventions, healthzBytes, verificationBytes }, key, caller) {
  const authenticated = { authorization: `Bearer ${key.token}` }
  const unknown = Array.from({ length: settings.floodKeys }, unknownKey)
  const broken = unknown.map(badChecksum)
  const lookups = { unknown: 0, badChecksum: 0, unknownRequests: 0, badChecksumRequests: 0 }
  // Over the warm-up and the rounds: every distinct key may be read once, and never again.
  let unknownReadsInAll = 0
  const routes = {
    [ROUTES.floor]: () => load(floor.url, '/', { duration, pid: floor.pid }),
    [ROUTES.conventions]: () => load(conventions.url, '/', { duration, pid: conventions.pid }),
    [ROUTES.healthzBytes]: () => load(healthzBytes.url, '/', { duration, pid: healthzBytes.pid }),
    [ROUTES.verificationBytes]: () => load(verificationBytes.url, '/', { method: 'POST', body: { key: key.token }, duration, pid: verificationBytes.pid }),
    [ROUTES.healthz]: () => load(url, '/healthz', { duration, pid }),
    [ROUTES.me]: () => load(url, '/v1/me', { headers: authenticated, duration, pid }),
    [ROUTES.verify]: () => load(url, '/v1/keys/verify', { method: 'POST', headers: { authorization: `Bearer ${caller.token}` }, body: { key: key.token }, duration, pid }),
    [ROUTES.unknown]: () =>
      measureLookups(url, () => load(url, '/v1/me', { tokens: unknown, status: 401, duration, pid })).then((sample) => {
        unknownReadsInAll += sample.storageLookups
        lookups.unknown += sample.storageLookups
        lookups.unknownRequests += sample.requests
        return sample
      }),
    [ROUTES.badChecksum]: () =>
      measureLookups(url, () => load(url, '/v1/me', { tokens: broken, status: 401, duration, pid })).then((sample) => {
        lookups.badChecksum += sample.storageLookups
        lookups.badChecksumRequests += sample.requests
        return sample
      }),
  }
  // Warm every path (JIT, the credential cache, the unknown keys) before measuring.
  if (!quick) for (const measure of Object.values(routes)) await measure()
  Object.assign(lookups, { unknown: 0, badChecksum: 0, unknownRequests: 0, badChecksumRequests: 0 })
  const summary = await alternate(rounds, routes)
  return { summary, lookups, distinctUnknown: unknown.length, unknownReadsInAll }
}

const ROUTES = {
  floor: 'floor: bare Fastify GET / → {ok:true}',
  conventions: 'bare Fastify with the conventions (diagnostic)',
  healthzBytes: "bare Fastify answering /healthz's bytes (diagnostic)",
  verificationBytes: "bare Fastify answering a verification's bytes (diagnostic)",
  healthz: 'unauthenticated GET /healthz',
  me: 'authenticated GET /v1/me (warm key)',
  verify: 'POST /v1/keys/verify (warm caller, warm key)',
  unknown: 'flood: well-formed unknown keys',
  badChecksum: 'flood: bad-checksum keys',
}

/** The issues' targets (18, then 25), each a ratio of two routes measured in this run. */
const TARGETS = [
  { name: '/healthz ÷ floor', of: ROUTES.healthz, over: ROUTES.floor, target: 0.9 },
  { name: 'the conventions alone ÷ floor (diagnostic)', of: ROUTES.conventions, over: ROUTES.floor, target: null },
  { name: '/healthz ÷ the conventions alone (diagnostic)', of: ROUTES.healthz, over: ROUTES.conventions, target: null },
  // What the answers' size alone allows: the same bytes from bare Fastify, no code (bench/floor.mjs).
  { name: "/healthz's bytes alone ÷ floor (diagnostic)", of: ROUTES.healthzBytes, over: ROUTES.floor, target: null },
  { name: "a verification's bytes alone ÷ floor (diagnostic)", of: ROUTES.verificationBytes, over: ROUTES.floor, target: null },
  { name: '/v1/me ÷ floor', of: ROUTES.me, over: ROUTES.floor, target: 0.7 },
  { name: '/v1/me ÷ /healthz (R1)', of: ROUTES.me, over: ROUTES.healthz, target: 0.85 },
  { name: '/v1/keys/verify ÷ floor', of: ROUTES.verify, over: ROUTES.floor, target: 0.65 },
  { name: 'unknown-key flood ÷ /healthz (R2)', of: ROUTES.unknown, over: ROUTES.healthz, target: 0.8 },
  { name: 'bad-checksum flood ÷ /healthz (R2)', of: ROUTES.badChecksum, over: ROUTES.healthz, target: null },
]

async function patCreation(url, session) {
  let created = 0
  const sample = await load(url, '/v1/personal-access-tokens', {
    method: 'POST',
    headers: { authorization: `Bearer ${session}` },
    // A token without admin scopes: one with them needs the password in the request (step-up).
    body: { name: 'bench', scopes: ['personal_access_tokens:read'] },
    status: 201,
    connections: 1,
    amount: settings.patCreations,
    onBody: () => (created += 1),
  })
  if (created !== settings.patCreations) throw new Error(`created ${created} of ${settings.patCreations} tokens`)
  return sample
}

/**
 * Stores `count` API keys straight into the stopped server's SQLite file, each a copy of
 * `template` with its own id and token; returns the first `known` tokens in plaintext.
 */
function storeCredentials(file, template, count, known) {
  const db = new Database(file)
  // Room for the indexes while a million random keys go in; bench data needs no fsync.
  db.pragma('cache_size = -1048576')
  db.pragma('synchronous = OFF')
  // An INTEGER PRIMARY KEY numbers itself.
  const columns = db
    .prepare('PRAGMA table_info(credentials)')
    .all()
    .filter((column) => !(column.pk === 1 && column.type.toUpperCase() === 'INTEGER'))
    .map((column) => column.name)
  const own = { id: '@id', family_id: '@id', token_hash: '@tokenHash', start: '@start', last4: '@last4', name: '@name' }
  const insert = db.prepare(
    `INSERT INTO credentials (${columns.map((name) => `"${name}"`).join(', ')}) SELECT ${columns.map((name) => own[name] ?? `"${name}"`).join(', ')} FROM credentials WHERE id = @template`,
  )
  const tokenHashKey = deriveKeys(Buffer.from(SECRET, 'utf8')).tokenHash
  const tokens = []
  const insertAll = db.transaction(() => {
    for (let index = 0; index < count; index++) {
      const token = generateToken('bw', 'live', randomBytes)
      if (index < known) tokens.push(token)
      insert.run({ id: randomUUID(), tokenHash: hashToken(tokenHashKey, token), start: token.slice(0, 12), last4: token.slice(-4), name: `stored ${index}`, template: template.id })
    }
  })
  insertAll()
  db.close()
  return tokens
}

const megabytes = (bytes) => Math.round(bytes / 1024 / 1024)

// Phase 2 (embedded database, many stored credentials): R3 (cold verification) and memory.
async function storedAtScale(url, tokens) {
  const rssStored = await metric(url, 'brandwave_process_resident_memory_bytes')
  const heapStored = await metric(url, 'brandwave_nodejs_heap_size_used_bytes')
  const cold = tokens.slice(0, settings.coldSamples)
  const coldSample = await measureLookups(url, () => load(url, '/v1/me', { tokens: cold, connections: 1, amount: cold.length }))
  const warmSample = await measureLookups(url, () => load(url, '/v1/me', { tokens: cold, connections: 1, amount: cold.length }))
  // Warm the rest under load: cold verifications at full concurrency.
  const rest = tokens.slice(settings.coldSamples)
  const warming = await load(url, '/v1/me', { tokens: rest, connections, amount: rest.length })
  const cacheEntries = await metric(url, 'brandwave_verification_cache_entries', { kind: 'credential' })
  const rssWarm = await metric(url, 'brandwave_process_resident_memory_bytes')
  const heapWarm = await metric(url, 'brandwave_nodejs_heap_size_used_bytes')
  if (coldSample.storageLookups < cold.length) throw new Error(`the cold pass made ${coldSample.storageLookups} storage reads for ${cold.length} keys: it was not cold`)
  if (warmSample.storageLookups !== 0) throw new Error(`the warm pass made ${warmSample.storageLookups} storage reads`)
  return {
    coldSample,
    warmSample,
    warming,
    cacheEntries,
    rssStoredMb: megabytes(rssStored),
    rssWarmMb: megabytes(rssWarm),
    heapStoredMb: megabytes(heapStored),
    heapWarmMb: megabytes(heapWarm),
    // Includes garbage not yet collected: an upper bound.
    heapBytesPerWarmEntry: Math.round((heapWarm - heapStored) / cacheEntries),
  }
}

const SHARED_FLOOR = 'floor (alternated with this phase)'

// Phase 3 (PostgreSQL + Redis, two instances): R4, and `/v1/me` against the floor.
function sharedInstances(databaseUrl, redisUrl) {
  return withSharedStack(databaseUrl, redisUrl, async (env) => {
    const servers = []
    try {
      const strict = await startServer({ ...env, BRANDWAVE_REVOCATION: 'strict' })
      servers.push(strict)
      const cached = await startServer({ ...env, BRANDWAVE_REVOCATION: 'cached' })
      servers.push(cached)
      const session = await signIn(strict.url)
      const key = await api(strict.url, '/v1/api-keys', { method: 'POST', token: session, body: { name: 'bench', scopes: ['api_keys:read'], rateLimit: { requestsPerMinute: 1_000_000 } } })
      const authenticated = { authorization: `Bearer ${key.token}` }
      // The same floor as phase 1, alternated with this phase's routes: `/v1/me` strict has a target against it.
      const floor = await startServer({}, join(root, 'bench/floor.mjs'))
      servers.push(floor)
      const routes = {
        [SHARED_FLOOR]: () => load(floor.url, '/', { duration, pid: floor.pid }),
        'unauthenticated GET /healthz (strict instance)': () => load(strict.url, '/healthz', { duration, pid: strict.pid }),
        'GET /v1/me, BRANDWAVE_REVOCATION=strict': () => load(strict.url, '/v1/me', { headers: authenticated, duration, pid: strict.pid }),
        'GET /v1/me, BRANDWAVE_REVOCATION=cached': () => load(cached.url, '/v1/me', { headers: authenticated, duration, pid: cached.pid }),
      }
      if (!quick) for (const measure of Object.values(routes)) await measure()
      return await alternate(rounds, routes)
    } finally {
      for (const server of servers) await server.stop()
    }
  })
}

/** Exactly 200 bytes of JSON: what issue 24 asks a warm key with metadata to carry. */
function metadataOf200Bytes() {
  const metadata = { customer: 'cus_8f2a61c0', plan: 'enterprise', seats: 250, region: 'eu-west-1', features: ['sso', 'audit', 'exports'], note: '' }
  metadata.note = 'x'.repeat(200 - Buffer.byteLength(JSON.stringify(metadata)))
  return metadata
}

/**
 * Issue 24, in process: the heap a warm key takes without metadata and with 200 bytes of it,
 * measured the same way as phase 0 (stored behind the server's back, warmed, full collections).
 */
async function metadataHeapCost() {
  const dataDir = mkdtempSync(join(tmpdir(), 'brandwave-bench-metadata-'))
  const env = { BRANDWAVE_DATA_DIR: dataDir, BRANDWAVE_SECRET: SECRET, BRANDWAVE_ADMIN_EMAIL: 'bench@example.com', BRANDWAVE_ADMIN_PASSWORD: 'benchmark passphrase', LOG_LEVEL: 'warn' }
  const server = await startInProcess(loadConfig(env), { listen: false })
  try {
    const inject = async (method, url, payload, token) => (await server.app.inject({ method, url, payload, headers: token ? { authorization: `Bearer ${token}` } : {} })).json().data
    const session = await inject('POST', '/v1/auth/login', { email: env.BRANDWAVE_ADMIN_EMAIL, password: env.BRANDWAVE_ADMIN_PASSWORD })
    const metadata = metadataOf200Bytes()
    const plain = await inject('POST', '/v1/api-keys', { name: 'plain', scopes: ['api_keys:read'] }, session.accessToken)
    const described = await inject('POST', '/v1/api-keys', { name: 'described', scopes: ['api_keys:read'], metadata }, session.accessToken)
    const options = { ip: '127.0.0.1', requiredScopes: ['api_keys:read'] }
    // Two batches in one cache of 100,000 entries: neither evicts the other.
    const count = quick ? 5_000 : 45_000
    const perEntry = async (template) => {
      const tokens = storeCredentials(join(dataDir, 'brandwave.db'), template, count, count)
      await server.app.usage.flush()
      collectGarbage()
      const before = process.memoryUsage().heapUsed
      for (const token of tokens) {
        const { code } = await server.app.authenticator.verify(token, options)
        if (code !== 'VALID') throw new Error(`a stored key did not verify: ${code}`)
      }
      await server.app.usage.flush()
      collectGarbage()
      return Math.round((process.memoryUsage().heapUsed - before) / count)
    }
    const withoutMetadata = await perEntry(plain)
    const withMetadata = await perEntry(described)
    return { metadataBytes: Buffer.byteLength(JSON.stringify(metadata)), heapBytesWithoutMetadata: withoutMetadata, heapBytesWithMetadata: withMetadata, extraHeapBytes: withMetadata - withoutMetadata }
  } finally {
    await server.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

const METERING_ROUTES = {
  plain: 'POST /v1/keys/verify, key without remaining',
  metered: 'POST /v1/keys/verify, key with remaining (spent on each call)',
}

/** Issue 24 over HTTP: verify for a key with remaining uses and the same key without, in turn. */
async function meteredVerification({ url, pid }, session) {
  const create = (body) => api(url, '/v1/api-keys', { method: 'POST', token: session, body: { scopes: ['api_keys:read'], rateLimit: { requestsPerMinute: 1_000_000 }, ...body } })
  // Keys and caller new for each sample: on a quiet machine one key would pass its 1,000,000 a minute within the run.
  const meteredKeys = []
  const verify = (budget) => async () => {
    const caller = await create({ name: 'bench caller (metering)', scopes: ['api_keys:workflow'] })
    const key = await create(budget === null ? { name: 'bench plain' } : { name: 'bench metered', remaining: budget })
    if (budget !== null) meteredKeys.push(key)
    return load(url, '/v1/keys/verify', { method: 'POST', headers: { authorization: `Bearer ${caller.token}` }, body: { key: key.token }, duration, pid })
  }
  const routes = { [METERING_ROUTES.plain]: verify(null), [METERING_ROUTES.metered]: verify(2_000_000_000) }
  if (!quick) for (const measure of Object.values(routes)) await measure()
  const summary = await alternate(rounds, routes)
  let spent = 0
  for (const key of meteredKeys) spent += 2_000_000_000 - (await api(url, `/v1/api-keys/${key.id}`, { token: session })).remaining
  return { summary, spent, ratio: ratio(summary[METERING_ROUTES.metered].requestsPerSecond, summary[METERING_ROUTES.plain].requestsPerSecond) }
}

/** Runs issue 24's figures and prints them (with `--metering-only`, or within a full run); with PostgreSQL + Redis, the ratio there too. */
async function meteringFigures() {
  const heap = await metadataHeapCost()
  const dataDirectory = mkdtempSync(join(tmpdir(), 'brandwave-bench-metering-'))
  console.log(`Issue 24: heap per warm key ${heap.heapBytesWithoutMetadata} bytes without metadata, ${heap.heapBytesWithMetadata} with ${heap.metadataBytes} bytes of it: ${heap.extraHeapBytes} more (target ≤ 600)`)
  const metering = await startServer({ BRANDWAVE_DATA_DIR: dataDirectory })
  let embedded
  try {
    embedded = await meteredVerification(metering, await signIn(metering.url))
    console.log('Embedded database (SQLite):')
    table(embedded.summary)
    console.log(`verify with remaining ÷ without: ${embedded.ratio} (target ≥ 0.85); ${embedded.spent.toLocaleString('en')} uses spent, one per verification`)
  } finally {
    await metering.stop()
    rmSync(dataDirectory, { recursive: true, force: true })
  }
  const databaseUrl = process.env.DATABASE_URL ?? process.env.TEST_DATABASE_URL
  const redisUrl = process.env.REDIS_URL ?? process.env.TEST_REDIS_URL
  if (!databaseUrl || !redisUrl) return { heap, ...embedded }
  // Remaining uses counted in Redis (one EVALSHA per key and batch), the row written behind.
  const shared = await withSharedStack(databaseUrl, redisUrl, async (env) => {
    const server = await startServer(env)
    try {
      return await meteredVerification(server, await signIn(server.url))
    } finally {
      await server.stop()
    }
  })
  console.log('PostgreSQL + Redis:')
  table(shared.summary)
  console.log(`verify with remaining ÷ without: ${shared.ratio} (target ≥ 0.85); ${shared.spent.toLocaleString('en')} uses spent, one per verification`)
  return { heap, ...embedded, shared }
}

/** The run as a markdown table, to paste into bench/README.md. */
function markdown(run) {
  const rows = []
  const row = (name, value, target = '') => rows.push(`| ${name} | ${value} | ${target} |`)
  const fixed = (value, digits = 2) => (value === undefined ? '–' : value.toFixed(digits))
  if (run.settings?.quick) row('**quick run**', '1-second samples, no warm-up, small data: not measurements')
  row('date, commit', `${run.date.slice(0, 16).replace('T', ' ')} UTC, \`${run.commit ?? '?'}\``)
  row('machine', `${run.machine.cpus} × ${run.machine.model}, ${run.machine.memoryGiB ?? '?'} GiB, Node ${run.machine.node}${run.machine.pinned ? ', servers on core 0, load on core 1' : ', not pinned'}`)
  row('load average (1, 5, 15 min) at start / end', `${run.loadAverageAtStart?.join(', ') ?? '?'} / ${run.loadAverageAtEnd?.join(', ') ?? '?'}`)
  const summary = run.embedded.summary
  const cpuOf = (sample) => (sample.cpuMicrosecondsPerRequest === undefined ? '' : `, server CPU ${sample.cpuMicrosecondsPerRequest.toFixed(1)} µs/request`)
  for (const name of Object.values(ROUTES)) if (summary[name] !== undefined) row(`${name}, req/s`, `${summary[name].requestsPerSecond.toLocaleString('en')}${cpuOf(summary[name])}`)
  for (const { name, target } of TARGETS.filter(({ name }) => run.ratios[name] !== undefined)) {
    const byCpu = run.cpuRatios?.[name] === undefined ? '' : ` (by CPU time: ${run.cpuRatios[name]})`
    row(`**${name}**`, `**${run.ratios[name]}**${byCpu}`, target === null ? '' : `≥ ${target}${run.ratios[name] >= target ? '' : ' (not met)'}`)
  }
  row('`verify` in process, warm key, µs', `${fixed(run.pipeline.warmMicroseconds)} (fresh data_version read: ${fixed(run.pipeline.warmFreshVersionMicroseconds)})`, '≤ 3')
  row('`verify` in process: known-unknown / distinct unknown / bad checksum, µs', `${fixed(run.pipeline.knownUnknownKeyMicroseconds)} / ${fixed(run.pipeline.unknownKeyMicroseconds)} / ${fixed(run.pipeline.badChecksumMicroseconds)}`)
  row('heap per warm credential, in process after full GC, bytes', run.pipeline.heapBytesPerWarmEntry, '≤ 600')
  if (run.pipeline.usageRecordingAddsMicroseconds !== undefined) {
    row(
      'usage per key: warm `verifyNow` with ÷ without the hourly counts, µs (difference); `UsageCounts.record` alone, µs',
      `${fixed(run.pipeline.warmWithUsageCountsMicroseconds)} / ${fixed(run.pipeline.warmWithoutUsageCountsMicroseconds)} (${fixed(run.pipeline.usageRecordingAddsMicroseconds, 3)}); ${fixed(run.pipeline.usageCountsRecordMicroseconds, 3)}`,
      '≤ 1 added',
    )
  }
  row('unknown-key flood: storage reads (all passes) / distinct keys', `${run.embedded.floodUnknownReadsInAll} / ${run.embedded.floodDistinctUnknownKeys}`, '≤ 1 per key')
  row('bad-checksum flood: storage reads', run.ratios.badChecksumStorageLookups, '0')
  row('`POST /v1/personal-access-tokens`, 1 connection, p50 / p99 ms', `${fixed(run.embedded.patCreation.p50Ms)} / ${fixed(run.embedded.patCreation.p99Ms)}`)
  const scale = run.embedded.scale
  if (scale !== undefined) {
    row(`cold verification, ${run.memory.storedCredentials.toLocaleString('en')} stored, 1 connection, p50 / p99 ms`, `${fixed(scale.coldSample.p50Ms)} / ${fixed(scale.coldSample.p99Ms)}`)
    row('the same keys warm, p50 / p99 ms', `${fixed(scale.warmSample.p50Ms)} / ${fixed(scale.warmSample.p99Ms)}`)
    row(`RSS (heap) MB, ${run.memory.warmCredentials.toLocaleString('en')} warm`, `${run.memory.rssWarmMb} (${run.memory.heapWarmMb})`)
    row('heap per warm credential over HTTP, no forced GC (an upper bound), bytes', run.memory.heapBytesPerWarmEntry)
  }
  if (run.metering !== undefined) {
    for (const name of Object.values(METERING_ROUTES)) row(`${name}, req/s`, run.metering.summary[name].requestsPerSecond.toLocaleString('en'))
    row('**verify with remaining ÷ without (issue 24)**', `**${run.metering.ratio}**`, '≥ 0.85')
    if (run.metering.shared !== undefined) {
      for (const name of Object.values(METERING_ROUTES)) row(`PostgreSQL + Redis: ${name}, req/s`, run.metering.shared.summary[name].requestsPerSecond.toLocaleString('en'))
      row('**PostgreSQL + Redis: verify with remaining ÷ without**', `**${run.metering.shared.ratio}**`, '≥ 0.85')
    }
    row(`heap per warm key with ${run.metering.heap.metadataBytes} bytes of metadata, more than without, bytes`, `${run.metering.heap.extraHeapBytes} (${run.metering.heap.heapBytesWithMetadata} vs ${run.metering.heap.heapBytesWithoutMetadata})`, '≤ 600')
  }
  if (run.shared !== undefined) {
    row('PostgreSQL + Redis: `/v1/me` strict ÷ `/healthz`', run.ratios.R1_sharedAuthenticatedOverUnauthenticated)
    row('PostgreSQL + Redis: strict ÷ cached revocation (R4)', run.ratios.R4_strictOverCached)
    if (run.ratios.sharedMeOverFloor !== undefined) {
      const byCpu = run.cpuRatios?.sharedMeOverFloor === undefined ? '' : ` (by CPU time: ${run.cpuRatios.sharedMeOverFloor})`
      row('**PostgreSQL + Redis: `/v1/me` strict ÷ floor**', `**${run.ratios.sharedMeOverFloor}**${byCpu}`, `≥ 0.6${run.ratios.sharedMeOverFloor >= 0.6 ? '' : ' (not met)'}`)
    }
  }
  return ['| figure | value | target |', '|---|---|---|', ...rows].join('\n')
}

// `--report <file>`: the markdown table of a run written earlier to bench/results/.
const reportIndex = process.argv.indexOf('--report')
if (reportIndex >= 0) {
  console.log(markdown(JSON.parse(readFileSync(process.argv[reportIndex + 1], 'utf8'))))
  process.exit(0)
}

const dataDir = mkdtempSync(join(tmpdir(), 'brandwave-bench-'))
const commit = spawnSync('git', ['describe', '--always', '--dirty'], { cwd: root, encoding: 'utf8' }).stdout.trim()
const result = {
  date: new Date().toISOString(),
  commit,
  machine: { cpus: cpus().length, model: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, pinned: canPin },
  // Other work on the machine shows up in the figures: the load average says how much there was.
  loadAverageAtStart: loadavg().map((load) => Number(load.toFixed(2))),
  settings,
}
let server
let floor
let conventions
let healthzBytes
let verificationBytes
if (quick) console.log('Quick run: 1-second samples, no warm-up, small data. It proves the harness works; its figures are not measurements.\n')
try {
  if (meteringOnly) {
    result.metering = await meteringFigures()
    result.loadAverageAtEnd = loadavg().map((load) => Number(load.toFixed(2)))
    const file = join(root, 'bench/results', `${result.date.replace(/[:.]/g, '-')}-metering${quick ? '-quick' : ''}.json`)
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`)
    console.log(`\nwritten to ${file}`)
    process.exit(0)
  }
  const pipeline = await verificationCost()
  console.log('The verification pipeline alone (in process, no HTTP), µs per call:')
  console.log(`  warm key ${pipeline.warmMicroseconds.toFixed(2)} (data_version already read for its batch; ${pipeline.warmFreshVersionMicroseconds.toFixed(2)} with a fresh read)`)
  console.log(`  known-unknown key ${pipeline.knownUnknownKeyMicroseconds.toFixed(2)}, distinct unknown key (a storage read) ${pipeline.unknownKeyMicroseconds.toFixed(2)}, bad checksum ${pipeline.badChecksumMicroseconds.toFixed(2)}`)
  console.log(`  heap per warm credential: ${pipeline.heapBytesPerWarmEntry} bytes (after full collections); cold verification ${pipeline.coldVerifyMicroseconds.toFixed(2)} µs`)
  console.log(`  usage per key: warm check ${pipeline.warmWithUsageCountsMicroseconds.toFixed(3)} with the hourly counts, ${pipeline.warmWithoutUsageCountsMicroseconds.toFixed(3)} without (adds ${pipeline.usageRecordingAddsMicroseconds.toFixed(3)}, target ≤ 1); UsageCounts.record alone ${pipeline.usageCountsRecordMicroseconds.toFixed(3)}\n`)
  result.pipeline = pipeline
  if (pipelineOnly) {
    rmSync(dataDir, { recursive: true, force: true })
    process.exit(0)
  }

  console.log(`Embedded database (SQLite), one instance, and the bare-Fastify floor started the same way${canPin ? '; servers on core 0, load on core 1' : ' (not pinned to separate cores)'}`)
  floor = await startServer({}, join(root, 'bench/floor.mjs'))
  conventions = await startServer({ FLOOR_CONVENTIONS: '1' }, join(root, 'bench/floor.mjs'))
  healthzBytes = await startServer({ FLOOR_CONVENTIONS: 'bytes' }, join(root, 'bench/floor.mjs'))
  verificationBytes = await startServer({ FLOOR_CONVENTIONS: 'verify-bytes' }, join(root, 'bench/floor.mjs'))
  server = await startServer({ BRANDWAVE_DATA_DIR: dataDir })
  const session = await signIn(server.url)
  const key = await api(server.url, '/v1/api-keys', { method: 'POST', token: session, body: { name: 'bench', scopes: ['api_keys:read'], rateLimit: { requestsPerMinute: 1_000_000 } } })
  const caller = await api(server.url, '/v1/api-keys', { method: 'POST', token: session, body: { name: 'bench caller', scopes: ['api_keys:workflow'], rateLimit: { requestsPerMinute: 1_000_000 } } })
  const { summary, lookups, distinctUnknown, unknownReadsInAll } = await embeddedThroughput(server, { floor, conventions, healthzBytes, verificationBytes }, key, caller)
  await floor.stop()
  await conventions.stop()
  await healthzBytes.stop()
  await verificationBytes.stop()
  floor = undefined
  conventions = undefined
  healthzBytes = undefined
  verificationBytes = undefined
  const patSample = await patCreation(server.url, session)
  await server.stop()
  table({ ...summary, 'POST /v1/personal-access-tokens (1 connection)': patSample })

  const rps = (name) => summary[name].requestsPerSecond
  result.embedded = { summary, patCreation: patSample, floodStorageLookups: lookups, floodDistinctUnknownKeys: distinctUnknown, floodUnknownReadsInAll: unknownReadsInAll }
  result.ratios = Object.fromEntries(TARGETS.map(({ name, of, over }) => [name, ratio(rps(of), rps(over))]))
  result.ratios.badChecksumStorageLookups = lookups.badChecksum
  // The same ratios from the servers' CPU time per request: throughput the route would reach
  // if the server's core were its own, whatever else ran on the machine meanwhile.
  const cpu = (name) => summary[name].cpuMicrosecondsPerRequest
  if (Object.values(ROUTES).every((name) => cpu(name) !== undefined)) {
    result.cpuRatios = Object.fromEntries(TARGETS.map(({ name, of, over }) => [name, ratio(cpu(over), cpu(of))]))
  }
  console.log('')
  console.log(`${''.padEnd(46)} ${'req/s'.padStart(6)} ${'by CPU'.padStart(7)}`)
  for (const { name, target } of TARGETS) {
    const byCpu = result.cpuRatios?.[name]
    console.log(`${name.padEnd(46)} ${String(result.ratios[name]).padStart(6)} ${String(byCpu ?? '').padStart(7)}${target === null ? '' : `   target ≥ ${target}${result.ratios[name] >= target ? '' : '  NOT MET'}`}`)
  }
  console.log(`   /v1/me costs ${(1e6 / rps(ROUTES.me) - 1e6 / rps(ROUTES.healthz)).toFixed(1)} µs more than /healthz, which costs ${(1e6 / rps(ROUTES.healthz) - 1e6 / rps(ROUTES.floor)).toFixed(1)} µs more than the floor (${(1e6 / rps(ROUTES.floor)).toFixed(1)} µs)`)
  console.log(`unknown-key flood: ${lookups.unknown} storage reads for ${lookups.unknownRequests} requests measured; ${unknownReadsInAll} in all (warm-up included) for ${distinctUnknown} distinct keys`)
  console.log(`bad-checksum flood: ${lookups.badChecksum} storage reads for ${lookups.badChecksumRequests} requests`)
  console.log(`R3 POST /v1/personal-access-tokens: p50 ${patSample.p50Ms.toFixed(2)} ms, p99 ${patSample.p99Ms.toFixed(2)} ms`)
  if (lookups.badChecksum !== 0) throw new Error(`bad-checksum keys caused ${lookups.badChecksum} storage reads; there must be none`)
  if (unknownReadsInAll > distinctUnknown) throw new Error(`the unknown-key flood read storage ${unknownReadsInAll} times for ${distinctUnknown} distinct keys; at most once each`)

  console.log('')
  result.metering = await meteringFigures()

  console.log(`\nStoring ${settings.storedCredentials.toLocaleString('en')} API keys…`)
  const started = Date.now()
  const tokens = storeCredentials(join(dataDir, 'brandwave.db'), key, settings.storedCredentials, settings.warmCredentials)
  console.log(`stored in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  server = await startServer({ BRANDWAVE_DATA_DIR: dataDir })
  const scale = await storedAtScale(server.url, tokens)
  await server.stop()
  table({
    [`cold verification (cache empty), 1 connection`]: scale.coldSample,
    [`the same keys again, warm, 1 connection`]: scale.warmSample,
    [`${tokens.length - settings.coldSamples} distinct keys, cold, ${connections} connections`]: scale.warming,
  })
  console.log(`R3 cold verification: p50 ${scale.coldSample.p50Ms.toFixed(2)} ms, p99 ${scale.coldSample.p99Ms.toFixed(2)} ms (warm: p50 ${scale.warmSample.p50Ms.toFixed(2)}, p99 ${scale.warmSample.p99Ms.toFixed(2)})`)
  console.log(`memory: RSS ${scale.rssStoredMb} MB (heap ${scale.heapStoredMb} MB) with ${settings.storedCredentials.toLocaleString('en')} stored credentials`)
  console.log(`        RSS ${scale.rssWarmMb} MB (heap ${scale.heapWarmMb} MB) with ${scale.cacheEntries.toLocaleString('en')} of them warm: at most ${scale.heapBytesPerWarmEntry} heap bytes per warm credential`)
  result.embedded.scale = scale
  result.memory = {
    storedCredentials: settings.storedCredentials,
    rssStoredMb: scale.rssStoredMb,
    heapStoredMb: scale.heapStoredMb,
    warmCredentials: scale.cacheEntries,
    rssWarmMb: scale.rssWarmMb,
    heapWarmMb: scale.heapWarmMb,
    heapBytesPerWarmEntry: scale.heapBytesPerWarmEntry,
  }

  const databaseUrl = process.env.DATABASE_URL ?? process.env.TEST_DATABASE_URL
  const redisUrl = process.env.REDIS_URL ?? process.env.TEST_REDIS_URL
  if (databaseUrl && redisUrl) {
    console.log('\nPostgreSQL + Redis, two instances (one strict, one cached), loaded in turn')
    const shared = await sharedInstances(databaseUrl, redisUrl)
    table(shared)
    const strict = shared['GET /v1/me, BRANDWAVE_REVOCATION=strict'].requestsPerSecond
    result.shared = shared
    result.ratios.R1_sharedAuthenticatedOverUnauthenticated = ratio(strict, shared['unauthenticated GET /healthz (strict instance)'].requestsPerSecond)
    result.ratios.R4_strictOverCached = ratio(strict, shared['GET /v1/me, BRANDWAVE_REVOCATION=cached'].requestsPerSecond)
    result.ratios.sharedMeOverFloor = ratio(strict, shared[SHARED_FLOOR].requestsPerSecond)
    const strictCpu = shared['GET /v1/me, BRANDWAVE_REVOCATION=strict'].cpuMicrosecondsPerRequest
    const floorCpu = shared[SHARED_FLOOR].cpuMicrosecondsPerRequest
    if (strictCpu !== undefined && floorCpu !== undefined) result.cpuRatios = { ...result.cpuRatios, sharedMeOverFloor: ratio(floorCpu, strictCpu) }
    console.log(`PostgreSQL + Redis: /v1/me strict ÷ floor ${result.ratios.sharedMeOverFloor} (by CPU time ${result.cpuRatios?.sharedMeOverFloor ?? '?'}), target ≥ 0.6${result.ratios.sharedMeOverFloor >= 0.6 ? '' : '  NOT MET'}`)
    console.log(`R1 on PostgreSQL + Redis: ${result.ratios.R1_sharedAuthenticatedOverUnauthenticated}`)
    console.log(`R4 strict ÷ cached revocation: ${result.ratios.R4_strictOverCached}`)
  } else {
    console.log('\nR4 skipped: set DATABASE_URL and REDIS_URL (or TEST_DATABASE_URL and TEST_REDIS_URL) to measure PostgreSQL + Redis')
  }

  result.loadAverageAtEnd = loadavg().map((load) => Number(load.toFixed(2)))
  console.log(`\n${markdown(result)}`)
  const file = join(root, 'bench/results', `${result.date.replace(/[:.]/g, '-')}${quick ? '-quick' : ''}.json`)
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`)
  console.log(`\nwritten to ${file}`)
} finally {
  await floor?.stop()
  await conventions?.stop()
  await healthzBytes?.stop()
  await verificationBytes?.stop()
  await server?.stop()
  rmSync(dataDir, { recursive: true, force: true })
}
