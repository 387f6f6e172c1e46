import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** What the proxy should do with one request: pass it on, or misbehave. */
export type ProxyBehaviour = 'pass' | 'drop-response' | { status: number; headers?: Record<string, string>; body?: string }

/**
 * A real HTTP proxy in front of a test server, for failures only a network produces: a
 * response that never arrives after the server did the work, a 429 or 503 from the edge.
 */
export class TestProxy {
  readonly seen: Array<{ method: string; path: string; idempotencyKey: string | undefined }> = []
  private server: Server | undefined
  private url = ''

  constructor(
    private readonly upstream: string,
    private readonly decide: (request: IncomingMessage, index: number) => ProxyBehaviour,
  ) {}

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      const index = this.seen.length
      this.seen.push({ method: request.method ?? '', path: request.url ?? '', idempotencyKey: request.headers['idempotency-key'] as string | undefined })
      const behaviour = this.decide(request, index)
      const chunks: Buffer[] = []
      request.on('data', (chunk: Buffer) => chunks.push(chunk))
      request.on('end', () => {
        if (typeof behaviour === 'object') {
          response.writeHead(behaviour.status, { 'content-type': 'application/json', ...behaviour.headers })
          response.end(behaviour.body ?? '')
          return
        }
        const headers = Object.fromEntries(Object.entries(request.headers).filter(([name]) => name !== 'host' && name !== 'connection' && name !== 'content-length')) as Record<string, string>
        fetch(`${this.upstream}${request.url ?? ''}`, { method: request.method ?? 'GET', headers, ...(chunks.length > 0 && { body: Buffer.concat(chunks) }) }).then(
          async (upstream) => {
            const body = Buffer.from(await upstream.arrayBuffer())
            // The server has done the work; the client never hears of it.
            if (behaviour === 'drop-response') return void request.socket.destroy()
            response.writeHead(upstream.status, Object.fromEntries(upstream.headers))
            response.end(body)
          },
          () => request.socket.destroy(),
        )
      })
    })
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
    return this.url
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections()
    await new Promise((resolve) => this.server?.close(resolve))
  }
}
