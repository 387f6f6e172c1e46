import type { CredentialTypeName } from '@brandwave/contract'
import type { Role, Scope } from '@brandwave/core'
import type { CredentialRecord } from '../storage/credentials.js'
import type { ActorType } from '../storage/schema.js'

interface PrincipalBase {
  readonly organizationId: string
  /** What this principal may do right now (SPEC §4), already bounded by its owner's role. */
  readonly scopes: ReadonlySet<Scope>
  /** The counter this principal's requests are limited by, and its limit. */
  readonly rateLimit: { readonly key: string; readonly perMinute: number }
}

/** A user signed in through `/v1/auth/login`, calling with the session's access JWT. */
export interface SessionPrincipal extends PrincipalBase {
  readonly kind: 'session'
  readonly sessionId: string
  /** When the user signed in (refreshes do not move it): how fresh the proof of identity is. */
  readonly sessionCreatedAt: string
  readonly userId: string
  readonly email: string
  readonly name: string
  readonly role: Role
  readonly twoFactorEnabled: boolean
}

/** A PAT (acting as its owner) or an organization API key. */
export interface CredentialPrincipal extends PrincipalBase {
  readonly kind: 'credential'
  readonly type: CredentialTypeName
  readonly credential: CredentialRecord
  /** The owner of a PAT; null for API keys, which belong to the organization. */
  readonly userId: string | null
  readonly userName: string | null
  readonly role: Role | null
}

/**
 * A third-party app acting for a user through an OAuth access token (SPEC §6): bounded by
 * the scopes the user granted it and, like a PAT, by the user's current role.
 */
export interface OAuthPrincipal extends PrincipalBase {
  readonly kind: 'oauth'
  readonly clientId: string
  readonly clientName: string | null
  /** The consent the token came from: revoking it ends the token. */
  readonly grantId: string
  readonly userId: string
  readonly userName: string
  readonly email: string
  readonly role: Role
  /** Every scope granted, identity scopes (`openid`, `email`, `profile`) included. */
  readonly grantedScopes: readonly string[]
}

/**
 * The operator at the machine, through `brandwave` (SPEC §11): whoever can read the
 * server's settings already holds its secret, so it acts with a company_admin's scopes in
 * the one organization it names. It is no user and holds no credential: it is recorded
 * as the system actor, with the operating-system account it ran under.
 */
export interface OperatorPrincipal extends PrincipalBase {
  readonly kind: 'operator'
  readonly name: string
  readonly userId: null
  readonly role: Role
}

/** Whoever is calling over HTTP, once authenticated (SPEC §7). */
export type RequestPrincipal = SessionPrincipal | CredentialPrincipal | OAuthPrincipal

/** Whoever acts through the services: a caller of the API, or the operator CLI. */
export type Principal = RequestPrincipal | OperatorPrincipal

/** How a principal appears as `createdBy` and in the audit log. */
export function actorOf(principal: Principal): { type: ActorType; id: string | null; name: string } {
  if (principal.kind === 'operator') return { type: 'system', id: null, name: principal.name }
  if (principal.kind === 'session') return { type: 'user', id: principal.userId, name: principal.name }
  if (principal.kind === 'oauth') return { type: 'user', id: principal.userId, name: principal.userName }
  if (principal.userId !== null) return { type: 'user', id: principal.userId, name: principal.userName ?? '' }
  return { type: 'api_key', id: principal.credential.id, name: principal.credential.name }
}
