import type { ScopeCatalog } from '@brandwave/core'
import { listScopes } from '@brandwave/contract'
import type { RouteRegistrar } from '../route-registrar.js'

/** The catalog of scopes credentials can be granted (SPEC §4). */
export function scopeRoutes(route: RouteRegistrar, { catalog }: { catalog: ScopeCatalog }): void {
  const items = catalog.scopes.map(({ scope, resource, action, description, origin }) => ({ scope, resource, action, description, origin }))
  const facets = { origin: { brandwave: items.filter((s) => s.origin === 'brandwave').length, host: items.filter((s) => s.origin === 'host').length } }
  route(listScopes, () => Promise.resolve({ status: 200, body: { items, totalCount: items.length, facets, nextCursor: null } }))
}
