import nodemailer, { type Transporter } from 'nodemailer'
import type { MailMessage } from './templates.js'

/** Sends one email now; throws when the mail server refuses or cannot be reached. */
export interface Mailer {
  send(to: string, message: MailMessage): Promise<void>
  close(): void
}

/**
 * SMTP through nodemailer (`BRANDWAVE_SMTP_URL`, e.g. `smtp://user:pass@host:587`;
 * `smtps://` for implicit TLS). Timeouts are bounded so that a hung server releases the
 * worker; the queue retries later.
 *
 * @example
 * const mailer = smtpMailer('smtp://localhost:1025', 'Brandwave <no-reply@example.com>')
 */
export function smtpMailer(smtpUrl: string, from: string): Mailer {
  const transport: Transporter = nodemailer.createTransport({
    url: smtpUrl,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
    // Never log message contents: they hold single-use links.
    logger: false,
    debug: false,
  })
  return {
    async send(to, message) {
      await transport.sendMail({ from, to, subject: message.subject, text: message.text, html: message.html })
    },
    close() {
      transport.close()
    },
  }
}
