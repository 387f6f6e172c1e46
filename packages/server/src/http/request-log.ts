import { LogController, type FastifyReply, type FastifyRequest } from 'fastify'
import type { RequestPrincipal } from '../auth/principal.js'
import type { Metrics } from '../metrics/index.js'

/*
 * Both patterns may only start where a token could start (not inside a run of word
 * characters): a hostile `eyJeyJeyJ…` then offers one starting point instead of thousands,
 * and each start scans at most the dotted segments that follow it, so the cost stays linear
 * in the input. Unanchored, each of those starts rescanned the rest of the string.
 */
/** A JWT or anything shaped like one (three dot-separated base64url parts, the first `eyJ`). */
const JWT_IN_PATH = /(?<![\w-])eyJ[\w-]+\.[\w-]+\.[\w-]*/g

/**
 * The path as it may be logged: without the query string, and with anything shaped like
 * one of our tokens or a JWT masked (someone will paste one into a URL).
 *
 * @example
 * loggablePath('/v1/x/bw_live_n1Dq…?a=b', tokenScanPattern('bw')) // '/v1/x/bw_live_[redacted]'
 */
export function loggablePath(url: string, tokenPattern: RegExp): string {
  const path = url.split('?', 1)[0] ?? ''
  return path
    .replace(tokenPattern, (token) => `${token.slice(0, token.indexOf('_', token.indexOf('_') + 1) + 1)}[redacted]`)
    .replace(JWT_IN_PATH, '[redacted]')
}

const INFO_ENABLED = new Set(['trace', 'debug', 'info'])

/**
 * Who made a request, by ids only (never a name, an email or a secret): enough to follow one
 * principal's requests, refused ones included, and to match them to audit events.
 */
export function principalForLog(principal: RequestPrincipal | null): Record<string, string | null> | undefined {
  if (principal === null) return undefined
  const organizationId = principal.organizationId
  switch (principal.kind) {
    case 'session':
      return { kind: 'session', userId: principal.userId, sessionId: principal.sessionId, organizationId }
    case 'credential':
      return { kind: 'credential', credentialId: principal.credential.id, userId: principal.userId, organizationId }
    case 'oauth':
      return { kind: 'oauth', clientId: principal.clientId, userId: principal.userId, organizationId }
  }
}

/**
 * One log line per request, after it completes: the path without the query string, and
 * with anything shaped like a token masked; the request is counted in the metrics by its
 * route pattern, never its path (paths hold ids and, misused, tokens).
 */
export class OneLinePerRequest extends LogController {
  constructor(
    private readonly tokenPattern: RegExp,
    private readonly metrics: Metrics,
  ) {
    super({ requestIdLogLabel: 'requestId' })
  }

  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    this.metrics.requests.count(request.method, request.routeOptions.url ?? 'unknown', reply.statusCode)
    if (!error && !INFO_ENABLED.has(reply.log.level)) return
    const principal = principalForLog(request.principal ?? request.refusedPrincipal ?? null)
    const line = {
      method: request.method,
      path: loggablePath(request.url, this.tokenPattern),
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime),
      // The client's address as TRUST_PROXY lets it be known: where a request came from.
      ip: request.ip,
      ...(principal !== undefined && { principal }),
    }
    if (error) reply.log.error({ ...line, err: error }, 'request failed')
    else reply.log.info(line, 'request')
  }
}
