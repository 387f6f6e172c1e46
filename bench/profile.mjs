// Where a request's CPU time goes, route by route: `node bench/profile.mjs [seconds]`
// (`npm run build` first). Each route is loaded alone, in a fresh server process under V8's
// sampling profiler (`--cpu-prof`), so every sample of the measured window belongs to that
// route; the floor is profiled the same way. Each sample is charged to the code that owns
// it (see `ownerOf`), and the table gives microseconds per request for each owner.
//
// The profiler slows every process it samples alike: compare the columns with each other,
// not with `npm run bench`'s figures. The profiles stay in bench/results/profiles-<date>/
// for Chrome DevTools or speedscope.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateToken } from '@brandwave/core'
import { randomBytes } from 'node:crypto'
import { api, load, pinLoadGenerator, root, sharedStack, signIn, startServer } from './harness.mjs'

const seconds = Number(process.argv[2] ?? 6)
// `--only a,b`: profile just these routes (names as in ROUTES), e.g. `--only '/v1/keys/verify,metered verify'`.
const onlyIndex = process.argv.indexOf('--only')
const only = onlyIndex === -1 ? null : new Set(process.argv[onlyIndex + 1].split(','))
// `--shared`: Brandwave's routes on PostgreSQL + Redis (DATABASE_URL and REDIS_URL, or the TEST_ ones), each in a database of its own.
const shared = process.argv.includes('--shared')
const databaseUrl = process.env.DATABASE_URL ?? process.env.TEST_DATABASE_URL
const redisUrl = process.env.REDIS_URL ?? process.env.TEST_REDIS_URL
if (shared && (!databaseUrl || !redisUrl)) throw new Error('--shared needs DATABASE_URL and REDIS_URL (or TEST_DATABASE_URL and TEST_REDIS_URL)')
const profiles = join(root, 'bench/results', `profiles-${new Date().toISOString().replace(/[:.]/g, '-')}`)

/** Who owns a sample: the first frame, from the innermost out, that belongs to one of these. */
const OWNERS = [
  ['Brandwave (its hooks, authentication, handlers, and what they call)', (url) => /\/packages\/(server|core|contract)\//.test(url) && !url.includes('node_modules')],
  ['Fastify (routing, hooks, reply, logger factory)', (url) => /node_modules\/(fastify|find-my-way|avvio|@fastify)\//.test(url)],
  ['Node: HTTP parser, headers, sockets, streams', (url) => /^node:(_http|net$|internal\/streams|internal\/stream_base)/.test(url)],
]
const LEAVES = new Map([
  ['writev', 'kernel: socket writes (one per response)'],
  ['writeUtf8String', 'kernel: socket writes (one per response)'],
  ['writeLatin1String', 'kernel: socket writes (one per response)'],
  ['(garbage collector)', 'garbage collection'],
  ['(program)', 'native: socket reads, libuv, V8'],
])

function ownerOf(node, parentOf) {
  const { functionName, url } = node.callFrame
  if (url === '' && LEAVES.has(functionName)) return LEAVES.get(functionName)
  // fast-json-stringify and Ajv compile the route schemas into functions without a file.
  if (url === '' && /^(anonymous\d*|validate\d+)$/.test(functionName)) return 'compiled schemas: response serializers, body validators'
  for (let current = node; current !== undefined; current = parentOf.get(current.id)) {
    const owner = OWNERS.find(([, owns]) => owns(current.callFrame.url))
    if (owner !== undefined) return owner[0]
  }
  return 'other'
}

/** µs per request by owner over [from, to] (CLOCK_MONOTONIC µs, as V8 stamps samples), and Brandwave's heaviest functions. */
function breakdown(file, from, to, requests) {
  const profile = JSON.parse(readFileSync(file, 'utf8'))
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]))
  const parentOf = new Map()
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node)
  const owners = new Map()
  const functions = new Map()
  let time = profile.startTime
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0
    time += delta
    const node = nodes.get(id)
    if (time < from || time > to || node.callFrame.functionName === '(idle)') return
    const owner = ownerOf(node, parentOf)
    owners.set(owner, (owners.get(owner) ?? 0) + delta)
    if (owner.startsWith('Brandwave')) {
      let own = node
      while (!OWNERS[0][1](own.callFrame.url)) own = parentOf.get(own.id)
      const name = `${own.callFrame.functionName || '(anonymous)'} ${own.callFrame.url.replace(/.*\/packages\//, '')}:${own.callFrame.lineNumber + 1}`
      functions.set(name, (functions.get(name) ?? 0) + delta)
    }
  })
  const perRequest = (map) => new Map([...map].map(([name, microseconds]) => [name, microseconds / requests]))
  return { owners: perRequest(owners), functions: perRequest(functions) }
}

/** Loads `path` twice (warm-up, then measured) on a server started under the profiler. */
async function profileRoute(name, start, request) {
  const directory = join(profiles, name)
  mkdirSync(directory, { recursive: true })
  const previous = process.env.BENCH_SERVER_NODE_ARGS
  process.env.BENCH_SERVER_NODE_ARGS = `--cpu-prof --cpu-prof-dir=${directory}`
  const server = await start()
  if (previous === undefined) delete process.env.BENCH_SERVER_NODE_ARGS
  else process.env.BENCH_SERVER_NODE_ARGS = previous
  try {
    const setup = await server.prepare?.()
    await request(server, setup, Math.min(seconds, 4))
    const from = process.hrtime.bigint() / 1000n
    const sample = await request(server, setup, seconds)
    const to = process.hrtime.bigint() / 1000n
    await server.stop()
    const [file] = readdirSync(directory).filter((entry) => entry.endsWith('.cpuprofile'))
    return { ...breakdown(join(directory, file), Number(from), Number(to), sample.requests), requestsPerSecond: sample.requestsPerSecond }
  } catch (error) {
    await server.stop()
    throw error
  }
}

async function brandwave() {
  if (shared) {
    const stack = await sharedStack(databaseUrl, redisUrl)
    const server = await brandwaveOn(stack.env)
    return {
      ...server,
      stop: async () => {
        await server.stop()
        await stack.drop()
      },
    }
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'brandwave-profile-'))
  const server = await brandwaveOn({ BRANDWAVE_DATA_DIR: dataDir })
  return {
    ...server,
    stop: async () => {
      await server.stop()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

function brandwaveOn(env) {
  return startServer(env).then((server) => ({
    ...server,
    prepare: async () => {
      const session = await signIn(server.url)
      const create = (name, scopes) => api(server.url, '/v1/api-keys', { method: 'POST', token: session, body: { name, scopes, rateLimit: { requestsPerMinute: 1_000_000 } } })
      const metered = await api(server.url, '/v1/api-keys', { method: 'POST', token: session, body: { name: 'metered', scopes: ['api_keys:read'], remaining: 2_000_000_000, rateLimit: { requestsPerMinute: 1_000_000 } } })
      return { key: await create('profiled', ['api_keys:read']), metered, caller: await create('caller', ['api_keys:workflow']) }
    },
  }))
}

const unknown = Array.from({ length: 10_000 }, () => generateToken('bw', 'live', randomBytes))
const ROUTES = {
  floor: [() => startServer({}, join(root, 'bench/floor.mjs')), (server, _setup, duration) => load(server.url, '/', { duration, pid: server.pid })],
  "floor with /healthz's bytes": [() => startServer({ FLOOR_CONVENTIONS: 'bytes' }, join(root, 'bench/floor.mjs')), (server, _setup, duration) => load(server.url, '/', { duration, pid: server.pid })],
  '/healthz': [brandwave, (server, _setup, duration) => load(server.url, '/healthz', { duration })],
  '/v1/me': [brandwave, (server, { key }, duration) => load(server.url, '/v1/me', { headers: { authorization: `Bearer ${key.token}` }, duration })],
  '/v1/keys/verify': [
    brandwave,
    (server, { key, caller }, duration) => load(server.url, '/v1/keys/verify', { method: 'POST', headers: { authorization: `Bearer ${caller.token}` }, body: { key: key.token }, duration }),
  ],
  // Issue 24: the same verification for a key with remaining uses, each call spending one.
  'metered verify': [
    brandwave,
    (server, { metered, caller }, duration) => load(server.url, '/v1/keys/verify', { method: 'POST', headers: { authorization: `Bearer ${caller.token}` }, body: { key: metered.token }, duration }),
  ],
  'unknown keys': [brandwave, (server, _setup, duration) => load(server.url, '/v1/me', { tokens: unknown, status: 401, duration })],
}

pinLoadGenerator()
const results = {}
for (const [name, [start, request]] of Object.entries(ROUTES)) {
  if (only !== null && !only.has(name)) continue
  results[name] = await profileRoute(name.replace(/\W+/g, '-').replace(/^-|-$/g, '') || 'route', start, request)
  console.error(`profiled ${name}`)
}

const names = Object.keys(results)
const owners = [...new Set(names.flatMap((name) => [...results[name].owners.keys()]))].sort((a, b) => (results[names[0]].owners.get(b) ?? 0) - (results[names[0]].owners.get(a) ?? 0))
const cell = (value) => (value === undefined ? '' : value.toFixed(2))
const rows = [
  ['µs of CPU per request, under the profiler', ...names],
  ...owners.map((owner) => [owner, ...names.map((name) => cell(results[name].owners.get(owner)))]),
  ['**total**', ...names.map((name) => `**${cell([...results[name].owners.values()].reduce((sum, value) => sum + value, 0))}**`)],
]
console.log(rows.map((row, index) => `| ${row.join(' | ')} |${index === 0 ? `\n|${' --- |'.repeat(row.length)}` : ''}`).join('\n'))
for (const name of names.filter((name) => results[name].functions.size > 0)) {
  const top = [...results[name].functions].sort((a, b) => b[1] - a[1]).slice(0, 8)
  console.log(`\n${name}, Brandwave's heaviest: ${top.map(([fn, microseconds]) => `${fn} ${microseconds.toFixed(2)}`).join('; ')}`)
}
console.log(`\nprofiles: ${profiles}`)
