import type { FastifyInstance } from 'fastify'

/**
 * Cross-origin policy, declared per route group in this one place (SPEC §3).
 *
 * - `none`: the API (`/v1`, `/api/v1`, `/api/accounts`) and the docs. Bearer credentials are
 *   high-value secrets that must not live in browser JavaScript on other origins, so neither
 *   preflights nor responses carry any `Access-Control-Allow-*` header and browsers refuse
 *   the call. Same-origin pages (the dashboard) are unaffected: CORS only governs others.
 * - `public`: the OAuth endpoints, when they exist — any origin, never with cookies.
 */
export type CorsPolicy = 'none' | 'public'

/** Preflights answered with what the policy allows; `none` allows nothing. */
export function applyCorsPolicy(group: FastifyInstance, policy: CorsPolicy): void {
  group.options('*', { schema: { hide: true } }, (_request, reply) => {
    reply.header('vary', 'origin')
    if (policy === 'public') {
      reply.header('access-control-allow-origin', '*')
      reply.header('access-control-allow-methods', 'GET, POST, OPTIONS')
      reply.header('access-control-allow-headers', 'authorization, content-type')
      reply.header('access-control-max-age', '600')
    }
    return reply.code(204).send()
  })
}
