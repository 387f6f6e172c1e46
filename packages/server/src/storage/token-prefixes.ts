import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

/** One settings row per prefix ever issued (`token_prefix:bwp`), valued with when it was first used. */
const SETTING = 'token_prefix:'

export interface TokenPrefixes {
  /** The prefix new tokens get: BRANDWAVE_TOKEN_PREFIX. */
  readonly current: string
  /** Prefixes this deployment issued before, still accepted on presented tokens. */
  readonly earlier: readonly string[]
  /** `current` first, then `earlier`: everything a presented token may start with. */
  readonly accepted: readonly string[]
}

/**
 * Records the current token prefix and returns every prefix the deployment has issued.
 * The stored hash covers the whole token, so a token issued under an earlier prefix can be
 * verified as it is: changing the prefix must not silently invalidate every credential.
 *
 * @example
 * const prefixes = await recordTokenPrefix(db, 'bw', new Date()) // after running as `bwp`
 * prefixes.accepted // ['bw', 'bwp']
 */
export async function recordTokenPrefix(db: Kysely<Database>, current: string, now: Date): Promise<TokenPrefixes> {
  await db.insertInto('settings').values({ key: `${SETTING}${current}`, value: now.toISOString() }).onConflict((oc) => oc.column('key').doNothing()).execute()
  // A handful of rows: filtered here rather than with LIKE, where `_` is a wildcard.
  const rows = await db.selectFrom('settings').select(['key', 'value']).orderBy('value').orderBy('key').execute()
  const earlier = rows.filter((row) => row.key.startsWith(SETTING)).map((row) => row.key.slice(SETTING.length)).filter((prefix) => prefix !== current)
  return { current, earlier, accepted: [current, ...earlier] }
}
