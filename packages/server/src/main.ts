import { runCliAndExitOnError } from './commands/cli.js'

/** `npm start [-- --workers N]`: the same as `brandwave start [--workers N]`. */
runCliAndExitOnError(['start', ...process.argv.slice(2)])
