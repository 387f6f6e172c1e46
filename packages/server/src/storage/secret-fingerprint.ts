import { createHmac } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

const KEY = 'secret_fingerprint'

export class SecretMismatchError extends Error {
  constructor() {
    super(
      'BRANDWAVE_SECRET is not the secret this database was set up with: every stored token, session and encrypted value would be unusable. ' +
        'Start with the original secret (or, for a throwaway database, start from an empty one).',
    )
    this.name = 'SecretMismatchError'
  }
}

/**
 * Records which master secret the database's hashes and ciphertexts depend on, and refuses
 * to serve with another one: a changed secret silently invalidates every token, which
 * users would otherwise discover one 401 at a time.
 */
export async function checkSecretFingerprint(db: Kysely<Database>, tokenHashKey: Buffer): Promise<void> {
  // A keyed hash of a constant: reveals nothing about the key, changes with it.
  const fingerprint = createHmac('sha256', tokenHashKey).update('brandwave secret fingerprint v1').digest('base64url')
  await db.insertInto('settings').values({ key: KEY, value: fingerprint }).onConflict((oc) => oc.column('key').doNothing()).execute()
  const stored = await db.selectFrom('settings').select('value').where('key', '=', KEY).executeTakeFirstOrThrow()
  if (stored.value !== fingerprint) throw new SecretMismatchError()
}
