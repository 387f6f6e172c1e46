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
  app.get('/healthz', { schema: { tags, summary: 'Liveness', response: { 200: HealthStatus } } }, () => ({ status: 'ok' }))

  app.get(
    '/readyz',
    { schema: { tags, summary: 'Readiness: the database reachable (503 if not); Redis reachable (degraded if not)', response: { 200: HealthStatus, 503: HealthStatus } } },
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
