import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loginAdmin } from '@brandwave/testing/actors'
import { ManualClock } from '@brandwave/testing/clock'
import { createPostgresDatabase, storageKinds, testDatabaseKinds } from '@brandwave/testing/databases'
import { startTestServer, TEST_SECRET, type TestServer } from '@brandwave/testing/server'
import { mailEnv, startMailServer, type TestMailServer } from '@brandwave/testing/smtp'
import { deriveKeys } from '../secret.js'
import { openDatabase, type DatabaseHandle } from '../storage/database.js'
import { createStorage } from '../storage/index.js'
import { migrateToLatest } from '../storage/migrations/index.js'
import { smtpMailer } from './mailer.js'
import { MailQueue, MailWorker } from './queue.js'

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** A TCP server that accepts connections and never says a word: a hung mail server. */
async function startHungServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => undefined)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}

describe.each(storageKinds)('the mail queue (%s)', (kind) => {
  let server: TestServer | undefined
  let mail: TestMailServer | undefined
  afterAll(async () => {
    await server?.close()
    await mail?.close()
  })

  it('a hung or down mail server neither fails nor slows the request; the mail goes out once it is back, across a restart', async () => {
    const hung = await startHungServer()
    const logLines: string[] = []
    server = await startTestServer(kind, { env: mailEnv({ url: `smtp://127.0.0.1:${hung.port}` }), logLines })
    const admin = await loginAdmin(server)

    const started = Date.now()
    const invited = await server.request('POST', '/v1/invitations', { token: admin.accessToken, body: { email: 'patient@example.com', role: 'member' } })
    expect(invited.status).toBe(201)
    // The mail server would hold a sender for 10 s before giving up; the request does not wait.
    expect(Date.now() - started).toBeLessThan(1500)

    // The server goes away mid-conversation: the attempt fails and a retry is scheduled.
    await hung.close()
    await until(() => logLines.some((line) => line.includes('email not sent; will retry')))
    expect(logLines.join('\n')).not.toContain(invited.body.data.acceptUrl)

    // The queue is in the database: a restart loses nothing.
    await server.restart()
    mail = await startMailServer(hung.port)
    server.clock.advance(31_000)
    const received = await mail.waitFor((m) => m.to === 'patient@example.com')
    expect(received.text).toContain(invited.body.data.acceptUrl)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(mail.to('patient@example.com')).toHaveLength(1)
  })

  it('without SMTP the server says so at start and queues nothing; the invitation’s acceptUrl still works', async () => {
    const logLines: string[] = []
    const bare = await startTestServer(kind, { logLines })
    try {
      expect(logLines.some((line) => line.includes('BRANDWAVE_SMTP_URL is not set'))).toBe(true)
      const admin = await loginAdmin(bare)
      const invited = await bare.request('POST', '/v1/invitations', { token: admin.accessToken, body: { email: 'offline@example.com', role: 'member' } })
      expect(invited.status).toBe(201)
      expect(invited.body.data.acceptUrl).toMatch(/\/invitations\/accept#token=/)
      expect(await bare.running.database.db.selectFrom('mail_queue').selectAll().execute()).toHaveLength(0)
    } finally {
      await bare.close()
    }
  })
})

describe.each(testDatabaseKinds.filter((kind) => kind !== 'postgres+redis'))('the mail queue with several workers (%s)', (kind) => {
  let handles: DatabaseHandle[] = []
  let cleanup: () => Promise<void> = () => Promise.resolve()
  let mail: TestMailServer

  beforeAll(async () => {
    mail = await startMailServer()
    if (kind === 'sqlite') {
      const dir = mkdtempSync(join(tmpdir(), 'brandwave-mail-'))
      handles = [openDatabase({ databaseUrl: null, dataDir: dir }), openDatabase({ databaseUrl: null, dataDir: dir })]
      cleanup = () => Promise.resolve(rmSync(dir, { recursive: true, force: true }))
    } else {
      const postgres = await createPostgresDatabase()
      handles = [openDatabase({ databaseUrl: postgres.url, dataDir: '' }), openDatabase({ databaseUrl: postgres.url, dataDir: '' })]
      cleanup = () => postgres.drop()
    }
    await migrateToLatest(handles[0]!)
  })
  afterAll(async () => {
    for (const handle of handles) await handle.close()
    await cleanup()
    await mail.close()
  })

  it('each mail goes out once however many workers claim at the same time', async () => {
    const clock = new ManualClock()
    const sealKey = deriveKeys(Buffer.from(TEST_SECRET)).mailEncryption
    const queue = new MailQueue({ enabled: true, sealKey, clock })
    const count = 30
    for (let i = 0; i < count; i++) {
      await queue.enqueue(createStorage(handles[0]!), { to: `worker-${i}@example.com`, template: 'password_changed', message: { subject: `mail ${i}`, text: `body ${i}`, html: `<p>body ${i}</p>` } })
    }
    const errors: unknown[] = []
    const workers = handles.map(
      (handle) =>
        new MailWorker({
          storage: createStorage(handle),
          queue,
          mailer: smtpMailer(mail.url, 'Brandwave <no-reply@brandwave.example>'),
          clock,
          pollIntervalMs: 60_000,
          onError: (error) => errors.push(error),
        }),
    )
    await Promise.all(workers.flatMap((worker) => [worker.drain(), worker.drain()]))
    await Promise.all(workers.map((worker) => worker.stop()))
    expect(errors).toEqual([])
    expect(mail.messages).toHaveLength(count)
    expect(new Set(mail.messages.map((m) => m.subject)).size).toBe(count)
    const rows = await handles[0]!.db.selectFrom('mail_queue').select(['sent_at', 'attempts']).execute()
    expect(rows.every((row) => row.sent_at !== null && row.attempts === 1)).toBe(true)
  })
})
