import type { FastifyBaseLogger } from 'fastify'
import type { Clock } from '../clock.js'
import type { Config } from '../config.js'
import type { Storage } from '../storage/index.js'
import { smtpMailer, type Mailer } from './mailer.js'
import { MailQueue, MailWorker } from './queue.js'

/**
 * The mail queue, and its worker when SMTP is configured. Without `BRANDWAVE_SMTP_URL`
 * nothing is queued or sent, and the operator is told so once, at start.
 */
export function createMail(
  deps: { config: Config; storage: Pick<Storage, 'mail'>; sealKey: Buffer; clock: Clock; log: FastifyBaseLogger; mailer?: Mailer },
): { queue: MailQueue; worker: MailWorker | null } {
  const { config, storage, clock, log } = deps
  const queue = new MailQueue({ enabled: config.smtpUrl !== null, sealKey: deps.sealKey, clock })
  if (config.smtpUrl === null) {
    log.warn('BRANDWAVE_SMTP_URL is not set: no email will be sent (invitations still return their acceptUrl; password reset and security notices need email)')
    return { queue, worker: null }
  }
  const worker = new MailWorker({
    storage,
    queue,
    mailer: deps.mailer ?? smtpMailer(config.smtpUrl, config.emailFrom),
    clock,
    pollIntervalMs: config.mailPollIntervalMs,
    // The error says what the mail server answered; the message itself is never logged.
    onError: (error, context) => log.warn({ err: error, ...context }, context.givenUp ? 'email given up after every retry' : 'email not sent; will retry'),
  })
  return { queue, worker }
}
