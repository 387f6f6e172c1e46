import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'

/** One request a receiver got. */
export interface ReceivedWebhook {
  readonly headers: IncomingHttpHeaders
  readonly body: string
  readonly receivedAt: number
  /** The status it answered with. */
  readonly answered: number
}

/**
 * A webhook receiver on loopback, as a customer would run one: it records every request
 * and answers with whatever `respond` says (200 unless told otherwise).
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = []
  respond: (request: { headers: IncomingHttpHeaders; body: string }) => number = () => 200
  private server: Server | undefined
  private waiters: { count: number; resolve: () => void }[] = []
  url = ''

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = []
      request.on('data', (chunk: Buffer) => chunks.push(chunk))
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8')
        const answered = this.respond({ headers: request.headers, body })
        this.received.push({ headers: request.headers, body, receivedAt: performance.now(), answered })
        response.writeHead(answered, { 'content-type': 'text/plain' }).end('ok')
        this.waiters = this.waiters.filter((waiter) => {
          if (this.received.length < waiter.count) return true
          waiter.resolve()
          return false
        })
      })
    })
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
    const address = this.server.address()
    if (address === null || typeof address === 'string') throw new Error('no port')
    this.url = `http://127.0.0.1:${address.port}/hooks`
    return this.url
  }

  /** The parsed bodies received so far. */
  events(): { type: string; timestamp: string; data: Record<string, any> }[] {
    return this.received.map((request) => JSON.parse(request.body))
  }

  /** Resolves once `count` requests have arrived in all (rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs = 10_000): Promise<void> {
    if (this.received.length >= count) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`expected ${count} webhook requests, got ${this.received.length}`)), timeoutMs)
      this.waiters.push({
        count,
        resolve: () => {
          clearTimeout(timer)
          resolve()
        },
      })
    })
  }

  async close(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve))
  }
}
