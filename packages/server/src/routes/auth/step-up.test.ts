import { generate } from 'otplib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPat, joinOrganization, login, signUp, type TestUser } from '@brandwave/testing/actors'
import { testDatabaseKinds } from '@brandwave/testing/databases'
import { startTestServer, type TestServer } from '@brandwave/testing/server'
import { mailEnv, startMailServer, tokenInMail, type TestMailServer } from '@brandwave/testing/smtp'

/**
 * Step-up: changes that could take an account over need proof of the owner in the request
 * itself. The attacker here holds an access token stolen seconds after its sign-in (a leaked
 * log line, a script on a page that held it) and nothing else.
 */
describe.each(testDatabaseKinds)('step-up on account takeover paths (%s)', (kind) => {
  let server: TestServer
  let mail: TestMailServer

  beforeAll(async () => {
    mail = await startMailServer()
    server = await startTestServer(kind, { env: { ...mailEnv(mail), BRANDWAVE_RESOURCES: 'contacts' } })
  })
  afterAll(async () => {
    await server?.close()
    await mail?.close()
  })

  const post = (user: TestUser | string, path: string, body: object = {}) => server.request('POST', path, { token: typeof user === 'string' ? user : user.accessToken, body })
  const totp = (secret: string) => generate({ secret, epoch: Math.floor(server.clock.now() / 1000) })
  const expectStepUpRequired = (response: Awaited<ReturnType<typeof post>>) => {
    expect(response.status, response.text).toBe(403)
    expect(response.body.error.code).toBe('forbidden')
    expect(response.body.error.details[0]).toMatchObject({ field: '/currentPassword', reason: 'STEP_UP_REQUIRED' })
  }

  async function withTwoFactor(name: string): Promise<{ user: TestUser; secret: string; recoveryCodes: string[] }> {
    const user = await signUp(server, name)
    const setup = await post(user, '/v1/auth/2fa/setup', { currentPassword: user.password })
    expect(setup.status, setup.text).toBe(200)
    const { secret } = setup.body.data
    const enabled = await post(user, '/v1/auth/2fa/enable', { code: await totp(secret), currentPassword: user.password })
    expect(enabled.status, enabled.text).toBe(200)
    server.clock.advance(30_000) // the enrolment code's step is spent
    return { user, secret, recoveryCodes: enabled.body.data.recoveryCodes }
  }

  it('403 STEP_UP_REQUIRED: a token stolen seconds after sign-in cannot enrol the thief’s authenticator', async () => {
    const victim = await signUp(server, 'Victim')
    const stolen = victim.accessToken
    expectStepUpRequired(await post(stolen, '/v1/auth/2fa/setup'))
    const wrong = await post(stolen, '/v1/auth/2fa/setup', { currentPassword: 'a guess at it' })
    expect(wrong.status).toBe(401)
    expect(wrong.body.error).toMatchObject({ code: 'invalid_credentials', details: [{ field: '/currentPassword', reason: 'WRONG_PASSWORD' }] })
    // The session itself is fine: a wrong proof is not a sign-out.
    expect((await server.request('GET', '/v1/me', { token: stolen })).body.data.twoFactorEnabled).toBe(false)
  })

  it('403 STEP_UP_REQUIRED: enabling needs the password too, not only the code of the new authenticator', async () => {
    const user = await signUp(server, 'Enabler')
    const { secret } = (await post(user, '/v1/auth/2fa/setup', { currentPassword: user.password })).body.data
    expectStepUpRequired(await post(user, '/v1/auth/2fa/enable', { code: await totp(secret) }))
    expect((await server.request('GET', '/v1/me', { token: user.accessToken })).body.data.twoFactorEnabled).toBe(false)
    expect((await post(user, '/v1/auth/2fa/enable', { code: await totp(secret), currentPassword: user.password })).status).toBe(200)
  })

  it('recovery codes: 403 without proof, 401 WRONG_CODE for a wrong code, 200 with a TOTP or the password; earlier codes stop working', async () => {
    const { user, secret, recoveryCodes } = await withTwoFactor('Recoverer')
    const stolen = user.accessToken
    expectStepUpRequired(await post(stolen, '/v1/auth/2fa/recovery-codes'))
    const wrong = await post(stolen, '/v1/auth/2fa/recovery-codes', { twoFactorCode: '000000' })
    expect(wrong.status).toBe(401)
    expect(wrong.body.error.details[0]).toMatchObject({ field: '/twoFactorCode', reason: 'WRONG_CODE' })

    const renewed = await post(user, '/v1/auth/2fa/recovery-codes', { twoFactorCode: await totp(secret) })
    expect(renewed.status, renewed.text).toBe(200)
    const codes: string[] = renewed.body.data.recoveryCodes
    expect(codes).toHaveLength(10)
    expect(codes.some((code) => recoveryCodes.includes(code))).toBe(false)
    const signIn = (twoFactorCode: string) => server.request('POST', '/v1/auth/login', { body: { email: user.email, password: user.password, twoFactorCode } })
    expect((await signIn(recoveryCodes[0]!)).status).toBe(401)
    expect((await signIn(codes[0]!)).status).toBe(200)
    expect((await post(user, '/v1/auth/2fa/recovery-codes', { currentPassword: user.password })).status).toBe(200)

    const audit = await server.request('GET', '/v1/audit-logs?limit=100', { token: user.accessToken })
    const actions = audit.body.items.map((event: { action: string }) => event.action)
    expect(actions.filter((action: string) => action === 'auth.recovery_codes_regenerated')).toHaveLength(2)
    expect(actions).toContain('auth.step_up_failed')
    for (const code of [...recoveryCodes, ...codes]) expect(audit.text).not.toContain(code)

    const off = await signUp(server, 'NoTwoFactor')
    expect((await post(off, '/v1/auth/2fa/recovery-codes', { currentPassword: off.password })).status).toBe(409)
  })

  it('password change: 403 without proof; with 2FA on the current code is proof enough', async () => {
    const plain = await signUp(server, 'PlainChanger')
    expectStepUpRequired(await post(plain, '/v1/auth/password', { newPassword: 'a brand new passphrase' }))
    // A code is no proof where 2FA is off.
    const codeWithout2fa = await post(plain, '/v1/auth/password', { twoFactorCode: '123456', newPassword: 'a brand new passphrase' })
    expectStepUpRequired(codeWithout2fa)
    expect((await login(server, plain.email, plain.password)).accessToken).toBeTruthy()

    const { user, secret } = await withTwoFactor('CodeChanger')
    const changed = await post(user, '/v1/auth/password', { twoFactorCode: await totp(secret), newPassword: 'a brand new passphrase' })
    expect(changed.status, changed.text).toBe(200)
    server.clock.advance(30_000)
    const relogin = await server.request('POST', '/v1/auth/login', { body: { email: user.email, password: 'a brand new passphrase', twoFactorCode: await totp(secret) } })
    expect(relogin.status).toBe(200)
  })

  it('email change: 403 without proof, 401 for a wrong password; 202 mails a link to the new address and a notice to the old; the link changes it once', async () => {
    const user = await signUp(server, 'Mover')
    const newEmail = `moved-${user.userId.slice(0, 8)}@example.net`
    expectStepUpRequired(await post(user, '/v1/auth/email', { email: newEmail }))
    expect((await post(user, '/v1/auth/email', { email: newEmail, currentPassword: 'not it' })).status).toBe(401)
    expect((await post(user, '/v1/auth/email', { email: user.email, currentPassword: user.password })).status).toBe(400)
    const taken = await signUp(server, 'Squatter')
    expect((await post(user, '/v1/auth/email', { email: taken.email, currentPassword: user.password })).status).toBe(409)

    const requested = await post(user, '/v1/auth/email', { email: newEmail.toUpperCase(), currentPassword: user.password })
    expect(requested.status, requested.text).toBe(202)
    expect(requested.body.data.email).toBe(newEmail)
    const link = await mail.waitFor((m) => m.to === newEmail && m.subject.includes('Confirm'))
    expect(link.text).toContain('/confirm-email#token=')
    expect(link.text).not.toContain(user.password)
    const notice = await mail.waitFor((m) => m.to === user.email && m.subject.includes('change of your'))
    expect(notice.text).toContain(newEmail)
    expect(notice.text).not.toContain('#token=')

    // Nothing changes until the link is opened.
    expect((await server.request('GET', '/v1/me', { token: user.accessToken })).body.data.email).toBe(user.email)
    const token = tokenInMail(link)
    const confirmed = await server.request('POST', '/v1/auth/email/confirm', { body: { token } })
    expect(confirmed.status, confirmed.text).toBe(200)
    expect(confirmed.body.data.email).toBe(newEmail)
    expect((await server.request('POST', '/v1/auth/email/confirm', { body: { token } })).status).toBe(400)
    expect((await server.request('GET', '/v1/me', { token: user.accessToken })).body.data.email).toBe(newEmail)
    expect((await login(server, newEmail, user.password)).accessToken).toBeTruthy()
    expect((await server.request('POST', '/v1/auth/login', { body: { email: user.email, password: user.password } })).status).toBe(401)
    await mail.waitFor((m) => m.to === user.email && m.subject.includes('was changed'))

    const audit = await server.request('GET', '/v1/audit-logs?limit=100', { token: user.accessToken })
    const actions = audit.body.items.map((event: { action: string }) => event.action)
    expect(actions).toEqual(expect.arrayContaining(['auth.email_change_requested', 'auth.email_changed']))
    expect(audit.text).not.toContain(token)
  })

  it('a newer email change voids the earlier link; a made-up token is 400', async () => {
    const user = await signUp(server, 'Twice')
    const first = `first-${user.userId.slice(0, 8)}@example.net`
    const second = `second-${user.userId.slice(0, 8)}@example.net`
    expect((await post(user, '/v1/auth/email', { email: first, currentPassword: user.password })).status).toBe(202)
    const firstToken = tokenInMail(await mail.waitFor((m) => m.to === first))
    expect((await post(user, '/v1/auth/email', { email: second, currentPassword: user.password })).status).toBe(202)
    const secondToken = tokenInMail(await mail.waitFor((m) => m.to === second))
    expect((await server.request('POST', '/v1/auth/email/confirm', { body: { token: firstToken } })).status).toBe(400)
    expect((await server.request('POST', '/v1/auth/email/confirm', { body: { token: 'x'.repeat(32) } })).status).toBe(400)
    expect((await server.request('POST', '/v1/auth/email/confirm', { body: { token: secondToken } })).status).toBe(200)
  })

  it('personal access tokens with admin scopes: 403 without proof from a session; member scopes, credentials and proof pass', async () => {
    const admin = await signUp(server, 'TokenAdmin')
    const create = (user: TestUser | string, body: object) => post(user, '/v1/personal-access-tokens', { name: 'step-up', ...body })
    // Without scopes an admin's token carries every admin permission.
    expectStepUpRequired(await create(admin, {}))
    expectStepUpRequired(await create(admin, { scopes: ['contacts:read', 'members:write'] }))
    expect((await create(admin, { scopes: ['contacts:read', 'personal_access_tokens:read'] })).status).toBe(201)
    expect((await create(admin, { currentPassword: 'not it' })).status).toBe(401)
    const wide = await create(admin, { currentPassword: admin.password })
    expect(wide.status, wide.text).toBe(201)
    // A token minting a token holds no password; it cannot exceed its own scopes anyway.
    expect((await create(wide.body.data.token, { scopes: ['members:read'] })).status).toBe(201)
    // A member's token without scopes holds no admin scope.
    const member = await joinOrganization(server, admin, 'member', 'Member')
    expect((await create(member, {})).status).toBe(201)

    // A new secret for an admin token is a new admin token.
    expectStepUpRequired(await post(admin, `/v1/personal-access-tokens/${wide.body.data.id}/rotate`))
    expect((await server.request('GET', '/v1/me', { token: wide.body.data.token })).status).toBe(200)
    const rotated = await post(admin, `/v1/personal-access-tokens/${wide.body.data.id}/rotate`, { currentPassword: admin.password })
    expect(rotated.status, rotated.text).toBe(201)
    const narrow = await createPat(server, admin.accessToken, { scopes: ['contacts:read'] })
    expect((await post(admin, `/v1/personal-access-tokens/${narrow.id}/rotate`)).status).toBe(201)

    const { user: guarded, secret } = await withTwoFactor('GuardedAdmin')
    expect((await create(guarded, { twoFactorCode: await totp(secret) })).status).toBe(201)
  })

  it('429: wrong proofs are throttled like sign-ins, and then even the right one waits', async () => {
    const user = await signUp(server, 'Guessed')
    for (let i = 0; i < 5; i++) expect((await post(user, '/v1/auth/2fa/setup', { currentPassword: `guess ${i}` })).status).toBe(401)
    const throttled = await post(user, '/v1/auth/2fa/setup', { currentPassword: user.password })
    expect(throttled.status).toBe(429)
    expect(throttled.headers.get('retry-after')).toMatch(/^\d+$/)
  })
})

describe('step-up without email', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer('sqlite')
  })
  afterAll(() => server?.close())

  it('409: an address nobody can confirm is never taken', async () => {
    const user = await signUp(server, 'Unmailed')
    const response = await server.request('POST', '/v1/auth/email', { token: user.accessToken, body: { email: 'elsewhere@example.net', currentPassword: user.password } })
    expect(response.status).toBe(409)
    expect((await server.request('GET', '/v1/me', { token: user.accessToken })).body.data.email).toBe(user.email)
  })
})
