import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

/** Deployment-wide values in `settings` that every instance reads (the OAuth signing key, sealed). */
export function settingsRepository(db: Kysely<Database>) {
  return {
    async read(key: string): Promise<string | undefined> {
      return (await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst())?.value
    },

    /** The first writer wins: instances starting together all read back the same value. */
    async insertIfAbsent(key: string, value: string): Promise<void> {
      await db.insertInto('settings').values({ key, value }).onConflict((conflict) => conflict.column('key').doNothing()).execute()
    },
  }
}

export type SettingsRepository = ReturnType<typeof settingsRepository>
