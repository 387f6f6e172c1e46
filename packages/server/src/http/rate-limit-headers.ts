import type { RateLimitDecision } from '@brandwave/core'
import type { FastifyReply } from 'fastify'

/** `RateLimit-*` on every authenticated response, `Retry-After` when refused (SPEC §7 step 4). */
export function setRateLimitHeaders(reply: FastifyReply, decision: RateLimitDecision): void {
  reply.header('ratelimit-limit', decision.limit)
  reply.header('ratelimit-remaining', decision.remaining)
  reply.header('ratelimit-reset', decision.resetSeconds)
  if (!decision.allowed) reply.header('retry-after', decision.retryAfterSeconds)
}
