import { deriveKey, open } from '@brandwave/core'
import { generate } from 'otplib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { login, signUp, type TestUser } from '@brandwave/testing/actors'
import { testDatabaseKinds } from '@brandwave/testing/databases'
import { startTestServer, TEST_SECRET, type TestServer } from '@brandwave/testing/server'

describe.each(testDatabaseKinds)('two-factor authentication (%s)', (kind) => {
  let server: TestServer

  beforeAll(async () => {
    // Generous sign-in allowances: this suite tests 2FA, the throttle has its own.
    server = await startTestServer(kind, { env: { BRANDWAVE_SECRET: TEST_SECRET, BRANDWAVE_LOGIN_FAILURES_PER_ACCOUNT: '100', BRANDWAVE_LOGIN_FAILURES_PER_IP: '1000' } })
  })
  afterAll(() => server?.close())

  /** The code an authenticator app shows `steps` periods from the server's now. */
  const totp = (secret: string, steps = 0) => generate({ secret, epoch: Math.floor(server.clock.now() / 1000) + steps * 30 })
  const signIn = (user: TestUser, twoFactorCode?: string) =>
    server.request('POST', '/v1/auth/login', { body: { email: user.email, password: user.password, ...(twoFactorCode !== undefined && { twoFactorCode }) } })

  async function enrol(user: TestUser): Promise<{ secret: string; recoveryCodes: string[] }> {
    const setup = await server.request('POST', '/v1/auth/2fa/setup', { token: user.accessToken, body: { currentPassword: user.password } })
    expect(setup.status, setup.text).toBe(200)
    const { secret } = setup.body.data
    const enabled = await server.request('POST', '/v1/auth/2fa/enable', { token: user.accessToken, body: { currentPassword: user.password, code: await totp(secret) } })
    expect(enabled.status, enabled.text).toBe(200)
    server.clock.advance(30_000) // the enrolment code's step is spent
    return { secret, recoveryCodes: enabled.body.data.recoveryCodes }
  }

  it('enrols: setup gives a base32 secret and an otpauth URL; enable returns ten recovery codes; /me shows it', async () => {
    const user = await signUp(server, 'Enroller')
    const setup = await server.request('POST', '/v1/auth/2fa/setup', { token: user.accessToken, body: { currentPassword: user.password } })
    const { secret, otpauthUrl } = setup.body.data
    expect(secret).toMatch(/^[A-Z2-7]{32}$/)
    const url = new URL(otpauthUrl)
    expect(url.protocol).toBe('otpauth:')
    expect(url.host).toBe('totp')
    expect(decodeURIComponent(url.pathname)).toBe(`/Brandwave:${user.email}`)
    expect(url.searchParams.get('secret')).toBe(secret)
    expect(url.searchParams.get('issuer')).toBe('Brandwave')

    // Still off until a code confirms it.
    expect((await server.request('GET', '/v1/me', { token: user.accessToken })).body.data.twoFactorEnabled).toBe(false)
    const wrong = await server.request('POST', '/v1/auth/2fa/enable', { token: user.accessToken, body: { currentPassword: user.password, code: '000000' } })
    expect(wrong.status).toBe(400)

    const enabled = await server.request('POST', '/v1/auth/2fa/enable', { token: user.accessToken, body: { currentPassword: user.password, code: await totp(secret) } })
    expect(enabled.status).toBe(200)
    expect(enabled.body.data.recoveryCodes).toHaveLength(10)
    expect(new Set(enabled.body.data.recoveryCodes).size).toBe(10)
    for (const code of enabled.body.data.recoveryCodes) expect(code).toMatch(/^[a-z2-7]{4}(-[a-z2-7]{4}){5}$/)
    expect((await server.request('GET', '/v1/me', { token: user.accessToken })).body.data.twoFactorEnabled).toBe(true)
    expect((await server.request('POST', '/v1/auth/2fa/setup', { token: user.accessToken, body: { currentPassword: user.password } })).status).toBe(409)

    // At rest: the secret sealed with the key derived for it (AES-256-GCM, bound to the
    // user), and nowhere readable in any encoding; recovery codes only as keyed hashes.
    const db = server.running.database.db
    const row = await db.selectFrom('users').select(['totp_secret']).where('id', '=', user.userId).executeTakeFirstOrThrow()
    const key = deriveKey(Buffer.from(TEST_SECRET), 'totp-encryption/v1')
    expect(open(key, row.totp_secret!, `totp:${user.userId}`)).toBe(secret)
    expect(() => open(key, row.totp_secret!, 'totp:someone-else')).toThrow()
    const raw = Buffer.from(row.totp_secret!, 'base64url')
    for (const encoding of [secret, secret.toLowerCase(), Buffer.from(secret).toString('base64'), Buffer.from(secret).toString('hex')]) {
      expect(row.totp_secret!.toLowerCase()).not.toContain(encoding.toLowerCase())
      expect(raw.includes(Buffer.from(secret))).toBe(false)
    }
    const codes = await db.selectFrom('recovery_codes').select(['code_hash']).where('user_id', '=', user.userId).execute()
    expect(codes).toHaveLength(10)
    for (const { code_hash } of codes) {
      expect(code_hash).toMatch(/^[\w-]{43}$/) // a 256-bit MAC, base64url
      for (const code of enabled.body.data.recoveryCodes) expect(code_hash.toLowerCase()).not.toContain(code.replaceAll('-', ''))
    }
  })

  it('sign-in: the password first (no oracle), then two_factor_required, then a TOTP accepted once', async () => {
    const user = await signUp(server, 'Signer')
    const { secret } = await enrol(user)

    const wrongPassword = await server.request('POST', '/v1/auth/login', { body: { email: user.email, password: 'not the password' } })
    expect(wrongPassword.status).toBe(401)
    expect(wrongPassword.body.error.code).toBe('invalid_credentials')
    const wrongPasswordWithCode = await server.request('POST', '/v1/auth/login', { body: { email: user.email, password: 'not the password', twoFactorCode: await totp(secret) } })
    expect(wrongPasswordWithCode.body.error.code).toBe('invalid_credentials')

    const noCode = await signIn(user)
    expect(noCode.status).toBe(401)
    expect(noCode.body.error.code).toBe('two_factor_required')

    const code = await totp(secret)
    const first = await signIn(user, code)
    expect(first.status).toBe(200)
    const replay = await signIn(user, code)
    expect(replay.status).toBe(401)
    expect(replay.body.error.code).toBe('invalid_credentials')

    expect((await signIn(user, '123456')).status).toBe(401)
    server.clock.advance(30_000)
    expect((await signIn(user, await totp(secret))).status).toBe(200)
  })

  it('one code, sent many times at once, signs in exactly once (TOTP and recovery code alike)', async () => {
    const user = await signUp(server, 'Concurrent')
    const { secret, recoveryCodes } = await enrol(user)
    const code = await totp(secret)
    const totpResults = await Promise.all(Array.from({ length: 8 }, () => signIn(user, code)))
    expect(totpResults.map((r) => r.status).sort()).toEqual([200, 401, 401, 401, 401, 401, 401, 401])
    const recoveryResults = await Promise.all(Array.from({ length: 8 }, () => signIn(user, recoveryCodes[0])))
    expect(recoveryResults.map((r) => r.status).sort()).toEqual([200, 401, 401, 401, 401, 401, 401, 401])
  })

  it('a clock set back cannot make a used code work again, nor break verification', async () => {
    const user = await signUp(server, 'Rewound')
    const { secret } = await enrol(user)
    const code = await totp(secret)
    expect((await signIn(user, code)).status).toBe(200)
    server.clock.advance(-5 * 60_000)
    try {
      expect((await signIn(user, await totp(secret))).status).toBe(401)
      expect((await signIn(user, code)).status).toBe(401)
    } finally {
      server.clock.advance(5 * 60_000)
    }
    server.clock.advance(30_000)
    expect((await signIn(user, await totp(secret))).status).toBe(200)
  })

  it('turning 2FA on ends the user’s other sessions, which never proved a second factor', async () => {
    const user = await signUp(server, 'Upgrader')
    const other = await login(server, user.email, user.password)
    await enrol(user)
    expect((await server.request('GET', '/v1/me', { token: other.accessToken })).status).toBe(401)
    expect((await server.request('GET', '/v1/me', { token: user.accessToken })).status).toBe(200)
  })

  it('an organization the user is not in is refused before any code is spent or audited there', async () => {
    const user = await signUp(server, 'Wanderer')
    const { recoveryCodes } = await enrol(user)
    const stranger = await signUp(server, 'Stranger')
    const foreign = await server.request('POST', '/v1/auth/login', {
      body: { email: user.email, password: user.password, twoFactorCode: recoveryCodes[0], organizationId: stranger.organizationId },
    })
    expect(foreign.status).toBe(403)
    expect((await signIn(user, recoveryCodes[0])).status).toBe(200)
    const strangerAudit = await server.request('GET', '/v1/audit-logs?limit=100', { token: stranger.accessToken })
    expect(strangerAudit.text).not.toContain(user.userId)
  })

  it('accepts the previous and next step (clock drift), not two steps away', async () => {
    const user = await signUp(server, 'Drifter')
    const { secret } = await enrol(user)
    server.clock.advance(90_000)
    expect((await signIn(user, await totp(secret, -2))).status).toBe(401)
    expect((await signIn(user, await totp(secret, -1))).status).toBe(200)
    expect((await signIn(user, await totp(secret, 1))).status).toBe(200)
    // The step after it was used: the current one is now in the past of what was accepted.
    expect((await signIn(user, await totp(secret))).status).toBe(401)
  })

  it('a recovery code signs in exactly once, in any case and spacing, and its use is audited', async () => {
    const user = await signUp(server, 'Recoverer')
    const { recoveryCodes } = await enrol(user)
    const code = recoveryCodes[3]!
    const first = await signIn(user, ` ${code.toUpperCase().replaceAll('-', ' ')} `)
    expect(first.status).toBe(200)
    expect((await signIn(user, code)).status).toBe(401)
    expect((await signIn(user, recoveryCodes[4])).status).toBe(200)

    const audit = await server.request('GET', '/v1/audit-logs?action=auth.recovery_code_used', { token: first.body.data.accessToken })
    expect(audit.body.items.map((e: any) => e.details.remaining)).toEqual([8, 9])
    expect(audit.text).not.toContain(code)
  })

  it('disable: a valid code from a fresh sign-in; afterwards sign-in needs only the password', async () => {
    const user = await signUp(server, 'Disabler')
    const { secret } = await enrol(user)
    const session = (await signIn(user, await totp(secret))).body.data.accessToken
    const disable = (code: string) => server.request('POST', '/v1/auth/2fa/disable', { token: session, body: { code } })

    const wrong = await disable('000000')
    expect(wrong.status).toBe(401)
    expect(wrong.body.error).toMatchObject({ code: 'invalid_credentials', details: [{ field: '/twoFactorCode', reason: 'WRONG_CODE' }] })
    server.clock.advance(30_000)
    expect((await disable(await totp(secret))).status).toBe(200)
    expect((await disable(await totp(secret))).status).toBe(409)

    const plain = await signIn(user)
    expect(plain.status).toBe(200)
    expect((await server.request('GET', '/v1/me', { token: plain.body.data.accessToken })).body.data.twoFactorEnabled).toBe(false)
    const audit = await server.request('GET', '/v1/audit-logs', { token: plain.body.data.accessToken })
    const actions = audit.body.items.map((e: { action: string }) => e.action)
    expect(actions).toContain('auth.two_factor_enabled')
    expect(actions).toContain('auth.two_factor_disabled')
  })

  it('disable with a recovery code (the phone is lost): it works once, and its use is audited', async () => {
    const user = await signUp(server, 'Phoneless')
    const { recoveryCodes } = await enrol(user)
    const session = (await signIn(user, recoveryCodes[0])).body.data.accessToken
    const disabled = await server.request('POST', '/v1/auth/2fa/disable', { token: session, body: { code: recoveryCodes[1] } })
    expect(disabled.status, disabled.text).toBe(200)
    expect((await signIn(user)).status).toBe(200)

    const audit = await server.request('GET', '/v1/audit-logs?limit=100', { token: session })
    const actions = audit.body.items.map((e: { action: string }) => e.action)
    expect(actions.filter((action: string) => action === 'auth.recovery_code_used')).toHaveLength(2)
    expect(actions).toContain('auth.two_factor_disabled')
    for (const code of recoveryCodes) expect(audit.text).not.toContain(code)
  })

  it('200 for a session older than 10 minutes with a current code: the code in the request is the proof, not the sign-in’s age', async () => {
    const user = await signUp(server, 'Stale')
    const { secret } = await enrol(user)
    const session = (await signIn(user, await totp(secret))).body.data
    server.clock.advance(10 * 60_000 + 1000)
    const refreshed = (await server.request('POST', '/v1/auth/refresh', { body: { refreshToken: session.refreshToken } })).body.data
    const response = await server.request('POST', '/v1/auth/2fa/disable', { token: refreshed.accessToken, body: { code: await totp(secret) } })
    expect(response.status, response.text).toBe(200)
    expect((await server.request('GET', '/v1/me', { token: refreshed.accessToken })).body.data.twoFactorEnabled).toBe(false)
  })
})
