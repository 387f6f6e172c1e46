import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { expect } from 'vitest'

/** Debian's Chromium: installed by `.ci/run`, never downloaded by a test tool. */
export const CHROMIUM = '/usr/bin/chromium'
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

export const chromiumPresent = existsSync(CHROMIUM)

/**
 * Chromium reports every 4xx answer as a console error ("Failed to load resource"). Only the
 * sign-in steps expect one: resuming without a session (401) and a first attempt that needs
 * a code (401 two_factor_required); a test that provokes a refusal on purpose names it too.
 * Everywhere else, any console error fails the test.
 */
const EXPECTED_REFUSAL = /^Failed to load resource: the server responded with a status of 401/

/** A page with every console error and page error it has logged since the last check. */
export interface WatchedPage {
  readonly page: Page
  readonly errors: string[]
}

/** One browser per test file (the machine is small); each test opens contexts of its own. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true })
}

/** A page in a new context, recorded in `contexts` so the suite closes it. */
export async function openWatchedPage(browser: Browser, baseURL: string, contexts: BrowserContext[], viewport = { width: 1280, height: 900 }): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport, baseURL })
  contexts.push(context)
  // Shorter than the test's own timeout, so a failure names the element it waited for.
  context.setDefaultTimeout(15_000)
  const page = await context.newPage()
  const errors: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text())
  })
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`))
  return { page, errors }
}

/** No console error since the last check, except the refusals the sign-in steps expect. */
export function expectNoConsoleErrors(watched: WatchedPage, allowRefusals = false, alsoExpected?: RegExp): void {
  const unexpected = watched.errors.filter((text) => !(allowRefusals && EXPECTED_REFUSAL.test(text)) && !(alsoExpected?.test(text) ?? false))
  watched.errors.length = 0
  expect(unexpected).toEqual([])
}

/** axe-core, injected through the DevTools protocol (which the page's CSP does not govern). */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  await page.evaluate(`${AXE_SOURCE}\n;undefined`)
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: Document) => Promise<{ violations: Array<{ id: string; impact: string | null; nodes: Array<{ target: unknown }> }> }> } }).axe
    const result = await axe.run(document)
    return result.violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical').map((violation) => ({ id: violation.id, nodes: violation.nodes.map((node) => node.target) }))
  })
  expect(violations, what).toEqual([])
}
