import { randomBytes } from 'node:crypto'
import { ApiError } from '@brandwave/core'
import { sql, type Kysely } from 'kysely'
import { hashPassword } from '../sign-in/passwords.js'
import { isoAt, type Clock } from '../clock.js'
import type { Config } from '../config.js'
import { newId } from '../ids.js'
import type { Dialect } from '../storage/database.js'
import { organizationRepository } from '../storage/organizations.js'
import type { Database } from '../storage/schema.js'
import { checkNewPassword } from '../sign-in/sessions.js'

export type BootstrapResult =
  | { readonly created: false }
  | { readonly created: true; readonly email: string; readonly organizationId: string; readonly generatedPassword: string | null }

/** A valid address (unlike `admin@localhost`), so the admin can be added to other organizations. */
export const DEFAULT_ADMIN_EMAIL = 'admin@brandwave.local'

// Any constant shared by all instances; only bootstrap takes this lock.
const BOOTSTRAP_LOCK_ID = 0x62770001

/**
 * On an empty database, creates the first organization and its admin (SPEC §8). Several
 * instances starting at once against one PostgreSQL create exactly one: the check and the
 * insert run under a transaction-scoped advisory lock.
 */
export async function bootstrapFirstAdmin(db: Kysely<Database>, dialect: Dialect, config: Config['bootstrap'], clock: Clock): Promise<BootstrapResult> {
  const generatedPassword = config.adminPassword === null ? randomBytes(18).toString('base64url') : null
  const password = config.adminPassword ?? generatedPassword ?? ''
  try {
    checkNewPassword(password, 'BRANDWAVE_ADMIN_PASSWORD')
  } catch (error) {
    if (error instanceof ApiError) throw new Error(`BRANDWAVE_ADMIN_PASSWORD ${error.details[0]?.message ?? 'is not acceptable'}`, { cause: error })
    throw error
  }
  const email = config.adminEmail ?? DEFAULT_ADMIN_EMAIL
  const passwordHash = await hashPassword(password)

  return db.transaction().execute(async (trx) => {
    if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(${BOOTSTRAP_LOCK_ID})`.execute(trx)
    const organizations = organizationRepository(trx)
    if ((await organizations.countOrganizations()) > 0) return { created: false } as const
    const createdAt = isoAt(clock.now())
    const organization = await organizations.createOrganization({ id: newId(), name: config.organizationName, createdAt })
    const user = await organizations.createUser({ id: newId(), email, name: 'Administrator', passwordHash, createdAt })
    await organizations.addMember({ organizationId: organization.id, userId: user.id, role: 'company_admin', createdAt })
    return { created: true, email, organizationId: organization.id, generatedPassword } as const
  })
}
