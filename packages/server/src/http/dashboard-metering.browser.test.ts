import type { Browser, BrowserContext, Locator } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loginAdmin } from '@brandwave/testing/actors'
import { CHROMIUM, chromiumPresent, expectAccessible, expectNoConsoleErrors, launchChromium, openWatchedPage, type WatchedPage } from '@brandwave/testing/browser'
import { ensureDashboardBuilt } from '@brandwave/testing/dashboard'
import { ADMIN_EMAIL, ADMIN_PASSWORD, startTestServer, type TestServer } from '@brandwave/testing/server'

const API_KEYS = '/settings/developer/api-keys'
// Chromium logs each refused request as a console error; the tests below expect these ones.
const REFUSED_400 = /status of 400/

if (!chromiumPresent) {
  console.warn(`\n!!! SKIPPED: the dashboard's browser tests need Chromium at ${CHROMIUM} (apt-get install -y chromium). Nothing in the browser was tested. !!!\n`)
}

/**
 * Issue 24 in the dashboard: a key's owner, metadata and remaining uses are set in New Key,
 * shown and edited in its details, and Disable/Enable switch it off and on.
 */
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

  async function signIn(viewport?: { width: number; height: number }): Promise<WatchedPage> {
    const watched = await openWatchedPage(browser, server.url, contexts, viewport)
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

  /** What a screen reader reads after a field's name: the text of the elements its aria-describedby names. */
  function descriptionOf(field: Locator): Promise<string> {
    return field.evaluate((element) =>
      (element.getAttribute('aria-describedby') ?? '')
        .split(' ')
        .map((id) => document.getElementById(id)?.textContent ?? '')
        .join(' '),
    )
  }

  /** The key as the API holds it, found by its name. */
  async function keyNamed(token: string, name: string): Promise<Record<string, unknown> | undefined> {
    const list = await server.request('GET', `/v1/api-keys?search=${encodeURIComponent(name)}&limit=100`, { token })
    expect(list.status, list.text).toBe(200)
    const found = (list.body.items as Array<{ id: string; name: string }>).find((item) => item.name === name)
    if (found === undefined) return undefined
    const detail = await server.request('GET', `/v1/api-keys/${found.id}`, { token })
    expect(detail.status, detail.text).toBe(200)
    return detail.body.data as Record<string, unknown>
  }

  async function openNewKey(page: WatchedPage['page'], name: string): Promise<Locator> {
    await page.getByRole('button', { name: 'New Key' }).click()
    const dialog = page.getByRole('dialog', { name: 'New API key' })
    await dialog.waitFor()
    await dialog.getByLabel('Name').fill(name)
    await dialog.getByText('contacts:read', { exact: true }).click()
    return dialog
  }

  it('New Key → Owner and usage limits (opened from the keyboard): owner id, metadata, 5 uses and a monthly refill are stored as typed; accessible with the section open', async () => {
    const admin = await loginAdmin(server)
    const watched = await signIn()
    const { page } = watched
    const dialog = await openNewKey(page, 'Acme from the form')

    // Closed, the basic form is as it was: none of these fields is there.
    const toggle = dialog.getByRole('button', { name: 'Owner and usage limits' })
    expect(await toggle.getAttribute('aria-expanded')).toBe('false')
    expect(await dialog.getByLabel('Owner ID').count()).toBe(0)
    await toggle.focus()
    await page.keyboard.press('Enter')
    expect(await toggle.getAttribute('aria-expanded')).toBe('true')

    await dialog.getByLabel('Owner ID').fill('cus_form_42')
    await dialog.getByLabel('Metadata (JSON)').fill('{"plan": "pro", "seats": 3, "tags": ["beta"]}')
    await dialog.getByLabel('Remaining uses').fill('5')
    expect(await dialog.getByLabel('Refill amount').count()).toBe(0)
    await dialog.getByRole('radio', { name: 'Monthly' }).check()
    await dialog.getByLabel('Refill amount').fill('100')
    await dialog.getByLabel('Day of month').fill('15')
    expect(await descriptionOf(dialog.getByLabel('Metadata (JSON)'))).toContain('4 KiB')
    await expectAccessible(page, 'New Key with Owner and usage limits open')
    await dialog.getByRole('button', { name: 'Create' }).click()

    const secretDialog = page.getByRole('dialog', { name: 'Copy your new key' })
    await secretDialog.waitFor()
    const token = await secretDialog.getByLabel('Secret').inputValue()
    await secretDialog.getByRole('button', { name: 'Done' }).click()

    const stored = await keyNamed(admin.accessToken, 'Acme from the form')
    expect(stored).toMatchObject({
      externalId: 'cus_form_42',
      metadata: { plan: 'pro', seats: 3, tags: ['beta'] },
      remaining: 5,
      refill: { interval: 'monthly', amount: 100, day: 15 },
      scopes: ['contacts:read'],
    })
    // The budget is real: the key's own request spends one of the five.
    expect((await server.request('GET', '/v1/me', { token })).status).toBe(200)
    expect((await keyNamed(admin.accessToken, 'Acme from the form'))?.remaining).toBe(4)
    expectNoConsoleErrors(watched)
  })

  it('New Key with metadata that is an array, broken JSON or too deep: the error is on the field (aria-invalid, described, focused) and nothing is created', async () => {
    const admin = await loginAdmin(server)
    const before = await server.request('GET', '/v1/api-keys', { token: admin.accessToken })
    expect(before.status, before.text).toBe(200)
    const watched = await signIn()
    const { page } = watched
    const dialog = await openNewKey(page, 'Bad metadata')
    await dialog.getByRole('button', { name: 'Owner and usage limits' }).click()
    const metadata = dialog.getByLabel('Metadata (JSON)')

    await metadata.fill('[1, 2]')
    await dialog.getByRole('button', { name: 'Create' }).click()
    await expect.poll(() => metadata.getAttribute('aria-invalid')).toBe('true')
    expect(await descriptionOf(metadata)).toContain('must be a JSON object')
    expect(await metadata.evaluate((element) => element === document.activeElement)).toBe(true)
    await expectAccessible(page, 'New Key with an invalid metadata field')

    // Typing clears the error until the next Create.
    await metadata.fill('{"plan": ')
    expect(await metadata.getAttribute('aria-invalid')).toBe('false')
    await dialog.getByRole('button', { name: 'Create' }).click()
    await expect.poll(() => descriptionOf(metadata)).toContain('is not valid JSON')
    expect(await metadata.getAttribute('aria-invalid')).toBe('true')

    // A JSON object the server refuses (nested six deep): its 400 lands on the same field.
    await metadata.fill('{"a": {"b": {"c": {"d": {"e": {"f": 1}}}}}}')
    await dialog.getByRole('button', { name: 'Create' }).click()
    await expect.poll(() => descriptionOf(metadata)).toContain('more than 5 levels deep')
    expect(await metadata.getAttribute('aria-invalid')).toBe('true')
    expect(await dialog.getByText(/The request is not valid/).count()).toBe(0)

    // A budget out of range is caught the same way, on its own field.
    await metadata.fill('')
    await dialog.getByLabel('Remaining uses').fill('-1')
    await dialog.getByRole('button', { name: 'Create' }).click()
    await expect.poll(() => dialog.getByLabel('Remaining uses').getAttribute('aria-invalid')).toBe('true')
    expect(await descriptionOf(dialog.getByLabel('Remaining uses'))).toContain('whole number')

    await dialog.getByRole('button', { name: 'Cancel' }).click()
    const after = await server.request('GET', '/v1/api-keys', { token: admin.accessToken })
    expect(after.body.totalCount).toBe(before.body.totalCount)
    expect(await keyNamed(admin.accessToken, 'Bad metadata')).toBeUndefined()
    expectNoConsoleErrors(watched, false, REFUSED_400)
  })

  it('at phone width the open section, its refill and an error fit the screen', async () => {
    const watched = await signIn({ width: 390, height: 844 })
    const { page } = watched
    const dialog = await openNewKey(page, 'Phone')
    await dialog.getByRole('button', { name: 'Owner and usage limits' }).click()
    await dialog.getByRole('radio', { name: 'Monthly' }).check()
    await dialog.getByLabel('Metadata (JSON)').fill('{"a-rather-long-key-without-spaces-to-wrap": "and-a-value-just-as-long-without-any-spaces"')
    await dialog.getByRole('button', { name: 'Create' }).click()
    await expect.poll(() => dialog.getByLabel('Metadata (JSON)').getAttribute('aria-invalid')).toBe('true')
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0)
    await expectAccessible(page, 'New Key at phone width with the section open and an error')
    expectNoConsoleErrors(watched)
  })

  it('New token shares the section: a personal access token gets its owner id and a daily budget from the form', async () => {
    const admin = await loginAdmin(server)
    const watched = await signIn()
    const { page } = watched
    await page.getByRole('link', { name: 'Personal access tokens' }).click()
    await page.getByRole('button', { name: 'New token' }).click()
    const dialog = page.getByRole('dialog', { name: 'New personal access token' })
    await dialog.getByLabel('Name').fill('Metered script')
    // A scope an admin's token may carry without the password (step-up).
    await dialog.getByText('personal_access_tokens:read', { exact: true }).click()
    await dialog.getByRole('button', { name: 'Owner and usage limits' }).click()
    await dialog.getByLabel('Owner ID').fill('script-7')
    await dialog.getByLabel('Remaining uses').fill('3')
    await dialog.getByRole('radio', { name: 'Daily' }).check()
    expect(await dialog.getByLabel('Day of month').count()).toBe(0)
    await dialog.getByLabel('Refill amount').fill('3')
    await dialog.getByRole('button', { name: 'Create' }).click()
    await page.getByRole('dialog', { name: 'Copy your new token' }).getByLabel('Secret').waitFor()
    await page.getByRole('button', { name: 'Done' }).click()

    const list = await server.request('GET', '/v1/personal-access-tokens?externalId=script-7', { token: admin.accessToken })
    expect(list.status, list.text).toBe(200)
    expect(list.body.items).toHaveLength(1)
    expect(list.body.items[0]).toMatchObject({ name: 'Metered script', externalId: 'script-7', metadata: null, remaining: 3, refill: { interval: 'daily', amount: 3, day: null } })
    expectNoConsoleErrors(watched)
  })

  it('details → Edit owner and usage limits: a bad edit changes nothing; a good one PATCHes only what changed, and emptying fields clears them', async () => {
    const admin = await loginAdmin(server)
    const created = await server.request('POST', '/v1/api-keys', {
      token: admin.accessToken,
      body: { name: 'Edited in place', scopes: ['contacts:read'], externalId: 'cus_before', metadata: { plan: 'free' }, remaining: 10, refill: { interval: 'daily', amount: 10 } },
    })
    expect(created.status, created.text).toBe(201)
    const id = created.body.data.id as string
    const stored = async () => (await server.request('GET', `/v1/api-keys/${id}`, { token: admin.accessToken })).body.data

    const watched = await signIn()
    const { page } = watched
    await page.getByRole('row', { name: /Edited in place/ }).getByRole('button', { name: 'Edited in place' }).click()
    const details = page.getByRole('dialog', { name: 'Edited in place' })
    await details.getByRole('button', { name: 'Edit owner and usage limits' }).click()
    const form = details.getByRole('form', { name: 'Edit owner and usage limits' })
    await form.waitFor()
    const ownerId = form.getByLabel('Owner ID')
    expect(await ownerId.evaluate((element) => element === document.activeElement)).toBe(true)
    expect(await ownerId.inputValue()).toBe('cus_before')
    const metadata = form.getByLabel('Metadata (JSON)')
    expect(JSON.parse(await metadata.inputValue())).toEqual({ plan: 'free' })
    expect(await form.getByRole('radio', { name: 'Daily' }).isChecked()).toBe(true)

    await metadata.fill('not json')
    await form.getByRole('button', { name: 'Save' }).click()
    await expect.poll(() => metadata.getAttribute('aria-invalid')).toBe('true')
    expect(await descriptionOf(metadata)).toContain('is not valid JSON')
    expect((await stored()).metadata).toEqual({ plan: 'free' })

    await metadata.fill('{"plan": "enterprise", "region": "eu"}')
    await ownerId.fill('cus_after')
    await expectAccessible(page, 'key details with the edit form open')
    await form.getByRole('button', { name: 'Save' }).click()
    await form.waitFor({ state: 'detached' })
    await details.getByText('Owner and usage limits saved.').waitFor()
    await details.getByText('cus_after', { exact: true }).waitFor()
    await details.getByText(/"plan": "enterprise"/).waitFor()
    expect(await details.getByRole('button', { name: 'Edit owner and usage limits' }).evaluate((element) => element === document.activeElement)).toBe(true)
    expect(await stored()).toMatchObject({ externalId: 'cus_after', metadata: { plan: 'enterprise', region: 'eu' }, remaining: 10, refill: { interval: 'daily', amount: 10, day: null } })

    // Emptied fields are cleared (null), the budget with them: unlimited, no refill.
    await details.getByRole('button', { name: 'Edit owner and usage limits' }).click()
    await form.getByLabel('Owner ID').fill('')
    await form.getByLabel('Metadata (JSON)').fill('')
    await form.getByLabel('Remaining uses').fill('')
    await form.getByRole('button', { name: 'Save' }).click()
    // Unlimited uses take no refill: the form says so rather than dropping the refill quietly.
    await expect.poll(() => form.getByLabel('Remaining uses').getAttribute('aria-invalid')).toBe('true')
    expect(await descriptionOf(form.getByLabel('Remaining uses'))).toContain('No refill')
    await form.getByRole('radio', { name: 'No refill' }).check()
    await form.getByRole('button', { name: 'Save' }).click()
    await form.waitFor({ state: 'detached' })
    await details.getByText('Unlimited', { exact: true }).waitFor()
    expect(await stored()).toMatchObject({ externalId: null, metadata: null, remaining: null, refill: null })
    expectNoConsoleErrors(watched)
  })

  it('personal access token details → Edit owner and usage limits: Save PATCHes the token (not a key) with only what changed, and the API holds the new owner, metadata and budget', async () => {
    const admin = await loginAdmin(server)
    const created = await server.request('POST', '/v1/personal-access-tokens', {
      token: admin.accessToken,
      body: { name: 'Token edited in place', scopes: ['personal_access_tokens:read'], externalId: 'script-before', metadata: { team: 'ops' }, remaining: 20, refill: { interval: 'monthly', amount: 20, day: 3 } },
    })
    expect(created.status, created.text).toBe(201)
    const { id, token } = created.body.data as { id: string; token: string }
    const stored = async () => (await server.request('GET', `/v1/personal-access-tokens/${id}`, { token: admin.accessToken })).body.data

    const watched = await signIn()
    const { page } = watched
    await page.getByRole('link', { name: 'Personal access tokens' }).click()
    await page.getByRole('row', { name: /Token edited in place/ }).getByRole('button', { name: 'Token edited in place' }).click()
    const details = page.getByRole('dialog', { name: 'Token edited in place' })
    await details.getByText('20 (back to 20 on day 3 of each month)').waitFor()
    await details.getByRole('button', { name: 'Edit owner and usage limits' }).click()
    const form = details.getByRole('form', { name: 'Edit owner and usage limits' })
    await form.waitFor()
    const ownerId = form.getByLabel('Owner ID')
    expect(await ownerId.evaluate((element) => element === document.activeElement)).toBe(true)
    expect(await ownerId.inputValue()).toBe('script-before')
    expect(JSON.parse(await form.getByLabel('Metadata (JSON)').inputValue())).toEqual({ team: 'ops' })
    expect(await form.getByLabel('Remaining uses').inputValue()).toBe('20')
    expect(await form.getByRole('radio', { name: 'Monthly' }).isChecked()).toBe(true)
    expect(await form.getByLabel('Refill amount').inputValue()).toBe('20')
    expect(await form.getByLabel('Day of month').inputValue()).toBe('3')

    await ownerId.fill('script-after')
    await form.getByLabel('Metadata (JSON)').fill('{"team": "platform", "ticket": 1234}')
    await form.getByLabel('Remaining uses').fill('7')
    await expectAccessible(page, 'token details with the edit form open')
    const patch = page.waitForRequest((request) => request.method() === 'PATCH')
    await form.getByRole('button', { name: 'Save' }).click()
    // The refill is unchanged, so it is not sent: sending it would restart the budget.
    const sent = await patch
    expect(new URL(sent.url()).pathname).toBe(`/v1/personal-access-tokens/${id}`)
    expect(sent.postDataJSON()).toEqual({ externalId: 'script-after', metadata: { team: 'platform', ticket: 1234 }, remaining: 7 })
    await form.waitFor({ state: 'detached' })
    await details.getByText('Owner and usage limits saved.').waitFor()
    await details.getByText('script-after', { exact: true }).waitFor()
    await details.getByText(/"team": "platform"/).waitFor()
    await details.getByText('7 (back to 20 on day 3 of each month)').waitFor()
    expect(await details.getByRole('button', { name: 'Edit owner and usage limits' }).evaluate((element) => element === document.activeElement)).toBe(true)
    expect(await stored()).toMatchObject({ externalId: 'script-after', metadata: { team: 'platform', ticket: 1234 }, remaining: 7, refill: { interval: 'monthly', amount: 20, day: 3 } })

    // The new budget is the one spent: the token's own request takes one of the seven.
    expect((await server.request('GET', '/v1/me', { token })).status).toBe(200)
    expect((await stored()).remaining).toBe(6)
    expectNoConsoleErrors(watched)
  })

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
