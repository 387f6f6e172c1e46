import cluster, { type Worker } from 'node:cluster'
import { RateLimiterCluster, RateLimiterClusterMaster } from 'rate-limiter-flexible'
import type { CounterStoreFactory } from '../shared-state/counters.js'
import type { Config } from '../config.js'
import { deriveKeys, loadMasterSecret } from '../secret.js'
import { systemClock } from '../clock.js'
import { boot, describeTokenPrefixes, startServer } from '../server.js'
import { openDatabase } from '../storage/database.js'
import { announce, printBootstrap } from './announce.js'

/** Counters kept by the primary for every worker (when no Redis is configured). */
const clusterCounters: CounterStoreFactory = ({ name, windowSeconds }) =>
  new RateLimiterCluster({ keyPrefix: name, points: Number.MAX_SAFE_INTEGER, duration: windowSeconds, timeoutMs: 2000 })

/**
 * `BRANDWAVE_WORKERS=N`: N processes share the port, with the same guarantees as one. The
 * primary migrates, creates the first admin and the secret once, then forks; without
 * Redis it also keeps the rate-limit counters, so limits are shared by all workers. Access
 * changes reach every worker through the database itself (SQLite's data_version) or Redis.
 */
export async function startCluster(config: Config): Promise<void> {
  if (cluster.isPrimary) return runPrimary(config)
  return runWorker(config)
}

async function runPrimary(config: Config): Promise<void> {
  const { secret } = loadMasterSecret(config)
  const database = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir })
  try {
    const booted = await boot(config, database, deriveKeys(secret), { clock: systemClock, bootstrap: true, progress: (line) => process.stdout.write(`${line}\n`) })
    process.stdout.write(`${describeTokenPrefixes(booted.tokenPrefixes)}\n`)
    printBootstrap(booted.bootstrap)
  } finally {
    await database.close()
  }
  if (config.redisUrl === null) new RateLimiterClusterMaster()

  let stopping = false
  let announced = false
  const fork = (): Worker => cluster.fork()
  for (let i = 0; i < config.workers; i++) fork()
  cluster.on('listening', (_worker, address) => {
    if (announced) return
    announced = true
    const host = address.address === null || address.address === '' ? config.host : address.address
    announce(`http://${host.includes(':') ? `[${host}]` : host}:${address.port}`, `${config.databaseUrl === null ? 'sqlite' : 'postgres'}, ${config.workers} workers`)
  })
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0)
      return
    }
    process.stderr.write(`worker ${worker.process.pid} exited (${signal ?? code}); starting another\n`)
    fork()
  })
  const stop = () => {
    if (stopping) return
    stopping = true
    const workers = Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined)
    if (workers.length === 0) process.exit(0)
    for (const worker of workers) worker.process.kill('SIGTERM')
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}

async function runWorker(config: Config): Promise<void> {
  const server = await startServer(config, { bootstrap: false, ...(config.redisUrl === null && { counters: clusterCounters }) })
  let stopping = false
  const stop = () => {
    if (stopping) return
    stopping = true
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  process.on('SIGTERM', stop)
  // The primary decides when to stop: Ctrl-C reaches every process of the group.
  process.on('SIGINT', () => undefined)
}
