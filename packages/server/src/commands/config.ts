import { loadConfig, type Config } from '../config.js'

/** The server's settings, read the way the server reads them: the CLI must find the same database. */
export function loadCliConfig(overrides: Readonly<Record<string, string>> = {}): Config {
  return loadConfig({ ...process.env, ...overrides })
}
