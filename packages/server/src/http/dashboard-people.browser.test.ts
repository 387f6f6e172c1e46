import { createHmac } from 'node:crypto'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiKey, loginAdmin, signUp } from '@brandwave/testing/actors'
import { CHROMIUM, chromiumPresent, expectAccessible, expectNoConsoleErrors, launchChromium, openWatchedPage, type WatchedPage } from '@brandwave/testing/browser'
import { ensureDashboardBuilt } from '@brandwave/testing/dashboard'
import { ADMIN_EMAIL, ADMIN_PASSWORD, startTestServer, type TestServer } from '@brandwave/testing/server'
import { mailEnv, startMailServer, tokenInMail, type TestMailServer } from '@brandwave/testing/smtp'
import { WebhookReceiver, type ReceivedWebhook } from '@brandwave/testing/webhook-receiver'

// Resuming without a session answers 401; Chromium logs it as a console error.

if (!chromiumPresent) {
  console.warn(`\n!!! SKIPPED: the dashboard's invitation and password-reset browser tests need Chromium at ${CHROMIUM}. Nothing in the browser was tested. !!!\n`)
}


describe.skipIf(!chromiumPresent)('the dashboard in Chromium: invitations, password reset and webhooks (sqlite)', { timeout: 90_000 }, () => {
  let server: TestServer
  let mail: TestMailServer
  let browser: Browser
  let receiver: WebhookReceiver | undefined
  const contexts: BrowserContext[] = []

  beforeAll(async () => {
    ensureDashboardBuilt()
    mail = await startMailServer()
    server = await startTestServer('sqlite', { env: { ...mailEnv(mail), BRANDWAVE_WEBHOOK_ALLOW_PRIVATE: 'true' } })
    browser = await launchChromium()
  })
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined)
    await browser?.close()
    await server?.close()
    await mail?.close()
    await receiver?.close()
  })

  const open = (viewport?: { width: number; height: number }): Promise<WatchedPage> => openWatchedPage(browser, server.url, contexts, viewport)



  async function signIn(watched: WatchedPage, email: string, password: string, path: string): Promise<void> {
    const { page } = watched
    await page.goto(path)
    await page.getByLabel('Email').fill(email)
    await page.getByLabel('Password', { exact: true }).fill(password)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.waitForURL((url) => url.pathname === path)
    expectNoConsoleErrors(watched, true)
  }

  async function invite(page: Page, email: string): Promise<string> {
    await page.getByRole('button', { name: 'Invite' }).click()
    const dialog = page.getByRole('dialog', { name: 'Invite someone' })
    await dialog.getByLabel('Email').fill(email)
    await dialog.getByLabel('Role').selectOption('member')
    await expectAccessible(page, 'invite dialog')
    await dialog.getByRole('button', { name: 'Send invitation' }).click()
    const shown = page.getByRole('dialog', { name: 'Invitation link' })
    const link = await shown.getByLabel('Invitation link').inputValue()
    expect(link).toMatch(/\/invitations\/accept#token=[0-9A-Za-z]+$/)
    await expectAccessible(page, 'invitation link dialog')
    await shown.getByRole('button', { name: 'Done' }).click()
    await shown.waitFor({ state: 'detached' })
    return link
  }

  it('Members: Invite shows the link once, the invitation is pending, and Withdraw (confirmed) ends it', async () => {
    const admin = await loginAdmin(server)
    const watched = await open()
    const { page } = watched
    await signIn(watched, ADMIN_EMAIL, ADMIN_PASSWORD, '/settings/members')

    const link = await invite(page, 'wendy@example.com')
    const row = page.getByRole('region', { name: 'Pending invitations' }).getByRole('row', { name: /wendy@example\.com/ })
    await row.waitFor()
    expect(await page.content()).not.toContain(link.split('#token=')[1])
    // The link went out by email as well.
    await mail.waitFor((m) => m.to === 'wendy@example.com')

    await row.getByRole('button', { name: 'Withdraw the invitation of wendy@example.com' }).click()
    const confirm = page.getByRole('alertdialog', { name: /Withdraw the invitation of wendy@example\.com/ })
    await expectAccessible(page, 'withdraw confirmation')
    await confirm.getByRole('button', { name: 'Withdraw' }).click()
    await confirm.waitFor({ state: 'detached' })
    await row.waitFor({ state: 'detached' })
    const pending = await server.request('GET', '/v1/invitations', { token: admin.accessToken })
    expect(pending.body.items.map((i: { email: string }) => i.email)).not.toContain('wendy@example.com')
    expectNoConsoleErrors(watched)
  })

  it('an invited person signs up on the accept page and lands signed in, in the inviting organization', async () => {
    const admin = await loginAdmin(server)
    const watched = await open()
    const { page } = watched
    await signIn(watched, ADMIN_EMAIL, ADMIN_PASSWORD, '/settings/members')
    const link = await invite(page, 'nina@example.com')

    const invited = await open({ width: 390, height: 844 })
    const token = link.split('#token=')[1] ?? ''
    const requests: string[] = []
    invited.page.on('request', (request) => requests.push(`${request.url()} ${request.postData() ?? ''}`))
    await invited.page.goto(`/invitations/accept#token=${token}`)
    await invited.page.getByRole('heading', { name: 'Join an organization on Brandwave' }).waitFor()
    await invited.page.getByLabel('Email').waitFor()
    // The token leaves the address bar once read.
    expect(new URL(invited.page.url()).hash).toBe('')
    await expectAccessible(invited.page, 'accept page')
    expect(await invited.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0)
    // Not the invited address: refused, next to the form.
    await invited.page.getByLabel('Email').fill('someone-else@example.com')
    await invited.page.getByLabel('Name').fill('Nina')
    await invited.page.getByLabel('Password').fill('a long enough passphrase')
    await invited.page.getByRole('button', { name: 'Create account and join' }).click()
    await expect.poll(async () => (await invited.page.getByRole('alert').textContent()) ?? '').toMatch(/\S/)
    invited.errors.length = 0

    await invited.page.getByLabel('Email').fill('nina@example.com')
    await invited.page.getByRole('button', { name: 'Create account and join' }).click()
    await invited.page.waitForURL('**/settings/members')
    // At phone width the signed-in address is hidden from view but still in the top bar.
    await expect.poll(() => invited.page.locator('.who').textContent()).toBe('nina@example.com')
    await invited.page.getByText('Only organization admins').waitFor()
    // The token went only in request bodies, never in an address.
    expect(requests.filter((line) => line.split(' ')[0]?.includes(token))).toEqual([])

    const members = await server.request('GET', '/v1/members', { token: admin.accessToken })
    expect(members.body.items.map((m: { email: string }) => m.email)).toContain('nina@example.com')
    expectNoConsoleErrors(invited, true)
    expectNoConsoleErrors(watched)
  })

  it('a signed-in user accepts an invitation to a second organization and is moved there', async () => {
    const admin = await loginAdmin(server)
    const user = await signUp(server, 'Omar')
    const created = await server.request('POST', '/v1/invitations', { token: admin.accessToken, body: { email: user.email, role: 'member' } })
    expect(created.status).toBe(201)
    const token = String(created.body.data.acceptUrl).split('#token=')[1] ?? ''

    const watched = await open()
    const { page } = watched
    await signIn(watched, user.email, user.password, '/settings/members')
    await page.goto(`/invitations/accept#token=${token}`)
    await page.getByRole('button', { name: 'Accept invitation' }).click()
    await page.waitForURL('**/settings/members')
    await page.getByText('Only organization admins').waitFor()
    expect(await page.getByLabel('Organization').inputValue()).toBe(admin.organizationId)
    expectNoConsoleErrors(watched, true)
  })

  it('Forgot your password? → the same answer for any address → the emailed link → a new password → sign in with it', async () => {
    const user = await signUp(server, 'Rita')
    const watched = await open()
    const { page } = watched
    await page.goto('/sign-in')
    await page.getByRole('link', { name: 'Forgot your password?' }).click()
    await page.getByRole('heading', { name: 'Reset your password' }).waitFor()
    await expectAccessible(page, 'forgot password page')
    await page.getByLabel('Email').fill('nobody-here@example.com')
    await page.getByRole('button', { name: 'Send reset link' }).click()
    const unknownAnswer = (await page.getByRole('status').textContent()) ?? ''

    await page.goto('/forgot-password')
    await page.getByLabel('Email').fill(user.email)
    await page.getByRole('button', { name: 'Send reset link' }).click()
    const knownAnswer = (await page.getByRole('status').textContent()) ?? ''
    expect(knownAnswer.replace(user.email, '')).toBe(unknownAnswer.replace('nobody-here@example.com', ''))

    const message = await mail.waitFor((m) => m.to === user.email && m.subject.includes('Reset'))
    const token = tokenInMail(message)
    expect(message.text).toContain(`/reset-password#token=${token}`)
    await page.goto(`/reset-password#token=${token}`)
    await page.getByLabel('New password').fill('another long passphrase')
    expect(new URL(page.url()).hash).toBe('')
    await expectAccessible(page, 'reset password page')
    await page.getByRole('button', { name: 'Set new password' }).click()
    await page.getByRole('status').waitFor()
    await page.getByRole('link', { name: 'Sign in' }).click()

    await page.getByLabel('Email').fill(user.email)
    await page.getByLabel('Password', { exact: true }).fill('another long passphrase')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('heading', { name: 'API Keys', level: 1 }).waitFor()
    expect((await server.request('POST', '/v1/auth/login', { body: { email: user.email, password: user.password } })).status).toBe(401)
    expectNoConsoleErrors(watched, true)
  })

  it('Security → Email address: the password confirms it, the link sent to the new address changes it, and the new address signs in', async () => {
    const user = await signUp(server, 'Nora')
    const newEmail = `nora-moved-${user.userId.slice(0, 8)}@example.net`
    const watched = await open()
    const { page } = watched
    await signIn(watched, user.email, user.password, '/settings/security')
    const section = page.getByRole('region', { name: 'Email address' })
    await section.getByText(user.email).waitFor()
    await section.getByLabel('New email').fill(newEmail)
    await section.getByLabel('Current password').fill(user.password)
    await expectAccessible(page, 'email change form')
    await section.getByRole('button', { name: 'Change email' }).click()
    await expect.poll(() => section.getByRole('status').textContent()).toContain(newEmail)

    const message = await mail.waitFor((m) => m.to === newEmail && m.subject.includes('Confirm'))
    const token = tokenInMail(message)
    await page.goto(`/confirm-email#token=${token}`)
    await page.getByRole('heading', { name: 'Confirm your new email address' }).waitFor()
    expect(new URL(page.url()).hash).toBe('')
    await expectAccessible(page, 'confirm email page')
    await page.getByRole('button', { name: 'Confirm email address' }).click()
    await expect.poll(() => page.getByRole('status').textContent()).toContain(newEmail)
    expect((await server.request('POST', '/v1/auth/login', { body: { email: newEmail, password: user.password } })).status).toBe(200)
    expectNoConsoleErrors(watched, true)
  })

  /** Whether a request carries a Standard Webhooks signature made with `secret` (whsec_ + base64 key). */
  function signedWith(secret: string, request: ReceivedWebhook): boolean {
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64')
    const expected = createHmac('sha256', key).update(`${String(request.headers['webhook-id'])}.${String(request.headers['webhook-timestamp'])}.${request.body}`).digest('base64')
    return String(request.headers['webhook-signature']).split(' ').includes(`v1,${expected}`)
  }

  it('Webhooks: add an endpoint (secret once), see a failed delivery in the log, Retry it, rotate the secret, edit, disable, delete', async () => {
    const admin = await loginAdmin(server)
    receiver = new WebhookReceiver()
    const url = await receiver.start()
    receiver.respond = () => 500
    const deliverDue = () => server.running.app.webhooks.wake()

    const watched = await open()
    const { page } = watched
    await signIn(watched, ADMIN_EMAIL, ADMIN_PASSWORD, '/settings/members')
    await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Webhooks' }).click()
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor()
    await page.getByRole('button', { name: 'Add endpoint' }).click()
    const dialog = page.getByRole('dialog', { name: 'Add a webhook endpoint' })
    await dialog.getByLabel('URL').fill(url)
    await dialog.getByLabel('Description').fill('CRM sync')
    await dialog.getByRole('checkbox', { name: 'api_key.created', exact: true }).check()
    await expectAccessible(page, 'add endpoint dialog')
    await dialog.getByRole('button', { name: 'Add endpoint' }).click()
    const shown = page.getByRole('dialog', { name: 'Copy the signing secret' })
    const secret = await shown.getByLabel('Signing secret').inputValue()
    expect(secret).toMatch(/^whsec_/)
    await expectAccessible(page, 'signing secret dialog')
    await shown.getByRole('button', { name: 'Done' }).click()
    await shown.waitFor({ state: 'detached' })
    expect(await page.content()).not.toContain(secret)

    // An event it subscribed to; the receiver fails the first attempt.
    await createApiKey(server, admin.accessToken, { name: 'Hooked' })
    await deliverDue()
    await receiver.waitFor(1)
    expect(signedWith(secret, receiver.received[0]!)).toBe(true)

    await page.getByRole('row', { name: /CRM sync/ }).getByRole('button', { name: url }).click()
    const details = page.getByRole('region', { name: url })
    const log = details.getByRole('table', { name: 'Delivery log' })
    await log.getByRole('row', { name: /api_key\.created/ }).waitFor()
    await expect.poll(async () => (await log.getByRole('row', { name: /api_key\.created/ }).textContent()) ?? '').toMatch(/500/)
    await expectAccessible(page, 'endpoint details and delivery log')

    receiver.respond = () => 200
    await log.getByRole('button', { name: /^Retry api_key\.created/ }).click()
    await deliverDue()
    await receiver.waitFor(2)
    expect(receiver.received[1]!.headers['webhook-id']).toBe(receiver.received[0]!.headers['webhook-id'])
    await details.getByRole('button', { name: 'Refresh' }).click()
    await expect.poll(async () => (await log.getByRole('row', { name: /api_key\.created/ }).textContent()) ?? '').toMatch(/succeeded/)

    await details.getByRole('button', { name: 'Rotate secret' }).click()
    const rotated = page.getByRole('dialog', { name: 'Copy the signing secret' })
    const newSecret = await rotated.getByLabel('Signing secret').inputValue()
    expect(newSecret).toMatch(/^whsec_/)
    expect(newSecret).not.toBe(secret)
    await rotated.getByRole('button', { name: 'Done' }).click()
    await rotated.waitFor({ state: 'detached' })

    await details.getByLabel('Description').fill('CRM sync (EU)')
    await details.getByRole('button', { name: 'Save' }).click()
    await page.getByRole('row', { name: /CRM sync \(EU\)/ }).waitFor()
    await details.getByRole('button', { name: 'Disable' }).click()
    await page.getByRole('row', { name: /CRM sync \(EU\)/ }).getByText('disabled').waitFor()
    const listed = await server.request('GET', '/v1/webhook-endpoints', { token: admin.accessToken })
    expect(listed.body.items[0]).toMatchObject({ url, description: 'CRM sync (EU)', status: 'disabled', events: ['api_key.created'] })

    await details.getByRole('button', { name: 'Delete' }).click()
    const confirm = page.getByRole('alertdialog', { name: `Delete ${url}?` })
    await expectAccessible(page, 'delete endpoint confirmation')
    await confirm.getByRole('button', { name: 'Delete' }).click()
    await confirm.waitFor({ state: 'detached' })
    await page.getByText('No endpoints yet.').waitFor()
    expect((await server.request('GET', '/v1/webhook-endpoints', { token: admin.accessToken })).body.items).toEqual([])
    expectNoConsoleErrors(watched)
  })

  it('Webhooks at phone width: nothing wider than the screen, the add form included; a member sees who manages them', async () => {
    const watched = await open({ width: 390, height: 844 })
    const { page } = watched
    await signIn(watched, ADMIN_EMAIL, ADMIN_PASSWORD, '/settings/developer/webhooks')
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
    expect(await overflow()).toBeLessThanOrEqual(0)
    await page.getByRole('button', { name: 'Add endpoint' }).click()
    await page.getByRole('dialog', { name: 'Add a webhook endpoint' }).waitFor()
    expect(await overflow()).toBeLessThanOrEqual(0)
    expectNoConsoleErrors(watched)

    const member = await signUp(server, 'Max')
    const admin = await loginAdmin(server)
    const invited = await server.request('POST', '/v1/invitations', { token: admin.accessToken, body: { email: member.email, role: 'member' } })
    const token = String(invited.body.data.acceptUrl).split('#token=')[1] ?? ''
    expect((await server.request('POST', '/v1/invitations/accept', { token: member.accessToken, body: { token } })).status).toBe(200)
    const other = await open()
    await signIn(other, member.email, member.password, '/settings/developer/webhooks')
    await other.page.getByLabel('Organization').selectOption(admin.organizationId)
    await other.page.getByText('Only organization admins').waitFor()
    expect(await other.page.getByRole('button', { name: 'Add endpoint' }).count()).toBe(0)
    await expectAccessible(other.page, 'webhooks page of a member')
    expectNoConsoleErrors(other)
  })
})
