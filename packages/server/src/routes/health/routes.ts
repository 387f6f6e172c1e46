import type { FastifyInstance } from 'fastify'
import Type from 'typebox'

const HealthStatus = Type.Object({
  status: Type.Enum(['ok', 'degraded', 'unavailable']),
  checks: Type.Optional(Type.Record(Type.String(), Type.Enum(['ok', 'unavailable']))),
})

/** What this instance depends on; without a `required` one it cannot serve at all. */
export interface ReadinessCheck {
  readonly check: () => Promise<void>
  readonly required: boolean
}

/**
 * `/healthz`: the process is up. `/readyz`: its dependencies answer (SPEC §8). 503 only
 * when a required one (the database) does not: load balancers stop sending traffic then.
 * Without Redis an instance still serves, strictly, from the database, so it says
 * `degraded` with 200: a 503 would let one Redis outage take every instance out of service.
 */
export function healthRoutes(app: FastifyInstance, checks: Readonly<Record<string, ReadinessCheck>>): void {
  const tags = ['Operations']
  // Open to anyone (`security: []`): load balancers and orchestrators call them without credentials.
  // Even these refuse some requests (another method, a credential in the URL) in the error shape.
  const common = { tags, security: [], response: { '4xx': { $ref: 'ErrorBody#' } } }
  app.get('/healthz', { schema: { ...common, operationId: 'getLiveness', summary: 'Liveness', response: { ...common.response, 200: HealthStatus } } }, () => ({ status: 'ok' }))

  app.get(
    '/readyz',
    {
      schema: {
        ...common,
        operationId: 'getReadiness',
        summary: 'Readiness: the database reachable (503 if not); Redis reachable (degraded if not)',
        response: { ...common.response, 200: HealthStatus, 503: HealthStatus },
      },
    },
    async (_request, reply) => {
      const results: Record<string, 'ok' | 'unavailable'> = {}
      await Promise.all(
        Object.entries(checks).map(async ([name, { check }]) => {
          results[name] = await Promise.race([
            check().then(() => 'ok' as const),
            new Promise<'unavailable'>((resolve) => setTimeout(() => resolve('unavailable'), 2000).unref()),
          ]).catch(() => 'unavailable' as const)
        }),
      )
      const down = Object.keys(checks).filter((name) => results[name] !== 'ok')
      const status = down.some((name) => checks[name]!.required) ? 'unavailable' : down.length > 0 ? 'degraded' : 'ok'
      reply.code(status === 'unavailable' ? 503 : 200)
      return { status, checks: results }
    },
  )
}
