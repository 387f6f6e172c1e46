import type { AuditAction } from '@brandwave/contract'
import { actorOf, type Principal } from '../auth/principal.js'
import type { AuditActorType, AuditTargetType } from '../storage/schema.js'

export interface AuditActor {
  readonly type: AuditActorType
  readonly id: string | null
  readonly name: string | null
}

export interface AuditTarget {
  readonly type: AuditTargetType
  readonly id: string
  readonly name: string | null
}

export const ANONYMOUS: AuditActor = { type: 'anonymous', id: null, name: null }

/** A principal as an audit actor; a PAT acts as its owner, and the event says through which token. */
export function auditActorOf(principal: Principal): { actor: AuditActor; via: Record<string, unknown> } {
  const actor = actorOf(principal)
  const via =
    principal.kind === 'credential' && principal.userId !== null
      ? { via: { type: 'personal_access_token', id: principal.credential.id } }
      : principal.kind === 'oauth'
        ? { via: { type: 'oauth_app', id: principal.clientId, name: principal.clientName } }
        : {}
  return { actor, via }
}

export interface AuditRecord {
  readonly organizationId: string | null
  readonly action: AuditAction
  readonly actor: AuditActor
  readonly target: AuditTarget | null
  /** What changed; never a secret (the tests search every response of the audit log for them). */
  readonly details?: Readonly<Record<string, unknown>>
}
