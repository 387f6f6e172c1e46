import { parseArgs } from 'node:util'
import { ConfigError, loadConfig } from '../config.js'
import { migrate } from './migrate.js'
import { start } from './start.js'

const USAGE = `Usage: brandwave <command>

Commands:
  start [--workers N]   serve the API and its docs (migrates the database first);
                        N processes share the port (default: BRANDWAVE_WORKERS, 1)
  migrate               bring the database schema up to date and exit

Settings come from the environment (PORT, HOST, DATABASE_URL, BRANDWAVE_SECRET, …);
see the README for the full list.
`

const commands: Record<string, (config: ReturnType<typeof loadConfig>) => Promise<void>> = { start, migrate }

/** Runs one CLI command; exits the process with 2 on a usage or configuration error. */
export async function runCli(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: false,
    options: { help: { type: 'boolean', short: 'h' }, workers: { type: 'string' } },
  })
  const name = positionals[0]
  if (values.help === true || name === undefined || name === 'help') {
    process.stdout.write(USAGE)
    return
  }
  const command = commands[name]
  if (command === undefined) {
    process.stderr.write(`Unknown command "${name}".\n\n${USAGE}`)
    process.exit(2)
  }
  let config
  try {
    // A flag wins over the environment; config validates both the same way.
    const workers = typeof values.workers === 'string' ? { BRANDWAVE_WORKERS: values.workers } : {}
    config = loadConfig({ ...process.env, ...workers })
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`)
      process.exit(2)
    }
    throw error
  }
  await command(config)
}

/** Runs the CLI and turns a failure into a one-line message and exit code 1. */
export function runCliAndExitOnError(argv: string[]): void {
  runCli(argv).catch((error: unknown) => {
    process.stderr.write(`brandwave: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exit(1)
  })
}
