// Takes the README's screenshots of the dashboard: the API Keys page and the New Key dialog
// (with its Owner and usage limits section open and filled in).
// Needs `npm run build` and Chromium at /usr/bin/chromium (or CHROMIUM=path).
// Usage: node scripts/dashboard-screenshots.mjs   → docs/dashboard-api-keys.png, docs/dashboard-new-key.png
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Brandwave } from '@brandwave/sdk'
import { chromium } from 'playwright-core'

const root = new URL('..', import.meta.url).pathname
const port = Number(process.env.SCREENSHOT_PORT ?? 3977)
const url = `http://127.0.0.1:${port}`
const email = 'ada@example.com'
const password = 'screenshots only, not a real password'
const dataDir = mkdtempSync(join(tmpdir(), 'brandwave-screenshots-'))

const server = spawn(process.execPath, [join(root, 'packages/server/dist/main.js')], {
  env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', BRANDWAVE_DATA_DIR: dataDir, BRANDWAVE_ADMIN_EMAIL: email, BRANDWAVE_ADMIN_PASSWORD: password, BRANDWAVE_RESOURCES: 'contacts,leads,invoices', BRANDWAVE_USAGE_FLUSH_MS: '200', LOG_LEVEL: 'warn' },
  stdio: ['ignore', 'ignore', 'inherit'],
})

try {
  for (let attempt = 0; ; attempt++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) break
    } catch {
      if (attempt > 100) throw new Error('the server did not start')
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }

  const bw = new Brandwave({ baseUrl: url })
  await bw.auth.login({ email, password })
  const inDays = (days) => new Date(Date.now() + days * 86_400_000).toISOString()
  await bw.apiKeys.create({ name: 'Nightly QuickBooks export', scopes: ['invoices:read', 'contacts:read'], allowedIps: ['203.0.113.0/24'], expiresAt: inDays(90) })
  const zapier = await bw.apiKeys.create({ name: 'Zapier sync', scopes: ['contacts:read', 'contacts:write', 'leads:read'] })
  await new Brandwave({ baseUrl: url, token: zapier.data.token }).me()
  await bw.apiKeys.create({ name: 'Staging smoke tests', scopes: ['leads:read'], environment: 'test', expiresAt: inDays(3) })
  const old = await bw.apiKeys.create({ name: 'Old CRM import', scopes: ['contacts:write'] })
  await bw.apiKeys.revoke({ id: old.data.id })

  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  })
  try {
    const page = await browser.newPage({ viewport: { width: 1360, height: 760 } })
    await page.goto(`${url}/settings/developer/api-keys`)
    await page.getByLabel('Email').fill(email)
    await page.getByLabel('Password').fill(password)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('row', { name: /Zapier sync/ }).waitFor()
    // Usage is recorded off the request path (flushed every 200 ms here); one reload shows it.
    await page.waitForTimeout(1500)
    await page.reload()
    await page.getByRole('row', { name: /Zapier sync/ }).waitFor()
    await page.screenshot({ path: join(root, 'docs/dashboard-api-keys.png') })

    await page.getByRole('button', { name: 'New Key' }).click()
    const dialog = page.getByRole('dialog', { name: 'New API key' })
    await dialog.getByLabel('Name').fill('Zapier sync')
    for (const scope of ['contacts:read', 'contacts:write', 'leads:read']) await dialog.getByText(scope, { exact: true }).click()
    await dialog.getByLabel('Allowed IPs').fill('203.0.113.0/24\n2001:db8::/32')
    await dialog.getByRole('button', { name: 'Owner and usage limits' }).click()
    await dialog.getByLabel('Owner ID').fill('cus_4821')
    await dialog.getByLabel('Metadata (JSON)').fill('{"plan": "pro", "region": "eu"}')
    await dialog.getByLabel('Remaining uses').fill('10000')
    await dialog.getByRole('radio', { name: 'Monthly' }).check()
    await dialog.getByLabel('Refill amount').fill('10000')
    await dialog.getByLabel('Day of month').fill('1')
    // Tall enough for the whole dialog, the open section included, rather than a scrolled part of it.
    const dialogHeight = await page.locator('.modal').evaluate((modal) => modal.scrollHeight)
    await page.setViewportSize({ width: 1360, height: dialogHeight + 48 })
    await page.screenshot({ path: join(root, 'docs/dashboard-new-key.png') })
  } finally {
    await browser.close()
  }
  console.log('wrote docs/dashboard-api-keys.png and docs/dashboard-new-key.png')
} finally {
  server.kill('SIGTERM')
  rmSync(dataDir, { recursive: true, force: true })
}
