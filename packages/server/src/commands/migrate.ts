import type { Config } from '../config.js'
import { openDatabase } from '../storage/database.js'
import { migrateToLatest } from '../storage/migrations/index.js'

/** `brandwave migrate`: bring the schema up to date and exit (start does it too). */
export async function migrate(config: Config): Promise<void> {
  const database = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir })
  try {
    const applied = await migrateToLatest(database)
    process.stdout.write(applied.length === 0 ? 'The database schema is up to date.\n' : `Applied: ${applied.join(', ')}\n`)
  } finally {
    await database.close()
  }
}
