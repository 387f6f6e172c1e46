import type { AddressInfo } from 'node:net'
import { simpleParser, type ParsedMail } from 'mailparser'
import { SMTPServer } from 'smtp-server'

/** One email as the test mail server received it, parsed. */
export interface ReceivedMail {
  readonly to: string
  readonly subject: string
  readonly text: string
  readonly html: string
}

/** A real SMTP server on loopback that keeps every message it receives, for one suite. */
export interface TestMailServer {
  readonly port: number
  readonly url: string
  readonly messages: readonly ReceivedMail[]
  /** Resolves with the first message (received or to come) that matches. */
  waitFor(match: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>
  /** Every message to an address. */
  to(address: string): ReceivedMail[]
  close(): Promise<void>
}

function addressOf(parsed: ParsedMail): string {
  const to = Array.isArray(parsed.to) ? parsed.to[0] : parsed.to
  return to?.value[0]?.address?.toLowerCase() ?? ''
}

/**
 * Starts `smtp-server` on 127.0.0.1 (a free port, or `port` to come back where a stopped
 * one was). No TLS and no authentication: it only ever listens on loopback.
 */
export async function startMailServer(port = 0): Promise<TestMailServer> {
  const messages: ReceivedMail[] = []
  const waiters = new Set<{ match: (mail: ReceivedMail) => boolean; resolve: (mail: ReceivedMail) => void }>()
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          const mail: ReceivedMail = { to: addressOf(parsed), subject: parsed.subject ?? '', text: parsed.text ?? '', html: typeof parsed.html === 'string' ? parsed.html : '' }
          messages.push(mail)
          for (const waiter of waiters) {
            if (waiter.match(mail)) {
              waiters.delete(waiter)
              waiter.resolve(mail)
            }
          }
          callback()
        })
        .catch((error: Error) => callback(error))
    },
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve())
  })
  const actualPort = (server.server.address() as AddressInfo).port
  return {
    port: actualPort,
    url: `smtp://127.0.0.1:${actualPort}`,
    messages,
    waitFor(match, timeoutMs = 10_000) {
      const found = messages.find(match)
      if (found) return Promise.resolve(found)
      return new Promise((resolve, reject) => {
        const waiter = { match, resolve: (mail: ReceivedMail) => (clearTimeout(timer), resolve(mail)) }
        const timer = setTimeout(() => {
          waiters.delete(waiter)
          reject(new Error(`no matching email within ${timeoutMs} ms (received: ${messages.map((m) => `${m.to}: ${m.subject}`).join('; ') || 'none'})`))
        }, timeoutMs)
        waiters.add(waiter)
      })
    },
    to(address) {
      return messages.filter((m) => m.to === address.toLowerCase())
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** The single-use token in an emailed link (`…#token=…`). */
export function tokenInMail(mail: ReceivedMail): string {
  const match = /#token=([0-9A-Za-z]+)/.exec(mail.text)
  if (!match?.[1]) throw new Error(`no token link in the email "${mail.subject}"`)
  return match[1]
}

/** Settings that point a test server at a test mail server. */
export function mailEnv(mail: { url: string }): Record<string, string> {
  return { BRANDWAVE_SMTP_URL: mail.url, BRANDWAVE_MAIL_POLL_MS: '100', BRANDWAVE_PUBLIC_URL: 'https://brandwave.example', BRANDWAVE_EMAIL_FROM: 'Brandwave <no-reply@brandwave.example>' }
}
