/**
 * Scopes are `resource:action` (SPEC §4). `read` covers GET; `write` create and update;
 * `delete` revoke and remove; `workflow` state transitions such as rotate, reset and verify.
 */
export type ScopeAction = 'read' | 'write' | 'delete' | 'workflow'
export const SCOPE_ACTIONS: readonly ScopeAction[] = ['read', 'write', 'delete', 'workflow']

export type Scope = `${string}:${ScopeAction}`

export type Role = 'company_admin' | 'member'
export const ROLES: readonly Role[] = ['company_admin', 'member']

/** Resources Brandwave itself manages; the host product adds its own with `BRANDWAVE_RESOURCES`. */
export const BUILT_IN_RESOURCES = {
  personal_access_tokens: 'personal access tokens',
  api_keys: 'organization API keys',
  members: 'organization members',
  audit_logs: 'the audit log',
  organization: 'organization settings',
  webhooks: 'webhook endpoints and their deliveries',
} as const

export type BuiltInResource = keyof typeof BUILT_IN_RESOURCES

/** Host resource names: lowercase snake_case, so they read well inside `resource:action`. */
export const RESOURCE_NAME_PATTERN = /^[a-z][a-z0-9_]{0,62}$/
export const SCOPE_PATTERN = /^[a-z][a-z0-9_]{0,62}:(read|write|delete|workflow)$/

/**
 * Whether `text` has the shape of a scope (not whether any resource defines it).
 *
 * @example
 * isScope('contacts:read') // true
 */
export function isScope(text: string): text is Scope {
  return SCOPE_PATTERN.test(text)
}

export interface ScopeDescription {
  readonly scope: Scope
  readonly resource: string
  readonly action: ScopeAction
  readonly description: string
  /** `brandwave` for built-in resources, `host` for the product's own (`BRANDWAVE_RESOURCES`). */
  readonly origin: 'brandwave' | 'host'
}

const ACTION_VERBS: Record<ScopeAction, string> = {
  read: 'List and read',
  write: 'Create and update',
  delete: 'Revoke and remove',
  workflow: 'Run state transitions (rotate, reset, verify) on',
}

/** The scopes a deployment knows about, and which of them each role holds. */
export interface ScopeCatalog {
  readonly scopes: readonly ScopeDescription[]
  has(scope: string): scope is Scope
  /** Every scope: what an organization (and so its API keys) can be granted. */
  readonly all: ReadonlySet<Scope>
  /** Every scope the role holds in an organization of this deployment. */
  roleScopes(role: Role): ReadonlySet<Scope>
}

/**
 * Builds the catalog from the host product's resource names (already validated by config).
 *
 * @example
 * const catalog = createScopeCatalog(['contacts', 'leads'])
 * catalog.has('contacts:read') // true
 */
export function createScopeCatalog(hostResources: readonly string[]): ScopeCatalog {
  const scopes: ScopeDescription[] = []
  const builtIn = Object.entries(BUILT_IN_RESOURCES).map(([resource, noun]) => ({ resource, noun, origin: 'brandwave' as const }))
  const host = hostResources
    .filter((resource) => !(resource in BUILT_IN_RESOURCES))
    .map((resource) => ({ resource, noun: resource.replaceAll('_', ' '), origin: 'host' as const }))
  for (const { resource, noun, origin } of [...builtIn, ...host]) {
    for (const action of SCOPE_ACTIONS) {
      scopes.push({ scope: `${resource}:${action}`, resource, action, description: `${ACTION_VERBS[action]} ${noun}.`, origin })
    }
  }
  const known = new Set<string>(scopes.map((s) => s.scope))
  const admin = new Set<Scope>(scopes.map((s) => s.scope))
  // A member works with the host product's data and manages only their own tokens.
  const member = new Set<Scope>(
    scopes.filter((s) => s.origin === 'host' || s.resource === 'personal_access_tokens').map((s) => s.scope),
  )
  return {
    scopes,
    has: (scope: string): scope is Scope => known.has(scope),
    all: admin,
    roleScopes: (role) => (role === 'company_admin' ? admin : member),
  }
}

/**
 * What a credential may do right now: its own scopes bounded by what its owner may do
 * (SPEC §1: demoting the owner shrinks the token at once). `null` scopes mean "everything
 * the owner can do" (a PAT created without scopes).
 *
 * @example
 * effectiveScopes(['contacts:read', 'api_keys:write'], catalog.roleScopes('member'))
 * // Set { 'contacts:read' }
 */
export function effectiveScopes(granted: readonly Scope[] | null, ownerScopes: ReadonlySet<Scope>): ReadonlySet<Scope> {
  if (granted === null) return ownerScopes
  const result = new Set<Scope>()
  for (const scope of granted) if (ownerScopes.has(scope)) result.add(scope)
  return result
}

/**
 * The scopes in `requested` that `holder` lacks: nobody mints a credential with a scope
 * it does not hold itself (SPEC §4).
 *
 * @example
 * missingScopes(['api_keys:write'], principal.scopes) // ['api_keys:write']
 */
export function missingScopes(requested: readonly Scope[], holder: ReadonlySet<Scope>): Scope[] {
  return requested.filter((scope) => !holder.has(scope))
}

/**
 * The scopes among `carried` that only a `company_admin` holds: a credential carrying any
 * of them can manage the organization, so minting one takes proof of the owner (step-up).
 *
 * @example
 * adminOnlyScopes(catalog, ['contacts:read', 'members:write']) // ['members:write']
 */
export function adminOnlyScopes(catalog: ScopeCatalog, carried: Iterable<Scope>): Scope[] {
  const member = catalog.roleScopes('member')
  return [...carried].filter((scope) => !member.has(scope))
}
