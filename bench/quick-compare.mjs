// For iterating on performance work: the floor and Brandwave's hot routes, alternated,
// without the long phases of bench.mjs. `node bench/quick-compare.mjs [seconds] [rounds]`.
// BENCH_SERVER_NODE_ARGS (see harness.mjs) profiles both servers.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { alternate, api, load, pinLoadGenerator, ratio, root, signIn, startServer, table } from './harness.mjs'

const duration = Number(process.argv[2] ?? 4)
const rounds = Number(process.argv[3] ?? 2)
pinLoadGenerator()
const dataDir = mkdtempSync(join(tmpdir(), 'brandwave-compare-'))
const extra = {}
const floor = await startServer(extra, join(root, 'bench/floor.mjs'))
const conventions = await startServer({ ...extra, FLOOR_CONVENTIONS: '1' }, join(root, 'bench/floor.mjs'))
const bytes = await startServer({ ...extra, FLOOR_CONVENTIONS: 'bytes' }, join(root, 'bench/floor.mjs'))
const verifyBytes = await startServer({ ...extra, FLOOR_CONVENTIONS: 'verify-bytes' }, join(root, 'bench/floor.mjs'))
const server = await startServer({ BRANDWAVE_DATA_DIR: dataDir, ...extra })
try {
  const session = await signIn(server.url)
  const key = await api(server.url, '/v1/api-keys', { method: 'POST', token: session, body: { name: 'bench', scopes: ['api_keys:read'], rateLimit: { requestsPerMinute: 1_000_000 } } })
  const caller = await api(server.url, '/v1/api-keys', { method: 'POST', token: session, body: { name: 'caller', scopes: ['api_keys:workflow'], rateLimit: { requestsPerMinute: 1_000_000 } } })
  const routes = {
    floor: () => load(floor.url, '/', { duration, pid: floor.pid }),
    conventions: () => load(conventions.url, '/', { duration, pid: conventions.pid }),
    "floor with /healthz's bytes": () => load(bytes.url, '/', { duration, pid: bytes.pid }),
    "floor with a verification's bytes": () => load(verifyBytes.url, '/', { method: 'POST', headers: { authorization: `Bearer ${caller.token}` }, body: { key: key.token }, duration, pid: verifyBytes.pid }),
    healthz: () => load(server.url, '/healthz', { duration, pid: server.pid }),
    me: () => load(server.url, '/v1/me', { headers: { authorization: `Bearer ${key.token}` }, duration, pid: server.pid }),
    verify: () => load(server.url, '/v1/keys/verify', { method: 'POST', headers: { authorization: `Bearer ${caller.token}` }, body: { key: key.token }, duration, pid: server.pid }),
  }
  for (const measure of Object.values(routes)) await measure()
  const summary = await alternate(rounds, routes)
  table(summary)
  const f = summary.floor.requestsPerSecond
  const c = summary.floor.cpuMicrosecondsPerRequest
  for (const name of ['conventions', "floor with /healthz's bytes", 'healthz', "floor with a verification's bytes", 'me', 'verify']) console.log(`${name} ÷ floor ${ratio(summary[name].requestsPerSecond, f)} (by CPU time ${c === undefined ? '?' : ratio(c, summary[name].cpuMicrosecondsPerRequest)})`)
} finally {
  await server.stop()
  await floor.stop()
  await conventions.stop()
  await bytes.stop()
  await verifyBytes.stop()
  rmSync(dataDir, { recursive: true, force: true })
}
