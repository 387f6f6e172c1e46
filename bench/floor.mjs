// The floor: a bare Fastify 5 `GET /` returning `{ ok: true }`, with nothing of Brandwave
// (no logger, hooks or schemas). The benchmark starts it exactly as it starts the server
// (its own process, pinned to core 0) and loads it in turn with Brandwave's routes, so
// every ratio is against what the framework alone costs on this machine, in this run.
//
// With FLOOR_CONVENTIONS=1 it is still bare Fastify, but with the framework features every
// Brandwave response uses, and none of Brandwave's code: a pino logger (at `warn`, with a
// child per request), a random request id, an `onRequest` hook setting the four headers
// every response carries, an `onResponse` hook, and a response schema. The gap between the
// two is what those framework features cost; the gap from it to `/healthz` is Brandwave's.
//
// With FLOOR_CONVENTIONS=bytes it is bare Fastify again (no logger, no hooks, no schema),
// but its handler answers with `/healthz`'s bytes: the same five headers (the request id
// from a counter) and the same body. The gap from the floor to it is what those bytes alone
// cost, to Node's HTTP writer, the kernel and the load generator, before any code runs.
// FLOOR_CONVENTIONS=verify-bytes does the same for `POST /v1/keys/verify`: it takes the JSON
// body (Fastify's own parser) and answers with a verification's headers and its 777 bytes,
// a fixed string, so no serializer runs either.
import { randomBytes } from 'node:crypto'
import Fastify from 'fastify'

const conventions = process.env.FLOOR_CONVENTIONS === '1'
/** A warm key's verification as the server answers it, ids and times as of one run. */
const VERIFICATION = '{"data":{"valid":true,"code":"VALID","credential":{"id":"01a25175-6466-70be-b763-954f95fe4ea3","name":"bench","type":"api_key","environment":"live","start":"bw_live_GcXD","last4":"pMeg","scopes":["api_keys:read"],"allowedIps":null,"rateLimit":{"requestsPerMinute":1000000},"createdBy":{"type":"user","id":"01a25175-61bb-7656-adbb-efa37e5efb5a","name":"Administrator"},"createdAt":"2026-12-07T17:02:57.639Z","expiresAt":null,"lastUsedAt":null,"lastUsedIp":null,"revokedAt":null,"revocationReason":null,"rotatedToId":null,"status":"active","externalId":null,"metadata":null,"remaining":null,"refill":null,"disabledAt":null,"exposure":null},"remaining":null,"rateLimit":{"limit":1000000,"remaining":999999,"reset":60}},"meta":{"request_id":"req_2f197438cef68904e4c2b0d776b24435"}}'

/** The four headers every Brandwave response carries (packages/server/src/http/responses.ts). */
const STANDARD_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
}
let requests = 0
/** 32 hex digits, as long as the server's random ids, without drawing random bytes. */
const countedRequestId = () => `req_${(requests++).toString(16).padStart(32, '0')}`

/** The floors that answer with Brandwave's bytes: the route, its headers beyond the standard ones, its body. */
const BYTES_ONLY = {
  bytes: { label: "/healthz's bytes", method: 'GET', headers: {}, body: () => ({ status: 'ok' }) },
  'verify-bytes': {
    label: "a verification's bytes",
    method: 'POST',
    headers: { 'ratelimit-limit': '1000000', 'ratelimit-remaining': '999999', 'ratelimit-reset': '60', 'content-type': 'application/json; charset=utf-8' },
    body: () => VERIFICATION,
  },
}
const bytesOnly = BYTES_ONLY[process.env.FLOOR_CONVENTIONS]

const app = conventions ? Fastify({ logger: { level: 'warn' }, genReqId: () => `req_${randomBytes(16).toString('hex')}` }) : Fastify()
if (conventions) {
  const headers = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'cache-control': 'no-store' }
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id)
    reply.headers(headers)
    done()
  })
  app.addHook('onResponse', (_request, _reply, done) => done())
}
const schema = conventions ? { response: { 200: { type: 'object', properties: { ok: { type: 'boolean' } } } } } : {}
if (bytesOnly !== undefined) {
  const headers = { ...STANDARD_HEADERS, ...bytesOnly.headers }
  app.route({
    method: bytesOnly.method,
    url: '/',
    handler: (_request, reply) => {
      reply.header('x-request-id', countedRequestId()).headers(headers)
      return bytesOnly.body()
    },
  })
} else app.get('/', { schema }, () => ({ ok: true }))
const address = await app.listen({ port: Number(process.env.PORT ?? 0), host: process.env.HOST ?? '127.0.0.1' })
console.log(`listening on ${address} (bare Fastify${conventions ? ' with the conventions' : bytesOnly !== undefined ? ` answering ${bytesOnly.label}` : ''})`)
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)))
