import { generate } from 'otplib'
import type { Browser, BrowserContext, Locator } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { joinOrganization, loginAdmin, signUp, type TestUser } from '@brandwave/testing/actors'
import { CHROMIUM, chromiumPresent, expectAccessible, expectNoConsoleErrors, launchChromium, openWatchedPage, type WatchedPage } from '@brandwave/testing/browser'
import { ensureDashboardBuilt } from '@brandwave/testing/dashboard'
import { ADMIN_EMAIL, ADMIN_PASSWORD, startTestServer, type TestServer } from '@brandwave/testing/server'

const API_KEYS = '/settings/developer/api-keys'

if (!chromiumPresent) {
  console.warn(`\n!!! SKIPPED: the dashboard's browser tests need Chromium at ${CHROMIUM} (apt-get install -y chromium). Nothing in the browser was tested. !!!\n`)
}



// One browser for the file (the machine is small); each test has its own contexts and closes them.
describe.skipIf(!chromiumPresent)('the dashboard in Chromium (sqlite)', { timeout: 90_000 }, () => {
  let server: TestServer
  let browser: Browser
  const contexts: BrowserContext[] = []

  beforeAll(async () => {
    ensureDashboardBuilt()
    server = await startTestServer('sqlite', { env: { BRANDWAVE_RESOURCES: 'contacts,leads' } })
    browser = await launchChromium()
  })
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined)
    await browser?.close()
    await server?.close()
  })

  const open = (viewport?: { width: number; height: number }): Promise<WatchedPage> => openWatchedPage(browser, server.url, contexts, viewport)

  /** Ticks a scope as a person does, by its label, and checks the checkbox is named by the scope itself. */
  async function tick(dialog: Locator, scope: string): Promise<void> {
    await dialog.getByText(scope, { exact: true }).click()
    expect(await dialog.getByRole('checkbox', { name: scope, exact: true }).isChecked()).toBe(true)
  }



  async function signIn(watched: WatchedPage, email: string, password: string, path = API_KEYS): Promise<void> {
    const { page } = watched
    await page.goto(path)
    await page.getByLabel('Email').fill(email)
    await page.getByLabel('Password').fill(password)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.waitForURL((url) => url.pathname === path)
    expectNoConsoleErrors(watched, true)
  }

  it('signs in, keeps a deep link across a reload, and never exposes a token to page scripts', async () => {
    const watched = await open()
    const { page } = watched
    await page.goto(API_KEYS)
    await page.waitForURL('**/sign-in')
    await expectAccessible(page, 'sign-in page')
    await page.getByLabel('Email').fill(ADMIN_EMAIL)
    await page.getByLabel('Password').fill('wrong password')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await expect.poll(() => page.getByRole('alert').textContent()).toBeTruthy()
    expectNoConsoleErrors(watched, true)

    await page.getByLabel('Password').fill(ADMIN_PASSWORD)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.waitForURL(`**${API_KEYS}`)
    await page.getByRole('heading', { name: 'API Keys', level: 1 }).waitFor()

    await page.reload()
    await page.getByRole('heading', { name: 'API Keys', level: 1 }).waitFor()
    expect(new URL(page.url()).pathname).toBe(API_KEYS)
    const stored = await page.evaluate(() => JSON.stringify({ cookie: document.cookie, local: { ...localStorage }, session: { ...sessionStorage } }))
    expect(stored).not.toMatch(/_rt_|eyJ/)
    expectNoConsoleErrors(watched)
  })

  it('New Key → name → scopes → allowed IPs → Create → the key shown once; then Revoke, refused on the next request', async () => {
    const watched = await open()
    const { page } = watched
    await signIn(watched, ADMIN_EMAIL, ADMIN_PASSWORD)

    await page.getByRole('button', { name: 'New Key' }).click()
    const dialog = page.getByRole('dialog', { name: 'New API key' })
    await dialog.waitFor()
    await dialog.getByLabel('Name').fill('Zapier sync')
    await tick(dialog, 'contacts:read')
    await tick(dialog, 'contacts:write')
    expect(await dialog.getByRole('checkbox', { name: 'leads:delete', exact: true }).isChecked()).toBe(false)
    // Validated as typed, before anything is sent.
    await dialog.getByLabel('Allowed IPs').fill('127.0.0.1/32\n10.0.0.300')
    await expect.poll(() => dialog.getByText('Line 2:').count()).toBe(1)
    expect(await dialog.getByRole('button', { name: 'Create' }).isDisabled()).toBe(true)
    await dialog.getByLabel('Allowed IPs').fill('127.0.0.1/32\n::1')
    await expect.poll(() => dialog.getByText('Line 2:').count()).toBe(0)
    await expectAccessible(page, 'New Key dialog')
    await dialog.getByRole('button', { name: 'Create' }).click()

    const secretDialog = page.getByRole('dialog', { name: 'Copy your new key' })
    await secretDialog.waitFor()
    const token = await secretDialog.getByLabel('Secret').inputValue()
    expect(token).toMatch(/^bw_live_[0-9A-Za-z]{36}$/)
    expect(await secretDialog.textContent()).toContain('only time')
    await expectAccessible(page, 'secret dialog')

    const me = await server.request('GET', '/v1/me', { token })
    expect(me.status).toBe(200)
    expect(me.body.data).toMatchObject({ keyName: 'Zapier sync', scopes: ['contacts:read', 'contacts:write'] })

    await secretDialog.getByRole('button', { name: 'Done' }).click()
    await secretDialog.waitFor({ state: 'detached' })
    const row = page.getByRole('row', { name: /Zapier sync/ })
    await row.waitFor()
    expect(await row.textContent()).toContain(token.slice(-4))
    expect(await page.content()).not.toContain(token)
    await page.reload()
    await row.waitFor()
    expect(await page.content()).not.toContain(token)

    await row.getByRole('button', { name: 'Zapier sync' }).click()
    const details = page.getByRole('dialog', { name: 'Zapier sync' })
    await details.waitFor()
    expect(await details.textContent()).not.toContain(token)
    await details.getByRole('button', { name: 'Revoke' }).click()
    const confirm = page.getByRole('alertdialog', { name: /Revoke/ })
    await confirm.waitFor()
    await expectAccessible(page, 'revoke confirmation')
    await confirm.getByRole('button', { name: 'Revoke' }).click()
    await confirm.waitFor({ state: 'detached' })

    const refused = await server.request('GET', '/v1/me', { token })
    expect(refused.status).toBe(401)
    await page.getByLabel('Status').selectOption('revoked')
    await page.getByRole('row', { name: /Zapier sync/ }).getByText('revoked').waitFor()
    expectNoConsoleErrors(watched)
  })

  it('rotates with a grace period: a new secret once, the old key still works until the period ends', async () => {
    const watched = await open()
    const { page } = watched
    await signIn(watched, ADMIN_EMAIL, ADMIN_PASSWORD)
    await page.getByRole('button', { name: 'New Key' }).click()
    const dialog = page.getByRole('dialog', { name: 'New API key' })
    await dialog.getByLabel('Name').fill('Nightly export')
    await tick(dialog, 'leads:read')
    await dialog.getByRole('button', { name: 'Create' }).click()
    const first = await page.getByRole('dialog', { name: 'Copy your new key' }).getByLabel('Secret').inputValue()
    await page.getByRole('button', { name: 'Done' }).click()

    await page.getByRole('row', { name: /Nightly export/ }).getByRole('button', { name: 'Nightly export' }).click()
    const details = page.getByRole('dialog', { name: 'Nightly export' })
    await details.getByLabel('Grace period').selectOption('3600')
    await details.getByRole('button', { name: 'Rotate' }).click()
    const second = await page.getByRole('dialog', { name: 'Copy your new key' }).getByLabel('Secret').inputValue()
    expect(second).not.toBe(first)
    await page.getByRole('button', { name: 'Done' }).click()
    expect((await server.request('GET', '/v1/me', { token: second })).status).toBe(200)
    expect((await server.request('GET', '/v1/me', { token: first })).status).toBe(200)
    expectNoConsoleErrors(watched)
  })

  it('an API key reported as leaked shows when and that it was exposed', async () => {
    const admin = await loginAdmin(server)
    const created = await server.request('POST', '/v1/api-keys', { token: admin.accessToken, body: { name: 'Leaked in a gist', scopes: ['leads:read'] } })
    expect(created.status, created.text).toBe(201)
    expect((await server.request('POST', '/v1/credentials/revoke', { body: { credentials: [created.body.data.token] } })).status).toBe(202)

    const watched = await open()
    const { page } = watched
    await signIn(watched, ADMIN_EMAIL, ADMIN_PASSWORD)
    await page.getByLabel('Status').selectOption('revoked')
    await page.getByRole('row', { name: /Leaked in a gist/ }).getByRole('button', { name: 'Leaked in a gist' }).click()
    const details = page.getByRole('dialog', { name: 'Leaked in a gist' })
    await details.getByText(/^Reported leaked /).waitFor()
    expect(await details.getByText('Exposed', { exact: true }).count()).toBe(1)
    expectNoConsoleErrors(watched)
  })

  it('a member sees who manages API keys and no New Key; the Organization control switches organizations', async () => {
    const admin: TestUser = await loginAdmin(server)
    const member = await joinOrganization(server, admin, 'member', 'Mia')
    const watched = await open()
    const { page } = watched
    // Mia is the admin of her own organization...
    await signIn(watched, member.email, member.password)
    await page.getByLabel('Organization').selectOption(member.homeOrganizationId ?? '')
    await page.getByRole('button', { name: 'New Key' }).waitFor()
    // ...and switches to the one where she is a member.
    await page.getByLabel('Organization').selectOption(admin.organizationId)
    await page.getByText('Only organization admins').waitFor()
    expect(await page.getByRole('button', { name: 'New Key' }).count()).toBe(0)
    await expectAccessible(page, 'API keys page of a member')

    // Her own tokens she manages herself, in the organization she switched to.
    await page.getByRole('link', { name: 'Personal access tokens' }).click()
    await page.getByRole('button', { name: 'New token' }).click()
    const dialog = page.getByRole('dialog', { name: 'New personal access token' })
    await dialog.getByLabel('Name').fill('My script')
    // A scope she does not hold: the API's refusal appears in the form, next to what caused it.
    await tick(dialog, 'api_keys:write')
    await dialog.getByRole('button', { name: 'Create' }).click()
    await expect.poll(async () => (await dialog.getByRole('alert').textContent()) ?? '').toMatch(/\S/)
    expectNoConsoleErrors(watched, false, /status of 403/)
    await dialog.getByText('api_keys:write', { exact: true }).click()
    await dialog.getByRole('button', { name: 'Create' }).click()
    const token = await page.getByRole('dialog', { name: 'Copy your new token' }).getByLabel('Secret').inputValue()
    await page.getByRole('button', { name: 'Done' }).click()
    const me = await server.request('GET', '/v1/me', { token })
    expect(me.body.data.tenantId).toBe(admin.organizationId)
    expectNoConsoleErrors(watched)
  })

  it('an admin’s token that can manage the organization asks for the password in the New token form; a narrow one does not', async () => {
    const owner = await signUp(server, 'Ada')
    const watched = await open()
    const { page } = watched
    await signIn(watched, owner.email, owner.password, '/settings/developer/personal-access-tokens')
    await page.getByRole('button', { name: 'New token' }).click()
    const dialog = page.getByRole('dialog', { name: 'New personal access token' })
    await dialog.getByLabel('Name').fill('Everything I can do')
    await expectAccessible(page, 'New token dialog of an admin')
    await dialog.getByRole('button', { name: 'Create' }).click()
    await expect.poll(async () => (await dialog.getByRole('alert').textContent()) ?? '').toMatch(/current password/i)
    expectNoConsoleErrors(watched, false, /status of 403/)
    await dialog.getByLabel('Current password').fill(owner.password)
    await dialog.getByRole('button', { name: 'Create' }).click()
    const wide = await page.getByRole('dialog', { name: 'Copy your new token' }).getByLabel('Secret').inputValue()
    await page.getByRole('button', { name: 'Done' }).click()
    expect((await server.request('GET', '/v1/api-keys', { token: wide })).status).toBe(200)

    await page.getByRole('button', { name: 'New token' }).click()
    await dialog.getByLabel('Name').fill('Read my tokens')
    await tick(dialog, 'personal_access_tokens:read')
    await dialog.getByRole('button', { name: 'Create' }).click()
    await page.getByRole('dialog', { name: 'Copy your new token' }).getByLabel('Secret').waitFor()
    await page.getByRole('button', { name: 'Done' }).click()
    expectNoConsoleErrors(watched)
  })

  it('2FA: enrol with a local QR code, recovery codes once; sign-in then asks for the code, and a recovery code works there', async () => {
    const user = await signUp(server, 'Tess')
    const watched = await open()
    const { page } = watched
    const requests: string[] = []
    page.on('request', (request) => requests.push(request.url()))
    await signIn(watched, user.email, user.password, '/settings/security')

    // However recent the sign-in, enrolment asks for the password in the request itself.
    const twoFactor = page.getByRole('region', { name: 'Two-factor authentication' })
    await twoFactor.getByLabel('Current password').fill('not my password')
    await page.getByRole('button', { name: 'Set up two-factor authentication' }).click()
    await expect.poll(() => twoFactor.getByRole('alert').textContent()).toMatch(/current password is incorrect/i)
    await twoFactor.getByLabel('Current password').fill(user.password)
    await page.getByRole('button', { name: 'Set up two-factor authentication' }).click()
    await page.getByRole('img', { name: /QR code/ }).waitFor()
    // The wrong password's 401 is the refusal this step expects, and it did not end the session.
    expectNoConsoleErrors(watched, false, /status of 401/)
    const qr = page.getByRole('img', { name: /QR code/ })
    await qr.waitFor()
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/svg\+xml/)
    // Drawn here: no request carried the secret anywhere.
    expect(requests.every((url) => url.startsWith(server.url))).toBe(true)
    const secret = (await page.locator('.totp-secret').textContent()) ?? ''
    await expectAccessible(page, '2FA enrolment')
    await page.getByLabel('Authentication code').fill(await generate({ secret, epoch: Math.floor(server.clock.now() / 1000) }))
    await page.getByRole('button', { name: 'Turn on' }).click()
    const codes = page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem')
    await expect.poll(() => codes.count()).toBe(10)
    const recovery = (await codes.first().textContent()) ?? ''
    await page.getByRole('button', { name: 'I saved my recovery codes' }).click()
    expect(await page.content()).not.toContain(recovery)

    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.waitForURL('**/sign-in')
    await page.getByLabel('Email').fill(user.email)
    await page.getByLabel('Password').fill(user.password)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByLabel('Authentication code').fill(recovery)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('heading', { name: 'Security', level: 1 }).waitFor()
    expectNoConsoleErrors(watched, true)

    // New recovery codes need the password too; the ones shown before stop working.
    await page.getByRole('form', { name: 'Recovery codes' }).getByLabel('Current password').fill(user.password)
    await page.getByRole('button', { name: 'Replace recovery codes' }).click()
    await expect.poll(() => codes.count()).toBe(10)
    const replaced = (await codes.allTextContents()).join(' ')
    expect(replaced).not.toContain(recovery)
    await expectAccessible(page, 'replaced recovery codes')
    await page.getByRole('button', { name: 'I saved my recovery codes' }).click()

    server.clock.advance(60_000)
    await page.getByLabel('Authentication code').fill(await generate({ secret, epoch: Math.floor(server.clock.now() / 1000) }))
    await page.getByRole('button', { name: 'Turn off two-factor authentication' }).click()
    await page.getByRole('button', { name: 'Set up two-factor authentication' }).waitFor()
    expectNoConsoleErrors(watched)
  })

  it('every page: no console error, no serious accessibility violation; the audit log filters and pages', async () => {
    // More sign-ins than one page of the audit log holds.
    for (let i = 0; i < 26; i++) await loginAdmin(server)
    const watched = await open()
    const { page } = watched
    await signIn(watched, ADMIN_EMAIL, ADMIN_PASSWORD)
    for (const [link, heading] of [
      ['API Keys', 'API Keys'],
      ['Personal access tokens', 'Personal access tokens'],
      ['Webhooks', 'Webhooks'],
      ['Security', 'Security'],
      ['Members', 'Members'],
      ['Audit log', 'Audit log'],
    ] as const) {
      await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: link }).click()
      await page.getByRole('heading', { name: heading, level: 1 }).waitFor()
      await page.waitForLoadState('networkidle')
      await expectAccessible(page, heading)
      expectNoConsoleErrors(watched)
    }

    await page.getByLabel('Action').selectOption('auth.login_succeeded')
    await page.getByRole('button', { name: 'Apply filters' }).click()
    await expect.poll(async () => new Set(await page.locator('tbody td:nth-child(2)').allTextContents())).toEqual(new Set(['auth.login_succeeded']))
    expect(await page.getByRole('button', { name: 'Next page' }).isEnabled()).toBe(true)
    await page.getByRole('button', { name: 'Next page' }).click()
    await expect.poll(() => page.getByRole('button', { name: 'Previous page' }).isEnabled()).toBe(true)
    expectNoConsoleErrors(watched)
  })

  it('members: an admin changes a role and removes someone after confirming', async () => {
    const admin = await loginAdmin(server)
    const leaving = await joinOrganization(server, admin, 'member', 'Lou')
    const promoted = await joinOrganization(server, admin, 'member', 'Pat')
    const watched = await open()
    const { page } = watched
    await signIn(watched, ADMIN_EMAIL, ADMIN_PASSWORD, '/settings/members')

    await page.getByLabel(`Role of ${promoted.email}`).selectOption('company_admin')
    await expect
      .poll(async () => (await server.request('GET', '/v1/members?role=company_admin', { token: admin.accessToken })).body.items.map((m: { email: string }) => m.email))
      .toContain(promoted.email)

    await page.getByRole('button', { name: `Remove ${leaving.email}` }).click()
    const confirm = page.getByRole('alertdialog', { name: `Remove ${leaving.email}?` })
    await confirm.waitFor()
    await confirm.getByRole('button', { name: 'Remove' }).click()
    await confirm.waitFor({ state: 'detached' })
    await page.getByRole('cell', { name: leaving.email }).waitFor({ state: 'detached' })
    // Removal ends their session here at once.
    expect((await server.request('GET', '/v1/me', { token: leaving.accessToken })).status).toBe(401)
    expectNoConsoleErrors(watched)
  })

  it('500 keys: the table shows a page at a time and walks through them', async () => {
    const admin = await loginAdmin(server)
    for (let batch = 0; batch < 20; batch++) {
      await Promise.all(
        Array.from({ length: 25 }, (_, i) =>
          server.request('POST', '/v1/api-keys', { token: admin.accessToken, body: { name: `bulk ${batch * 25 + i}`, scopes: ['contacts:read'] } }),
        ),
      )
    }
    const watched = await open()
    const { page } = watched
    await signIn(watched, ADMIN_EMAIL, ADMIN_PASSWORD)
    const rows = page.locator('tbody tr')
    await expect.poll(() => rows.count()).toBe(20)
    const firstPage = await rows.first().textContent()
    await page.getByRole('button', { name: 'Next page' }).click()
    await expect.poll(() => rows.first().textContent()).not.toBe(firstPage)
    expect(await rows.count()).toBe(20)
    await page.getByRole('button', { name: 'Previous page' }).click()
    await expect.poll(() => rows.first().textContent()).toBe(firstPage)
    expect(await page.getByText(/\d{3} in all/).textContent()).toMatch(/^5\d\d in all$/)
    expectNoConsoleErrors(watched)
  })

  it('works at phone width: nothing wider than the screen, the New Key form included', async () => {
    const watched = await open({ width: 390, height: 844 })
    const { page } = watched
    await signIn(watched, ADMIN_EMAIL, ADMIN_PASSWORD)
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
    expect(await overflow()).toBeLessThanOrEqual(0)
    await page.getByRole('button', { name: 'New Key' }).click()
    await page.getByRole('dialog', { name: 'New API key' }).waitFor()
    expect(await overflow()).toBeLessThanOrEqual(0)
    await expectAccessible(page, 'New Key dialog at phone width')
    expectNoConsoleErrors(watched)
  })
})
