import { ApiError } from '@brandwave/core'
import type { FastifyInstance } from 'fastify'

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const

/** Longer than this, a path parameter cannot be an id: the router answers 404 (see app.ts). */
export const MAX_PATH_PARAMETER_LENGTH = 200

/**
 * The 405 for a path that exists under other methods (RFC 9110 §15.5.6), or null when the
 * path itself is unknown (a 404). `PUT /v1/api-keys` is a wrong method, not a missing page:
 * the answer says which methods would work, in `Allow` and in the message.
 *
 * @example
 * methodNotAllowed(app, 'PUT', '/v1/api-keys')?.headers // { allow: 'GET, HEAD, POST, OPTIONS' }
 */
export function methodNotAllowed(app: FastifyInstance, method: string, url: string): ApiError | null {
  const path = url.split('?', 1)[0] ?? url
  // A segment that long cannot be an id (nor any route's name): nothing is there.
  if (path.split('/').some((segment) => segment.length > MAX_PATH_PARAMETER_LENGTH)) return null
  // A wildcard route (the dashboard's page fallback) matches every path: it says nothing
  // about whether this one exists.
  const exists = (candidate: string) => {
    const route = app.findRoute({ method: candidate, url: path })
    return route !== null && !('*' in (route.params as Record<string, unknown>))
  }
  const allowed: string[] = METHODS.filter((candidate) => candidate !== method && exists(candidate))
  if (allowed.length === 0) return null
  // Preflights are answered on every path; listed only where the path exists at all.
  if (app.findRoute({ method: 'OPTIONS', url: path }) !== null) allowed.push('OPTIONS')
  const allow = allowed.join(', ')
  return new ApiError('method_not_allowed', `${method} is not supported here; this path supports ${allow}.`, { headers: { allow } })
}
