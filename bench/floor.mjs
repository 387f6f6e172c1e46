// The floor: a bare Fastify 5 `GET /` returning `{ ok: true }`, with nothing of Brandwave
// (no logger, hooks or schemas). The benchmark starts it exactly as it starts the server
// (its own process, pinned to core 0) and loads it in turn with Brandwave's routes, so
// every ratio is against what the framework alone costs on this machine, in this run.
import Fastify from 'fastify'

const app = Fastify()
app.get('/', () => ({ ok: true }))
const address = await app.listen({ port: Number(process.env.PORT ?? 0), host: process.env.HOST ?? '127.0.0.1' })
console.log(`listening on ${address} (bare Fastify)`)
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)))
