import { ApiError } from '@brandwave/core'
import { Command, CommanderError, Option } from 'commander'
import { ConfigError } from '../config.js'
import { adminCommand } from './admin.js'
import { loadCliConfig } from './config.js'
import { integerIn, UsageError } from './input.js'
import { keysCommand } from './keys.js'
import { scanCommand } from './scan.js'

/** Exit codes (SPEC §11): 0 done, 1 failed (one line says why), 2 usage error. */
const EXIT = { ok: 0, failed: 1, usage: 2 } as const

function buildProgram(): Command {
  const program = new Command('brandwave')
    .description('Operate a Brandwave deployment: run it, manage admins and API keys, scan for leaked tokens.')
    .addHelpText(
      'after',
      [
        '',
        'Commands that touch data read the settings the server reads (BRANDWAVE_DATA_DIR,',
        'or DATABASE_URL + BRANDWAVE_SECRET, and REDIS_URL) and work while servers run.',
        'Exit codes: 0 done, 1 failed, 2 usage error. Run `brandwave <command> --help` for examples.',
      ].join('\n'),
    )
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .showSuggestionAfterError()
    .allowExcessArguments(false)
    .helpCommand(true)

  program
    .command('start')
    .description('serve the API and its docs (migrates the database first)')
    .addOption(new Option('--workers <n>', 'processes sharing the port (default: BRANDWAVE_WORKERS, 1)').argParser(integerIn(1, 64)))
    .addHelpText('after', '\nExample:\n  npx brandwave start --workers 2')
    .action(async (options: { workers?: number }) => {
      // A flag wins over the environment; config validates both the same way.
      const { start } = await import('./start.js')
      await start(loadCliConfig(options.workers === undefined ? {} : { BRANDWAVE_WORKERS: String(options.workers) }))
    })

  program
    .command('migrate')
    .description('bring the database schema up to date and exit')
    .addHelpText('after', '\nExample:\n  DATABASE_URL=postgres://… BRANDWAVE_SECRET=… npx brandwave migrate')
    .action(async () => {
      const { migrate } = await import('./migrate.js')
      await migrate(loadCliConfig())
    })

  adminCommand(program)
  keysCommand(program)
  scanCommand(program)
  return program
}

function reasonOf(error: unknown): string {
  if (error instanceof ApiError) {
    const details = error.details.map((detail) => `${detail.field}: ${detail.message}`).join('; ')
    return details === '' ? error.message : `${error.message} (${details})`
  }
  return error instanceof Error ? error.message : String(error)
}

/** Runs one CLI command and returns its exit code; output goes to stdout and stderr. */
export async function runCli(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync([...argv], { from: 'user' })
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok
  } catch (error) {
    // Commander has printed its message (and the usage) already.
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage
    if (error instanceof ConfigError || error instanceof UsageError) {
      process.stderr.write(`brandwave: ${error.message}\n`)
      return EXIT.usage
    }
    // One line: a stack trace is for bugs, and these are not.
    process.stderr.write(`brandwave: ${reasonOf(error).replace(/\s*\n\s*/g, ' ')}\n`)
    return EXIT.failed
  }
}

/**
 * Runs the CLI and sets the exit code. `start` keeps the process alive after it returns
 * (the server listens); every other command lets the process end once its work is done.
 */
export function runCliAndExitOnError(argv: string[]): void {
  // `brandwave keys list | head`: a reader that stopped reading is not a failure.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0)
    throw error
  })
  void runCli(argv).then((code) => {
    if (code !== EXIT.ok) process.exit(code)
  })
}
