import { LogController, type FastifyReply, type FastifyRequest } from 'fastify'
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
    const line = { method: request.method, path: loggablePath(request.url, this.tokenPattern), status: reply.statusCode, ms: Math.round(reply.elapsedTime) }
    if (error) reply.log.error({ ...line, err: error }, 'request failed')
    else reply.log.info(line, 'request')
  }
}
