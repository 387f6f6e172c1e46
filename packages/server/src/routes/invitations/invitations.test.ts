import { generate } from 'otplib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiKey, invitationTokenOf, joinOrganization, login, loginAdmin, signUp, type TestUser } from '@brandwave/testing/actors'
import { storageKinds } from '@brandwave/testing/databases'
import { startTestServer, type TestServer } from '@brandwave/testing/server'
import { mailEnv, startMailServer, tokenInMail, type TestMailServer } from '@brandwave/testing/smtp'

const PASSWORD = 'a long enough passphrase'

describe.each(storageKinds)('invitations (%s)', (kind) => {
  let server: TestServer
  let mail: TestMailServer
  let admin: TestUser
  const logLines: string[] = []
  let sequence = 0
  const newAddress = (name: string) => `${name}-${++sequence}-${kind.replace('+', '-')}@example.com`

  beforeAll(async () => {
    mail = await startMailServer()
    server = await startTestServer(kind, { env: { ...mailEnv(mail), BRANDWAVE_RESOURCES: 'contacts' }, logLines })
    admin = await loginAdmin(server)
  })
  afterAll(async () => {
    await server?.close()
    await mail?.close()
  })

  async function invite(email: string, role: 'member' | 'company_admin' = 'member', by: TestUser = admin) {
    const response = await server.request('POST', '/v1/invitations', { token: by.accessToken, body: { email, role } })
    expect(response.status, response.text).toBe(201)
    return response.body.data
  }

  it('201 emails a single-use link whose token is only in the fragment; the invitee signs up with it while sign-up is closed and joins with the invited role', async () => {
    // Sign-up closed, as it is by default: invitations must work anyway.
    await server.restartWith({ BRANDWAVE_SIGNUP: 'closed' })
    const email = newAddress('new.hire')
    const invitation = await invite(email.toUpperCase(), 'member')
    expect(invitation).toMatchObject({ email, role: 'member', status: 'pending', invitedBy: { id: admin.userId } })
    expect(Date.parse(invitation.expiresAt) - server.clock.now()).toBe(7 * 24 * 3600_000)
    expect(invitation.acceptUrl).toMatch(/^https:\/\/brandwave\.example\/invitations\/accept#token=[0-9A-Za-z]{32}$/)

    const received = await mail.waitFor((m) => m.to === email)
    expect(received.subject).toContain('invited')
    expect(received.text).toContain(invitation.acceptUrl)
    expect(received.html).toContain(invitation.acceptUrl)
    const token = tokenInMail(received)
    expect(token).toBe(invitationTokenOf(invitation.acceptUrl))

    const open = await server.request('POST', '/v1/auth/signup', { body: { email: newAddress('stranger'), password: PASSWORD, name: 'Stranger', organizationName: 'Mine' } })
    expect(open.status).toBe(403)

    const joined = await server.request('POST', '/v1/auth/signup', { body: { email, password: PASSWORD, name: 'New Hire', invitationToken: token } })
    expect(joined.status, joined.text).toBe(201)
    expect(joined.body.data).toMatchObject({ role: 'member', organization: { id: admin.organizationId }, user: { email } })
    const hire = await login(server, email, PASSWORD)
    expect(hire.organizationId).toBe(admin.organizationId)
    expect((await server.request('GET', '/v1/me', { token: hire.accessToken })).body.data.role).toBe('member')
    // That organization only: the account belongs to nothing else.
    const elsewhere = await server.request('POST', '/v1/auth/login', { body: { email, password: PASSWORD, organizationId: '01936f0e-8a5e-7cc2-9d2b-3f4e5a6b7c8d' } })
    expect(elsewhere.status).toBe(403)

    // Single use, whichever way it is presented again.
    const again = await server.request('POST', '/v1/auth/signup', { body: { email, password: PASSWORD, name: 'Twice', invitationToken: token } })
    expect(again.status).toBe(400)
    expect(again.body.error.code).toBe('validation_failed')
    expect((await server.request('POST', '/v1/invitations/accept', { token: hire.accessToken, body: { token } })).status).toBe(400)
    expect((await server.request('GET', '/v1/invitations', { token: admin.accessToken })).body.items.map((i: { id: string }) => i.id)).not.toContain(invitation.id)

    // The token is in no log line and no audit entry.
    const audit = await server.request('GET', '/v1/audit-logs?limit=100', { token: admin.accessToken })
    const actions = audit.body.items.filter((e: { target: { id: string } | null }) => e.target?.id === invitation.id || e.target?.id === joined.body.data.user.id).map((e: { action: string }) => e.action)
    expect(actions).toEqual(expect.arrayContaining(['invitation.created', 'invitation.accepted', 'member.added', 'auth.signup']))
    expect(audit.text).not.toContain(token)
    expect(logLines.join('\n')).not.toContain(token)
    await server.restartWith({})
  })

  it('a signup through an invitation needs the invited address and both fields are not allowed at once', async () => {
    const email = newAddress('picky')
    const token = invitationTokenOf((await invite(email)).acceptUrl)
    const other = await server.request('POST', '/v1/auth/signup', { body: { email: newAddress('other'), password: PASSWORD, name: 'Other', invitationToken: token } })
    expect(other.status).toBe(400)
    expect(other.body.error.details[0].field).toBe('/email')
    const both = await server.request('POST', '/v1/auth/signup', { body: { email, password: PASSWORD, name: 'Both', invitationToken: token, organizationName: 'Mine' } })
    expect(both.status).toBe(400)
    const neither = await server.request('POST', '/v1/auth/signup', { body: { email, password: PASSWORD, name: 'Neither' } })
    expect(neither.status).toBe(400)
    const weak = await server.request('POST', '/v1/auth/signup', { body: { email, password: 'password1234', name: 'Weak', invitationToken: token } })
    expect(weak.status).toBe(400)
    // None of those used the invitation up.
    expect((await server.request('POST', '/v1/auth/signup', { body: { email, password: PASSWORD, name: 'Picky', invitationToken: token } })).status).toBe(201)
  })

  it('200 an existing user accepts as themselves; another account cannot use the link (403), nor anyone without it (400)', async () => {
    const owner = await joinOrganization(server, admin, 'member', 'Owner')
    const company = await homeSession(server, owner)
    const invitation = await invite(admin.email, 'company_admin', company)
    const token = tokenInMail(await mail.waitFor((m) => m.to === admin.email && m.text.includes(invitation.acceptUrl)))

    const wrongAccount = await server.request('POST', '/v1/invitations/accept', { token: owner.accessToken, body: { token } })
    expect(wrongAccount.status).toBe(403)
    expect(wrongAccount.body.error.code).toBe('forbidden')
    const guessed = await server.request('POST', '/v1/invitations/accept', { token: admin.accessToken, body: { token: `${token.slice(0, -1)}${token.endsWith('x') ? 'y' : 'x'}` } })
    expect(guessed.status).toBe(400)

    const accepted = await server.request('POST', '/v1/invitations/accept', { token: admin.accessToken, body: { token } })
    expect(accepted.status, accepted.text).toBe(200)
    expect(accepted.body.data).toMatchObject({ invitationId: invitation.id, organizationId: company.organizationId, role: 'company_admin' })
    const there = await server.request('POST', '/v1/auth/login', { body: { email: admin.email, password: admin.password, organizationId: company.organizationId } })
    expect(there.status).toBe(200)
    // An API key cannot accept for anyone: it is nobody's session.
    const key = await createApiKey(server, admin.accessToken)
    expect((await server.request('POST', '/v1/invitations/accept', { token: key.token, body: { token } })).status).toBe(403)
  })

  it('lists pending invitations with role facets and pages; withdrawal stops the link at once; 404 for another organization’s', async () => {
    const emails = [newAddress('list-a'), newAddress('list-b'), newAddress('list-c')]
    const created = []
    for (const email of emails) created.push(await invite(email, email.includes('list-c') ? 'company_admin' : 'member'))
    const first = await server.request('GET', '/v1/invitations?limit=2', { token: admin.accessToken })
    expect(first.status).toBe(200)
    expect(first.body.items).toHaveLength(2)
    expect(first.body.items[0]).not.toHaveProperty('acceptUrl')
    const rest = await server.request('GET', `/v1/invitations?limit=100&cursor=${first.body.nextCursor}`, { token: admin.accessToken })
    const listed = [...first.body.items, ...rest.body.items].map((i: { email: string }) => i.email)
    expect(listed).toEqual(expect.arrayContaining(emails))
    expect(first.body.facets.role.company_admin).toBeGreaterThanOrEqual(1)

    const target = created[0]
    const withdrawn = await server.request('DELETE', `/v1/invitations/${target.id}`, { token: admin.accessToken })
    expect(withdrawn.status).toBe(200)
    expect(withdrawn.body.data.id).toBe(target.id)
    expect((await server.request('DELETE', `/v1/invitations/${target.id}`, { token: admin.accessToken })).status).toBe(404)
    const signup = await server.request('POST', '/v1/auth/signup', { body: { email: emails[0], password: PASSWORD, name: 'Late', invitationToken: invitationTokenOf(target.acceptUrl) } })
    expect(signup.status).toBe(400)
    const audit = await server.request('GET', `/v1/audit-logs?action=invitation.withdrawn&targetId=${target.id}`, { token: admin.accessToken })
    expect(audit.body.items).toHaveLength(1)

    const other = await signUp(server, 'Elsewhere')
    expect((await server.request('DELETE', `/v1/invitations/${created[1].id}`, { token: other.accessToken })).status).toBe(404)
    expect((await server.request('GET', '/v1/invitations', { token: other.accessToken })).body.totalCount).toBe(0)
  })

  it('an invitation expires after 7 days', async () => {
    const email = newAddress('late')
    const token = invitationTokenOf((await invite(email)).acceptUrl)
    server.clock.advance(7 * 24 * 3600_000 + 1)
    const signup = await server.request('POST', '/v1/auth/signup', { body: { email, password: PASSWORD, name: 'Late', invitationToken: token } })
    expect(signup.status).toBe(400)
    // The admin's access token did not outlive the jump: sign in again.
    admin = await loginAdmin(server)
    expect((await server.request('GET', '/v1/invitations', { token: admin.accessToken })).body.items.map((i: { email: string }) => i.email)).not.toContain(email)
  })

  it('409 for a member’s address or a second pending invitation; 403 for a member without members:write', async () => {
    const member = await joinOrganization(server, admin, 'member', 'Plain')
    const existing = await server.request('POST', '/v1/invitations', { token: admin.accessToken, body: { email: member.email, role: 'member' } })
    expect(existing.status).toBe(409)
    const email = newAddress('twice')
    await invite(email)
    expect((await server.request('POST', '/v1/invitations', { token: admin.accessToken, body: { email, role: 'member' } })).status).toBe(409)
    const denied = await server.request('POST', '/v1/invitations', { token: member.accessToken, body: { email: newAddress('friend'), role: 'member' } })
    expect(denied.status).toBe(403)
    expect((await server.request('GET', '/v1/invitations', { token: member.accessToken })).status).toBe(403)
    const bad = await server.request('POST', '/v1/invitations', { token: admin.accessToken, body: { email: 'not an address', role: 'member' } })
    expect(bad.status).toBe(400)
  })

  it('pre-registration: an account registered first for the invitee’s address cannot join without the emailed token; the real owner recovers the address by password reset and joins', async () => {
    const email = newAddress('target')
    // Where sign-up is open, an attacker registers the address before the real person does
    // (and even turns on 2FA, to keep the owner out).
    const squat = await server.request('POST', '/v1/auth/signup', { body: { email, password: 'attacker passphrase 1', name: 'Squatter', organizationName: 'Squat' } })
    expect(squat.status).toBe(201)
    const attacker = await login(server, email, 'attacker passphrase 1')
    const setup = await server.request('POST', '/v1/auth/2fa/setup', { token: attacker.accessToken, body: { currentPassword: attacker.password } })
    const enabled = await server.request('POST', '/v1/auth/2fa/enable', { token: attacker.accessToken, body: { currentPassword: attacker.password, code: await generate({ secret: setup.body.data.secret, epoch: Math.floor(server.clock.now() / 1000) }) } })
    expect(enabled.status, enabled.text).toBe(200)

    admin = await loginAdmin(server)
    const invitation = await invite(email, 'member')
    // Without the emailed token, the attacker's account gets nowhere.
    for (const token of ['', 'guess', 'a'.repeat(32)]) {
      const attempt = await server.request('POST', '/v1/invitations/accept', { token: attacker.accessToken, body: { token } })
      expect(attempt.status).toBe(400)
    }
    const members = await server.request('GET', `/v1/members?search=${encodeURIComponent(email)}`, { token: admin.accessToken })
    expect(members.body.totalCount).toBe(0)

    // The real owner reads the mailbox: the address has an account, so they reset its password.
    const token = tokenInMail(await mail.waitFor((m) => m.to === email && m.text.includes(invitation.acceptUrl)))
    const taken = await server.request('POST', '/v1/auth/signup', { body: { email, password: PASSWORD, name: 'Owner', invitationToken: token } })
    expect(taken.status).toBe(409)
    expect((await server.request('POST', '/v1/auth/password-reset', { body: { email } })).status).toBe(202)
    const reset = await mail.waitFor((m) => m.to === email && m.text.includes('/reset-password#token='))
    const confirmed = await server.request('POST', '/v1/auth/password-reset/confirm', { body: { token: tokenInMail(reset), newPassword: PASSWORD } })
    expect(confirmed.status, confirmed.text).toBe(200)

    // The attacker is out: their session ends and their password no longer works.
    expect((await server.request('GET', '/v1/me', { token: attacker.accessToken })).status).toBe(401)
    expect((await server.request('POST', '/v1/auth/login', { body: { email, password: 'attacker passphrase 1' } })).status).toBe(401)
    const owner = await login(server, email, PASSWORD)
    const accepted = await server.request('POST', '/v1/invitations/accept', { token: owner.accessToken, body: { token } })
    expect(accepted.status, accepted.text).toBe(200)
    const joined = await server.request('GET', `/v1/members?search=${encodeURIComponent(email)}`, { token: admin.accessToken })
    expect(joined.body.items).toMatchObject([{ email, role: 'member' }])
    expect((await server.request('GET', '/v1/me', { token: owner.accessToken })).body.data.twoFactorEnabled).toBe(false)
  })
})

/** `member` signed in to the organization their own sign-up created, where they are company_admin. */
async function homeSession(server: TestServer, member: TestUser): Promise<TestUser> {
  const home = await server.request('POST', '/v1/auth/login', { body: { email: member.email, password: member.password, organizationId: member.homeOrganizationId } })
  expect(home.status, home.text).toBe(200)
  return { ...member, organizationId: member.homeOrganizationId!, accessToken: home.body.data.accessToken, refreshToken: home.body.data.refreshToken }
}
