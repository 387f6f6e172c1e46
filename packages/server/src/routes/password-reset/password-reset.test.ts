import { generate } from 'otplib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { login, signUp, type TestUser } from '@brandwave/testing/actors'
import { storageKinds } from '@brandwave/testing/databases'
import { startTestServer, type TestServer } from '@brandwave/testing/server'
import { mailEnv, startMailServer, tokenInMail, type ReceivedMail, type TestMailServer } from '@brandwave/testing/smtp'

const NEW_PASSWORD = 'a fresh and long passphrase'

describe.each(storageKinds)('password reset and security notices (%s)', (kind) => {
  let server: TestServer
  let mail: TestMailServer
  const logLines: string[] = []

  beforeAll(async () => {
    mail = await startMailServer()
    server = await startTestServer(kind, { env: mailEnv(mail), logLines })
  })
  afterAll(async () => {
    await server?.close()
    await mail?.close()
  })

  const resetMail = (user: TestUser, after = 0) => mail.waitFor((m) => m.to === user.email && m.subject.includes('Reset') && mail.messages.indexOf(m) >= after)
  const requestReset = (email: string) => server.request('POST', '/v1/auth/password-reset', { body: { email } })

  it('202 with the same body for an address with an account and one without; only the account gets an email', async () => {
    const user = await signUp(server, 'Forgetful')
    const unknown = await requestReset('nobody-at-all@example.com')
    const known = await requestReset(user.email.toUpperCase())
    expect(known.status).toBe(202)
    expect(unknown.status).toBe(202)
    expect(unknown.body.data).toEqual(known.body.data)

    const received = await resetMail(user)
    expect(received.text).toMatch(/https:\/\/brandwave\.example\/reset-password#token=[0-9A-Za-z]{32}/)
    expect(received.html).toContain('/reset-password#token=')
    // Requests are finished off the request path; a restart waits for them. Nothing was
    // queued for the unknown address.
    await server.restart()
    const queued = await server.running.database.db.selectFrom('mail_queue').select('recipient').execute()
    expect(queued.map((row) => row.recipient)).toEqual([user.email])
    expect(mail.to('nobody-at-all@example.com')).toHaveLength(0)
    expect(logLines.join('\n')).not.toContain(tokenInMail(received))
  })

  it('confirming sets the password, ends every session of the user at once, works once, and tells the user', async () => {
    const user = await signUp(server, 'Resetter')
    const other = await login(server, user.email, user.password)
    const before = mail.messages.length
    await requestReset(user.email)
    const token = tokenInMail(await resetMail(user, before))

    const weak = await server.request('POST', '/v1/auth/password-reset/confirm', { body: { token, newPassword: 'password1234' } })
    expect(weak.status).toBe(400)
    const confirmed = await server.request('POST', '/v1/auth/password-reset/confirm', { body: { token, newPassword: NEW_PASSWORD } })
    expect(confirmed.status, confirmed.text).toBe(200)
    expect(confirmed.body.data).toMatchObject({ userId: user.userId, endedSessions: 2 })

    for (const session of [user, other]) {
      expect((await server.request('GET', '/v1/me', { token: session.accessToken })).status).toBe(401)
      expect((await server.request('POST', '/v1/auth/refresh', { body: { refreshToken: session.refreshToken } })).status).toBe(401)
    }
    expect((await server.request('POST', '/v1/auth/login', { body: { email: user.email, password: user.password } })).status).toBe(401)
    await login(server, user.email, NEW_PASSWORD)

    const again = await server.request('POST', '/v1/auth/password-reset/confirm', { body: { token, newPassword: 'yet another long passphrase' } })
    expect(again.status).toBe(400)
    expect(again.body.error.code).toBe('validation_failed')

    const notice = await mail.waitFor((m) => m.to === user.email && m.subject.includes('password was changed'))
    expectNoSecret(notice, [token, NEW_PASSWORD])
    expect(notice.text).toContain('If this was not you')

    const audit = await server.request('GET', '/v1/audit-logs?action=auth.password_reset', { token: (await login(server, user.email, NEW_PASSWORD)).accessToken })
    expect(audit.body.items).toHaveLength(1)
    expect(audit.text).not.toContain(token)
  })

  it('a reset link expires after one hour; a newer reset voids older links', async () => {
    const user = await signUp(server, 'Slow')
    let before = mail.messages.length
    await requestReset(user.email)
    const stale = tokenInMail(await resetMail(user, before))
    server.clock.advance(3600_000 + 1)
    expect((await server.request('POST', '/v1/auth/password-reset/confirm', { body: { token: stale, newPassword: NEW_PASSWORD } })).status).toBe(400)

    before = mail.messages.length
    await requestReset(user.email)
    const first = tokenInMail(await resetMail(user, before))
    server.clock.advance(61_000)
    before = mail.messages.length
    await requestReset(user.email)
    const second = tokenInMail(await resetMail(user, before))
    expect((await server.request('POST', '/v1/auth/password-reset/confirm', { body: { token: second, newPassword: NEW_PASSWORD } })).status).toBe(200)
    expect((await server.request('POST', '/v1/auth/password-reset/confirm', { body: { token: first, newPassword: 'yet another long passphrase' } })).status).toBe(400)
  })

  it('notices: changing the password and turning 2FA on and off each send an email with no secret in it', async () => {
    const user = await signUp(server, 'Careful')
    const changed = await server.request('POST', '/v1/auth/password', { token: user.accessToken, body: { currentPassword: user.password, newPassword: NEW_PASSWORD } })
    expect(changed.status, changed.text).toBe(200)
    const passwordNotice = await mail.waitFor((m) => m.to === user.email && m.subject.includes('password was changed'))
    expectNoSecret(passwordNotice, [user.password, NEW_PASSWORD])

    const setup = await server.request('POST', '/v1/auth/2fa/setup', { token: user.accessToken, body: { currentPassword: NEW_PASSWORD } })
    const { secret } = setup.body.data
    const enabled = await server.request('POST', '/v1/auth/2fa/enable', { token: user.accessToken, body: { currentPassword: NEW_PASSWORD, code: await generate({ secret, epoch: Math.floor(server.clock.now() / 1000) }) } })
    expect(enabled.status, enabled.text).toBe(200)
    const on = await mail.waitFor((m) => m.to === user.email && m.subject.includes('turned on'))
    expectNoSecret(on, [secret, ...enabled.body.data.recoveryCodes])
    expect(on.text).toContain('If this was not you')

    const disabled = await server.request('POST', '/v1/auth/2fa/disable', { token: user.accessToken, body: { code: enabled.body.data.recoveryCodes[0] } })
    expect(disabled.status, disabled.text).toBe(200)
    const off = await mail.waitFor((m) => m.to === user.email && m.subject.includes('turned off'))
    expectNoSecret(off, [secret, ...enabled.body.data.recoveryCodes])
  })

  it('400 for malformed requests, never 500', async () => {
    for (const body of [{}, { email: 'not-an-address' }, { email: 'a@example.com', extra: 1 }]) {
      expect((await server.request('POST', '/v1/auth/password-reset', { body })).status).toBe(400)
    }
    for (const body of [{}, { token: '', newPassword: NEW_PASSWORD }, { token: 'x'.repeat(300), newPassword: NEW_PASSWORD }, { token: 'nope', newPassword: NEW_PASSWORD }]) {
      expect((await server.request('POST', '/v1/auth/password-reset/confirm', { body })).status).toBe(400)
    }
  })
})

function expectNoSecret(mail: ReceivedMail, secrets: readonly string[]): void {
  for (const secret of secrets) {
    expect(mail.text).not.toContain(secret)
    expect(mail.html).not.toContain(secret)
    expect(mail.subject).not.toContain(secret)
  }
}
