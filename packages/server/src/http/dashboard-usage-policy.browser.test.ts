import type { Browser, BrowserContext } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiKey, joinOrganization, loginAdmin, signUp } from '@brandwave/testing/actors'
import { CHROMIUM, chromiumPresent, expectAccessible, expectNoConsoleErrors, launchChromium, openWatchedPage, type WatchedPage } from '@brandwave/testing/browser'
import { ensureDashboardBuilt } from '@brandwave/testing/dashboard'
import { ADMIN_EMAIL, ADMIN_PASSWORD, startTestServer, type TestServer } from '@brandwave/testing/server'

const API_KEYS = '/settings/developer/api-keys'
const POLICY = '/settings/credential-policy'

if (!chromiumPresent) {
  console.warn(`\n!!! SKIPPED: the dashboard's browser tests need Chromium at ${CHROMIUM} (apt-get install -y chromium). Nothing in the browser was tested. !!!\n`)
}

describe.skipIf(!chromiumPresent)('key usage and the credential policy in the dashboard, in Chromium (sqlite)', { timeout: 90_000 }, () => {
  let server: TestServer
  let browser: Browser
  const contexts: BrowserContext[] = []

  beforeAll(async () => {
    ensureDashboardBuilt()
    server = await startTestServer('sqlite', { env: { BRANDWAVE_RESOURCES: 'contacts' } })
    browser = await launchChromium()
  })
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined)
    await browser?.close()
    await server?.close()
  })

  const open = (viewport?: { width: number; height: number }): Promise<WatchedPage> => openWatchedPage(browser, server.url, contexts, viewport)

  async function signIn(watched: WatchedPage, email: string, password: string, path: string): Promise<void> {
    const { page } = watched
    await page.goto(path)
    await page.getByLabel('Email').fill(email)
    await page.getByLabel('Password').fill(password)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.waitForURL((url) => url.pathname === path)
    expectNoConsoleErrors(watched, true)
  }

  it('a key’s details chart its last 30 days, with the same numbers in a table and the addresses it was used from', async () => {
    const admin = await loginAdmin(server)
    const key = await createApiKey(server, admin.accessToken, { name: 'Nightly export', scopes: ['contacts:read'] })
    for (let i = 0; i < 3; i++) expect((await server.request('GET', '/v1/me', { token: key.token })).status).toBe(200)
    expect((await server.request('GET', '/v1/members', { token: key.token })).status).toBe(403)
    await server.running.app.usageCounts.flush()

    const watched = await open()
    const { page } = watched
    await signIn(watched, ADMIN_EMAIL, ADMIN_PASSWORD, API_KEYS)
    await page.getByRole('row', { name: /Nightly export/ }).getByRole('button', { name: 'Nightly export' }).click()
    const details = page.getByRole('dialog', { name: 'Nightly export' })
    await details.getByRole('heading', { name: 'Usage, last 30 days' }).waitFor()
    await details.getByText('3 accepted, 1 refused (INSUFFICIENT_SCOPE 1).').waitFor()
    // The chart drew its bars (the library loads with the first details opened).
    await expect.poll(() => details.locator('.usage-chart .recharts-bar-rectangle').count()).toBeGreaterThan(0)

    const toggle = details.getByRole('button', { name: 'Show usage table' })
    expect(await toggle.getAttribute('aria-expanded')).toBe('false')
    await toggle.click()
    const table = details.getByRole('table', { name: 'Requests per day (UTC)' })
    await table.waitFor()
    // One row per day, a header row above them; today's holds the requests.
    expect(await table.getByRole('row').count()).toBe(31)
    const today = table.getByRole('row').last()
    expect(await today.getByRole('cell').allTextContents()).toEqual(['3', '1', 'INSUFFICIENT_SCOPE 1'])
    await details.getByRole('table', { name: 'The last addresses it was used from' }).getByText('127.0.0.1').waitFor()
    await expectAccessible(page, 'key details with usage')
    expect(await details.getByRole('button', { name: 'Hide usage table' }).getAttribute('aria-expanded')).toBe('true')
    expectNoConsoleErrors(watched)
  })

  it('Settings → Credential policy: an admin sets the rules; older keys are marked out of policy; new ones must meet it', async () => {
    const owner = await signUp(server, 'Policy')
    const legacy = await createApiKey(server, owner.accessToken, { name: 'Legacy key', scopes: ['contacts:read'] })

    const watched = await open()
    const { page } = watched
    await signIn(watched, owner.email, owner.password, API_KEYS)
    await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Credential policy' }).click()
    await page.getByRole('heading', { name: 'Credential policy', level: 1 }).waitFor()
    await expectAccessible(page, 'credential policy page')

    // Allowing no environment is caught before anything is sent.
    await page.getByRole('checkbox', { name: 'live', exact: true }).uncheck()
    await page.getByRole('checkbox', { name: 'test', exact: true }).uncheck()
    await page.getByRole('button', { name: 'Save policy' }).click()
    await page.getByRole('alert').getByText(/allow at least one/).waitFor()
    await page.getByRole('checkbox', { name: 'live', exact: true }).check()

    await page.getByLabel('Maximum lifetime (days)').fill('30')
    await page.getByRole('checkbox', { name: 'Require an IP allowlist for live keys' }).check()
    await page.getByRole('button', { name: 'Save policy' }).click()
    await page.getByRole('status').getByText('Policy saved.').waitFor()
    // A lifetime bound is a requirement to expire: the form shows what was stored.
    expect(await page.getByRole('checkbox', { name: 'Require an expiry' }).isChecked()).toBe(true)
    await expectAccessible(page, 'credential policy saved')

    const stored = await server.request('GET', POLICY.replace('/settings', '/v1/organization'), { token: owner.accessToken })
    expect(stored.body.data).toMatchObject({ maxLifetimeSeconds: 30 * 86_400, expiryRequired: true, allowedEnvironments: ['live'], liveRequiresAllowedIps: true })
    const refused = await server.request('POST', '/v1/api-keys', { token: owner.accessToken, body: { name: 'new', scopes: ['contacts:read'] } })
    expect(refused.status).toBe(422)

    await page.getByRole('link', { name: 'API Keys' }).click()
    const row = page.getByRole('row', { name: /Legacy key/ })
    await row.getByText('out of policy').waitFor()
    await row.getByRole('button', { name: 'Legacy key' }).click()
    const details = page.getByRole('dialog', { name: 'Legacy key' })
    await details.getByText(/It predates the organization’s credential policy: it has no expiry; it lives longer than the maximum lifetime; it is a live key without an IP allowlist/).waitFor()
    expect((await server.request('GET', '/v1/me', { token: legacy.token })).status).toBe(200)
    await expectAccessible(page, 'out-of-policy key details')
    expectNoConsoleErrors(watched)
  })

  it('members see who can change the policy, and no form', async () => {
    const admin = await loginAdmin(server)
    const member = await joinOrganization(server, admin, 'member', 'Reader')
    const watched = await open({ width: 390, height: 844 })
    const { page } = watched
    await signIn(watched, member.email, member.password, POLICY)
    // Signed in to their own organization first (where they are an admin): move to the one they are a member of.
    await page.getByLabel('Organization').selectOption(admin.organizationId)
    await page.getByText(/Only organization admins/).waitFor()
    expect(await page.getByRole('button', { name: 'Save policy' }).count()).toBe(0)
    await expectAccessible(page, 'credential policy page for a member')
    expectNoConsoleErrors(watched)
  })
})
