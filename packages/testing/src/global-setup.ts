import { randomBytes } from 'node:crypto'
import { dropPostgresDatabases } from './databases.js'

/**
 * Once per test run: names the run, so that the template databases its workers make
 * (`server.ts`, `firstStart`) are told apart from another run's on the same PostgreSQL, and
 * drops them when the run ends.
 */
export default function setup(): () => Promise<void> {
  const run = randomBytes(4).toString('hex')
  process.env.BRANDWAVE_TEST_RUN = run
  return () => dropPostgresDatabases(`bw_tmpl_${run}_`)
}
