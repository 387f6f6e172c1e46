#!/usr/bin/env node
import { runCliAndExitOnError } from './commands/cli.js'

runCliAndExitOnError(process.argv.slice(2))
