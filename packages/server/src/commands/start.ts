import type { Config } from '../config.js'
import { describeTokenPrefixes, startServer } from '../server.js'
import { announce, printBootstrap } from './announce.js'
import { startCluster } from './cluster.js'

/**
 * `npm start` / `brandwave start`: serve Brandwave until SIGTERM or SIGINT, then drain
 * in-flight requests, flush pending usage writes and exit 0 (SPEC §8). With
 * `BRANDWAVE_WORKERS` above 1, as a cluster of that many processes.
 */
export async function start(config: Config): Promise<void> {
  if (config.workers > 1) return startCluster(config)
  const server = await startServer(config, { progress: (line) => process.stdout.write(`${line}\n`) })
  // Before announcing readiness: whoever waits for the announcement may signal at once.
  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    server.app.log.info({ signal }, 'shutting down: draining requests and flushing usage')
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        server.app.log.error({ err: error }, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))

  process.stdout.write(`${describeTokenPrefixes(server.tokenPrefixes)}\n`)
  printBootstrap(server.bootstrap)
  announce(server.url, server.database.dialect)
}
