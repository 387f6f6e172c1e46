import type { ErrorCode } from '@brandwave/core'
import type { FastifyReply } from 'fastify'
import { STATUS_CODES, type ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { fromCode, type ErrorResponse } from './problems.js'

/**
 * Headers every response carries, errors from the HTTP parser included. `no-store`: a
 * response may hold a secret (create, rotate, login), and no cache may keep it. The CSP is
 * for responses that are not pages (JSON, probes): nothing in them may load or run, and no
 * site may frame them; HTML pages replace it with `HTML_CSP`.
 */
export const STANDARD_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
}

/**
 * Sent only on requests that arrived over TLS (through a trusted proxy: the server has no TLS
 * of its own). Over plain HTTP it means nothing to browsers (RFC 6797 §8.1), and an
 * installation without TLS must stay reachable. A year, without `preload`: joining the
 * browsers' preload list is the operator's decision for the whole domain.
 */
export const STRICT_TRANSPORT_SECURITY = 'max-age=31536000; includeSubDomains'

/** The error envelope of SPEC §3. */
export function errorBody(response: Pick<ErrorResponse, 'code' | 'message' | 'details'>, requestId: string) {
  return { error: { code: response.code, message: response.message, details: response.details }, meta: { request_id: requestId } }
}

/** Sends an error response with the envelope and headers every response carries. */
export function sendError(reply: FastifyReply, requestId: string, response: ErrorResponse): FastifyReply {
  return reply.code(response.status).header('x-request-id', requestId).headers(STANDARD_HEADERS).headers(response.headers).send(errorBody(response, requestId))
}

/**
 * For failures found before Fastify has a request object (the router, on a raw Node
 * response): the same envelope and headers as every other error.
 */
export function sendRawError(res: ServerResponse, requestId: string, code: ErrorCode, message?: string): void {
  const response = fromCode(code, { message })
  const body = JSON.stringify(errorBody(response, requestId))
  res.writeHead(response.status, { ...STANDARD_HEADERS, 'x-request-id': requestId, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) })
  res.end(body)
}

/**
 * For failures of the HTTP parser itself (headers too large, malformed request line): only
 * the socket exists, so the response is written by hand, then the connection closed.
 */
export function writeSocketError(socket: Duplex, requestId: string, code: ErrorCode): void {
  if (!socket.writable) return
  const response = fromCode(code)
  const body = JSON.stringify(errorBody(response, requestId))
  const headers = { ...STANDARD_HEADERS, 'x-request-id': requestId, 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), connection: 'close' }
  const head = [`HTTP/1.1 ${response.status} ${STATUS_CODES[response.status] ?? ''}`, ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`)].join('\r\n')
  socket.end(`${head}\r\n\r\n${body}`)
}
