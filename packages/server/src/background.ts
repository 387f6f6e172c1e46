import type { FastifyInstance } from 'fastify'

/** Work a server does beside answering requests: flushing, sweeping, delivering, sending. */
export interface BackgroundWork {
  start?(): void
  /** Finishes or hands back what is in hand; the database is still open. */
  stop(): void | Promise<void>
}

/**
 * Starts the work when the server is ready and stops it, in the order given, when it
 * closes — before the caller closes the database the work writes to.
 */
export function runWhileOpen(app: FastifyInstance, work: ReadonlyArray<BackgroundWork | null>): void {
  const parts = work.filter((part): part is BackgroundWork => part !== null)
  app.addHook('onReady', (done) => {
    for (const part of parts) part.start?.()
    done()
  })
  app.addHook('onClose', async () => {
    for (const part of parts) await part.stop()
  })
}
