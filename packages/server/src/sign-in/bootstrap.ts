import { randomBytes } from 'node:crypto'
import { ApiError } from '@brandwave/core'
import { hashPassword } from './passwords.js'
import { isoAt, type Clock } from '../clock.js'
import type { Config } from '../config.js'
import { newId } from '../ids.js'
import type { Storage } from '../storage/index.js'
import { checkNewPassword } from './sessions.js'

export type BootstrapResult =
  | { readonly created: false }
  | { readonly created: true; readonly email: string; readonly organizationId: string; readonly generatedPassword: string | null }

/** A valid address (unlike `admin@localhost`), so the admin can be added to other organizations. */
export const DEFAULT_ADMIN_EMAIL = 'admin@brandwave.local'

/**
 * On an empty database, creates the first organization and its admin (SPEC §8). Several
 * instances starting at once against one PostgreSQL create exactly one: the check and the
 * insert run under a transaction-scoped advisory lock.
 */
export async function bootstrapFirstAdmin(storage: Storage, config: Config['bootstrap'], clock: Clock): Promise<BootstrapResult> {
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

  return storage.transaction(async (repos) => {
    await repos.organizations.lockForBootstrap()
    if ((await repos.organizations.count()) > 0) return { created: false } as const
    const createdAt = isoAt(clock.now())
    const organization = await repos.organizations.create({ id: newId(), name: config.organizationName, createdAt })
    const user = await repos.users.create({ id: newId(), email, name: 'Administrator', passwordHash, createdAt })
    await repos.memberships.add({ organizationId: organization.id, userId: user.id, role: 'company_admin', createdAt })
    return { created: true, email, organizationId: organization.id, generatedPassword } as const
  })
}
