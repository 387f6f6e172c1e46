import type { Browser, BrowserContext } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loginAdmin } from '@brandwave/testing/actors'
import { CHROMIUM, chromiumPresent, expectAccessible, expectNoConsoleErrors, launchChromium, openWatchedPage, type WatchedPage } from '@brandwave/testing/browser'
import { ensureDashboardBuilt } from '@brandwave/testing/dashboard'
import { ADMIN_EMAIL, ADMIN_PASSWORD, startTestServer, type TestServer } from '@brandwave/testing/server'

const API_KEYS = '/settings/developer/api-keys'

if (!chromiumPresent) {
  console.warn(`\n!!! SKIPPED: the dashboard's browser tests need Chromium at ${CHROMIUM} (apt-get install -y chromium). Nothing in the browser was tested. !!!\n`)
}

/** Issue 24 in the dashboard: a key's owner, metadata and remaining uses are shown, and Disable/Enable switch it off and on. */
describe.skipIf(!chromiumPresent)('metered keys in the dashboard (sqlite)', { timeout: 90_000 }, () => {
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

  async function signIn(): Promise<WatchedPage> {
    const watched = await openWatchedPage(browser, server.url, contexts)
    const { page } = watched
    await page.goto(API_KEYS)
    await page.getByLabel('Email').fill(ADMIN_EMAIL)
    await page.getByLabel('Password').fill(ADMIN_PASSWORD)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.waitForURL((url) => url.pathname === API_KEYS)
    // Before signing in, resuming a session is refused: that 401 is expected.
    expectNoConsoleErrors(watched, true)
    return watched
  }

  it('details show externalId, metadata and remaining uses; Disable refuses the key at once, Enable lets it back in; accessible throughout', async () => {
    const admin = await loginAdmin(server)
    const created = await server.request('POST', '/v1/api-keys', {
      token: admin.accessToken,
      body: { name: 'Acme metered', scopes: ['contacts:read'], externalId: 'cus_acme', metadata: { plan: 'pro' }, remaining: 500, refill: { interval: 'monthly', amount: 500, day: 15 } },
    })
    expect(created.status, created.text).toBe(201)
    const key = created.body.data

    const watched = await signIn()
    const { page } = watched
    await page.getByRole('row', { name: /Acme metered/ }).getByRole('button', { name: 'Acme metered' }).click()
    const details = page.getByRole('dialog', { name: 'Acme metered' })
    await details.getByText('cus_acme', { exact: true }).waitFor()
    await details.getByText(/"plan": "pro"/).waitFor()
    await details.getByText('500 (back to 500 on day 15 of each month)').waitFor()
    await expectAccessible(page, 'key details with metadata')

    await details.getByRole('button', { name: 'Disable' }).click()
    await details.getByRole('button', { name: 'Enable' }).waitFor()
    expect(await details.getByText('disabled', { exact: true }).count()).toBeGreaterThan(0)
    const refused = await server.request('GET', '/v1/me', { token: key.token })
    expect(refused.status).toBe(401)
    expect(refused.body.error.details[0].reason).toBe('DISABLED')
    await expectAccessible(page, 'a disabled key’s details')

    await details.getByRole('button', { name: 'Enable' }).click()
    await details.getByRole('button', { name: 'Disable' }).waitFor()
    expect((await server.request('GET', '/v1/me', { token: key.token })).status).toBe(200)

    await details.getByRole('button', { name: 'Close' }).click()
    await page.getByLabel('Status').selectOption('disabled')
    await page.getByText(/0 disabled/).waitFor()
    expectNoConsoleErrors(watched)
  })
})
