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
import { randomBytes } from 'node:crypto'
import Fastify from 'fastify'

const conventions = process.env.FLOOR_CONVENTIONS === '1'
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
app.get('/', { schema }, () => ({ ok: true }))
const address = await app.listen({ port: Number(process.env.PORT ?? 0), host: process.env.HOST ?? '127.0.0.1' })
console.log(`listening on ${address} (bare Fastify${conventions ? ' with the conventions' : ''})`)
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)))
