import type { CredentialPolicy } from '@brandwave/core'
import type { Kysely } from 'kysely'
import type { ActorType, Database } from './schema.js'

/** An organization's policy as stored, with who set it last. */
export interface StoredCredentialPolicy extends CredentialPolicy {
  readonly updatedAt: string
  readonly updatedBy: { readonly type: ActorType; readonly id: string | null; readonly name: string }
}

/** Each organization's credential policy: one row, replaced whole. */
export function credentialPolicyRepository(db: Kysely<Database>) {
  return {
    async find(organizationId: string): Promise<StoredCredentialPolicy | undefined> {
      const row = await db.selectFrom('credential_policies').selectAll().where('organization_id', '=', organizationId).executeTakeFirst()
      if (row === undefined) return undefined
      return {
        maxLifetimeSeconds: row.max_lifetime_seconds === null ? null : Number(row.max_lifetime_seconds),
        expiryRequired: Number(row.expiry_required) === 1,
        allowedEnvironments: JSON.parse(row.allowed_environments) as ('live' | 'test')[],
        liveRequiresAllowedIps: Number(row.live_requires_allowed_ips) === 1,
        updatedAt: row.updated_at,
        updatedBy: { type: row.updated_by_type, id: row.updated_by_id, name: row.updated_by_name },
      }
    },

    async put(organizationId: string, policy: StoredCredentialPolicy): Promise<void> {
      const values = {
        max_lifetime_seconds: policy.maxLifetimeSeconds,
        expiry_required: policy.expiryRequired ? 1 : 0,
        allowed_environments: JSON.stringify(policy.allowedEnvironments),
        live_requires_allowed_ips: policy.liveRequiresAllowedIps ? 1 : 0,
        updated_at: policy.updatedAt,
        updated_by_type: policy.updatedBy.type,
        updated_by_id: policy.updatedBy.id,
        updated_by_name: policy.updatedBy.name,
      }
      await db
        .insertInto('credential_policies')
        .values({ organization_id: organizationId, ...values })
        .onConflict((conflict) => conflict.column('organization_id').doUpdateSet(values))
        .execute()
    },
  }
}

export type CredentialPolicyRepository = ReturnType<typeof credentialPolicyRepository>
