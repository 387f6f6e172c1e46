import { randomBytes } from 'node:crypto'
import { generate } from 'otplib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { login } from '@brandwave/testing/actors'
import { testDatabaseKinds } from '@brandwave/testing/databases'
import { startTestServer, type TestServer } from '@brandwave/testing/server'
import { mailEnv, startMailServer, tokenInMail, type TestMailServer } from '@brandwave/testing/smtp'

/** Sign-in details that OWASP ASVS 5.0 (V6, V7) asks for and no other suite pins down. */
describe.each(testDatabaseKinds)('sign-in hardening (%s)', (kind) => {
  let server: TestServer
  let mail: TestMailServer

  beforeAll(async () => {
    mail = await startMailServer()
    server = await startTestServer(kind, { env: mailEnv(mail) })
  })
  afterAll(async () => {
    await server?.close()
    await mail?.close()
  })

  const signUpWith = async (password: string) => {
    const email = `hardening-${randomBytes(4).toString('hex')}@example.com`
    const response = await server.request('POST', '/v1/auth/signup', { body: { email, password, name: 'Hardening', organizationName: 'Hardening Inc' } })
    expect(response.status, response.text).toBe(201)
    return email
  }
  const signIn = (email: string, password: string, extra: Record<string, string> = {}) => server.request('POST', '/v1/auth/login', { body: { email, password, ...extra } })

  it('a password is checked exactly as typed: no trimming, no case folding, no truncation', async () => {
    const password = 'Quiet Harbour Lanterns 47'
    const email = await signUpWith(password)
    expect((await signIn(email, password)).status).toBe(200)
    for (const variant of [`${password} `, ` ${password}`, password.toLowerCase(), password.toUpperCase(), password.slice(0, -1)]) {
      const response = await signIn(email, variant)
      expect(response.status, JSON.stringify(variant)).toBe(401)
      expect(response.body.error.code).toBe('invalid_credentials')
    }

    // Long passphrases are welcome, and every character of them counts.
    const long = `${'a long passphrase, '.repeat(10)}and then some`.slice(0, 200)
    const longEmail = await signUpWith(long)
    expect((await signIn(longEmail, long)).status).toBe(200)
    expect((await signIn(longEmail, long.slice(0, 199))).status).toBe(401)
    expect((await signIn(longEmail, `${long.slice(0, 199)}X`)).status).toBe(401)
  })

  it('400 for a new password that contains the account’s name, email or organization, or “brandwave”: at sign-up, change and reset', async () => {
    const signUp = (password: string) =>
      server.request('POST', '/v1/auth/signup', { body: { email: `marguerite-${randomBytes(4).toString('hex')}@harbourlight.example`, password, name: 'Marguerite Yourcenar', organizationName: 'Lighthouse Keepers' } })
    for (const password of ['Marguerite writes novels', 'yourcenar and the sea', 'harbourlight forever and ever', 'the lighthouse keepers club', 'I love Brandwave so much']) {
      const refused = await signUp(password)
      expect(refused.status, password).toBe(400)
      expect(refused.body.error).toMatchObject({ code: 'validation_failed', details: [{ field: '/password' }] })
    }
    const email = await signUpWith('plain quiet evening walks')
    const user = await login(server, email, 'plain quiet evening walks')
    const changed = await server.request('POST', '/v1/auth/password', { token: user.accessToken, body: { currentPassword: user.password, newPassword: 'brandwave is my password' } })
    expect(changed.status).toBe(400)
    expect(changed.body.error.details[0].field).toBe('/newPassword')
    // Refused means unchanged: the old password still signs in.
    expect((await signIn(email, user.password)).status).toBe(200)

    const before = mail.messages.length
    expect((await server.request('POST', '/v1/auth/password-reset', { body: { email } })).status).toBe(202)
    const message = await mail.waitFor((m) => m.to === email && m.subject.includes('Reset') && mail.messages.indexOf(m) >= before)
    const token = tokenInMail(message)
    const localPart = email.split('@')[0]!.split('-')[0]!
    const reset = await server.request('POST', '/v1/auth/password-reset/confirm', { body: { token, newPassword: `${localPart} resets the password` } })
    expect(reset.status).toBe(400)
    expect(reset.body.error.details[0].field).toBe('/newPassword')
    // The link was not spent on the refused choice.
    expect((await server.request('POST', '/v1/auth/password-reset/confirm', { body: { token, newPassword: 'a better choice of words' } })).status).toBe(200)
  })

  it('a password reset keeps 2FA on an account whose address is proven: signing in afterwards still asks for the code', async () => {
    const email = await signUpWith('first long passphrase here')
    const reset = async (newPassword: string) => {
      const before = mail.messages.length
      expect((await server.request('POST', '/v1/auth/password-reset', { body: { email } })).status).toBe(202)
      const message = await mail.waitFor((m) => m.to === email && m.subject.includes('Reset') && mail.messages.indexOf(m) >= before)
      const confirmed = await server.request('POST', '/v1/auth/password-reset/confirm', { body: { token: tokenInMail(message), newPassword } })
      expect(confirmed.status, confirmed.text).toBe(200)
    }
    // The first reset proves the address (the mailbox answered).
    await reset('second long passphrase here')
    const user = await login(server, email, 'second long passphrase here')
    const setup = await server.request('POST', '/v1/auth/2fa/setup', { token: user.accessToken, body: { currentPassword: user.password } })
    const { secret } = setup.body.data as { secret: string }
    const code = () => generate({ secret, epoch: Math.floor(server.clock.now() / 1000) })
    const enabled = await server.request('POST', '/v1/auth/2fa/enable', { token: user.accessToken, body: { code: await code(), currentPassword: user.password } })
    expect(enabled.status, enabled.text).toBe(200)

    // Whoever holds the mailbox can set a new password, but not get past the second factor.
    // (Later: a reset email goes out at most every few minutes per account.)
    const later = 15 * 60_000
    server.clock.advance(later)
    try {
      await reset('third long passphrase here')
      const withoutCode = await signIn(email, 'third long passphrase here')
      expect(withoutCode.status).toBe(401)
      expect(withoutCode.body.error.code).toBe('two_factor_required')
      expect((await signIn(email, 'third long passphrase here', { twoFactorCode: await code() })).status).toBe(200)
    } finally {
      server.clock.advance(-later)
    }
  })

  it('turning 2FA off and new recovery codes end the user’s other sessions; the one that did it keeps working', async () => {
    const password = 'evening tide lanterns'
    const email = await signUpWith(password)
    const here = await login(server, email, password)
    const setup = await server.request('POST', '/v1/auth/2fa/setup', { token: here.accessToken, body: { currentPassword: password } })
    const { secret } = setup.body.data as { secret: string }
    const code = () => generate({ secret, epoch: Math.floor(server.clock.now() / 1000) })
    expect((await server.request('POST', '/v1/auth/2fa/enable', { token: here.accessToken, body: { code: await code(), currentPassword: password } })).status).toBe(200)

    const step = 30_000
    let moved = 0
    // Each code works once: the next sign-in or proof uses the next time step.
    const nextCode = async () => {
      server.clock.advance(step)
      moved += step
      return code()
    }
    try {
      const elsewhere = await server.request('POST', '/v1/auth/login', { body: { email, password, twoFactorCode: await nextCode() } })
      expect(elsewhere.status, elsewhere.text).toBe(200)
      const renewed = await server.request('POST', '/v1/auth/2fa/recovery-codes', { token: here.accessToken, body: { currentPassword: password } })
      expect(renewed.status, renewed.text).toBe(200)
      expect((await server.request('GET', '/v1/me', { token: elsewhere.body.data.accessToken })).status).toBe(401)
      expect((await server.request('POST', '/v1/auth/refresh', { body: { refreshToken: elsewhere.body.data.refreshToken } })).status).toBe(401)
      expect((await server.request('GET', '/v1/me', { token: here.accessToken })).status).toBe(200)

      const another = await server.request('POST', '/v1/auth/login', { body: { email, password, twoFactorCode: await nextCode() } })
      expect(another.status, another.text).toBe(200)
      const disabled = await server.request('POST', '/v1/auth/2fa/disable', { token: here.accessToken, body: { code: await nextCode() } })
      expect(disabled.status, disabled.text).toBe(200)
      expect((await server.request('GET', '/v1/me', { token: another.body.data.accessToken })).status).toBe(401)
      expect((await server.request('GET', '/v1/me', { token: here.accessToken })).status).toBe(200)
    } finally {
      server.clock.advance(-moved)
    }
  })

  it('signing in again in the dashboard ends the session the browser had', async () => {
    const password = 'dashboard long passphrase'
    const email = await signUpWith(password)
    const origin = server.url
    const start = (cookie?: string) =>
      server.request('POST', '/v1/auth/browser-session', { body: { email, password }, headers: { origin, ...(cookie !== undefined && { cookie: `brandwave_refresh=${cookie}` }) } })
    const cookieOf = (response: Awaited<ReturnType<typeof start>>) => {
      const line = response.headers.getSetCookie()[0] ?? ''
      return line.slice(line.indexOf('=') + 1, line.indexOf(';'))
    }
    const first = await start()
    expect(first.status).toBe(200)
    const second = await start(cookieOf(first))
    expect(second.status, second.text).toBe(200)

    // The first session is over: its access token and its cookie no longer work.
    expect((await server.request('GET', '/v1/me', { token: first.body.data.accessToken })).status).toBe(401)
    expect((await server.request('POST', '/v1/auth/browser-session/refresh', { headers: { origin, cookie: `brandwave_refresh=${cookieOf(first)}` } })).status).toBe(401)
    // The new one does.
    expect((await server.request('GET', '/v1/me', { token: second.body.data.accessToken })).status).toBe(200)
    expect((await server.request('POST', '/v1/auth/browser-session/refresh', { headers: { origin, cookie: `brandwave_refresh=${cookieOf(second)}` } })).status).toBe(200)

    // A cookie that is no session at all does not stand in the way of signing in.
    expect((await start('bw_rt_notarealtoken')).status).toBe(200)
  })
})
