import { Webhook } from 'standardwebhooks'
import { Agent, request } from 'undici'
import { guardedLookup, literalRefusal, RefusedTargetError } from './target.js'

/** A receiver gets this long to answer, headers and body together (SPEC §10). */
export const DELIVERY_TIMEOUT_MS = 15_000
/** What is read of a receiver's answer; nothing of it is kept, but the connection must be drained. */
const RESPONSE_CAP_BYTES = 64 * 1024

export interface WebhookMessage {
  /** `webhook-id`: the event's id, the same on every attempt so receivers can deduplicate. */
  readonly id: string
  readonly timestamp: Date
  readonly body: string
}

export interface SendResult {
  /** The receiver's HTTP status; null when no answer came. */
  readonly status: number | null
  readonly error: string | null
}

/**
 * Sends Standard Webhooks requests. Redirects are not followed (a 3xx is a failed attempt):
 * a redirect could point anywhere, including at addresses the target check refused.
 */
export class WebhookSender {
  private readonly agent: Agent

  constructor(private readonly allowPrivate: boolean) {
    this.agent = new Agent({
      connect: { lookup: guardedLookup(allowPrivate), timeout: DELIVERY_TIMEOUT_MS },
      headersTimeout: DELIVERY_TIMEOUT_MS,
      bodyTimeout: DELIVERY_TIMEOUT_MS,
    })
  }

  /**
   * Signs with every secret given (during a rotation, old and new), space-separated as
   * Standard Webhooks allows, so a receiver holding either one verifies the request.
   */
  async send(url: string, secrets: readonly string[], message: WebhookMessage): Promise<SendResult> {
    const target = new URL(url)
    const refused = this.allowPrivate ? null : literalRefusal(target)
    if (refused !== null) return { status: null, error: `refused: ${target.hostname} is a ${refused} address` }
    const signature = secrets.map((secret) => new Webhook(secret).sign(message.id, message.timestamp, message.body)).join(' ')
    try {
      const response = await request(target, {
        method: 'POST',
        dispatcher: this.agent,
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Brandwave-Webhooks/1',
          'webhook-id': message.id,
          'webhook-timestamp': String(Math.floor(message.timestamp.getTime() / 1000)),
          'webhook-signature': signature,
        },
        body: message.body,
      })
      let read = 0
      for await (const chunk of response.body) {
        read += (chunk as Buffer).length
        if (read > RESPONSE_CAP_BYTES) {
          response.body.destroy()
          break
        }
      }
      return { status: response.statusCode, error: response.statusCode >= 200 && response.statusCode < 300 ? null : `HTTP ${response.statusCode}` }
    } catch (error) {
      return { status: null, error: describe(error) }
    }
  }

  async close(): Promise<void> {
    await this.agent.close()
  }
}

function describe(error: unknown): string {
  let current: unknown = error
  // undici wraps the socket's error; the innermost one says what happened.
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (current instanceof RefusedTargetError) return current.message
    if (current.cause === undefined) break
    current = current.cause
  }
  if (error instanceof Error && error.name === 'TimeoutError') return 'timed out'
  const code = (current as NodeJS.ErrnoException | undefined)?.code
  return (code ?? (current instanceof Error ? current.message : 'failed')).slice(0, 200)
}
