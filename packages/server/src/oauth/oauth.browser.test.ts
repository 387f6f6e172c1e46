import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { generate } from 'otplib'
import * as client from 'openid-client'
import type { Browser, BrowserContext } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signUp, type TestUser } from '@brandwave/testing/actors'
import { CHROMIUM, chromiumPresent, expectAccessible, expectNoConsoleErrors, launchChromium, openWatchedPage, type WatchedPage } from '@brandwave/testing/browser'
import { ensureDashboardBuilt } from '@brandwave/testing/dashboard'
import { registerClient, startAuthorization, startOAuthServer } from '@brandwave/testing/oauth'
import type { TestServer } from '@brandwave/testing/server'

if (!chromiumPresent) {
  console.warn(`\n!!! SKIPPED: the OAuth sign-in, consent and Authorized apps browser tests need Chromium at ${CHROMIUM}. Nothing in the browser was tested. !!!\n`)
}

describe.skipIf(!chromiumPresent)('OAuth in Chromium: sign-in with 2FA, consent, Authorized apps (sqlite)', { timeout: 90_000 }, () => {
  let server: TestServer
  let browser: Browser
  let user: TestUser
  let totpSecret: string
  /** The app's own page, where the browser lands back with the code (Chromium will not fake a redirect target). */
  let app: Server
  let redirectUri: string
  const contexts: BrowserContext[] = []

  beforeAll(async () => {
    ensureDashboardBuilt()
    server = await startOAuthServer('sqlite')
    browser = await launchChromium()
    app = createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/plain' }).end('the app'))
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve))
    redirectUri = `http://127.0.0.1:${(app.address() as AddressInfo).port}/callback`
    user = await signUp(server, 'Olivia')
    const setup = await server.request('POST', '/v1/auth/2fa/setup', { token: user.accessToken, body: { currentPassword: user.password } })
    totpSecret = setup.body.data.secret
    const code = await generate({ secret: totpSecret, epoch: Math.floor(server.clock.now() / 1000) })
    expect((await server.request('POST', '/v1/auth/2fa/enable', { token: user.accessToken, body: { currentPassword: user.password, code } })).status).toBe(200)
  })
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined)
    await browser?.close()
    await server?.close()
    await new Promise((resolve) => app?.close(resolve))
  })

  const open = (viewport?: { width: number; height: number }): Promise<WatchedPage> => openWatchedPage(browser, server.url, contexts, viewport)

  it('a signed-out user signs in with 2FA, allows the app, and the app gets working tokens; signed in, the next request goes straight to consent and Deny sends access_denied', async () => {
    const config = await registerClient(server, { client_name: 'Acme CRM', redirect_uris: [redirectUri] })
    const watched = await open()
    const { page } = watched
    const authorization = await startAuthorization(config, 'openid email personal_access_tokens:read', { redirect_uri: redirectUri })
    await page.goto(authorization.url.href)

    // The dashboard's own sign-in page, 2FA included.
    await page.getByRole('heading', { name: 'Sign in to Brandwave' }).waitFor()
    await page.getByLabel('Email').fill(user.email)
    // Masked, and left to password managers (ASVS 5.0 6.2.6, 6.2.7).
    expect(await page.getByLabel('Password', { exact: true }).getAttribute('type')).toBe('password')
    expect(await page.getByLabel('Password', { exact: true }).getAttribute('autocomplete')).toBe('current-password')
    await page.getByLabel('Password', { exact: true }).fill(user.password)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByLabel('Authentication code').waitFor()
    server.clock.advance(30_000)
    await page.getByLabel('Authentication code').fill(await generate({ secret: totpSecret, epoch: Math.floor(server.clock.now() / 1000) }))
    await page.getByRole('button', { name: 'Sign in' }).click()

    await page.getByRole('heading', { name: 'Authorize Acme CRM' }).waitFor()
    await page.getByText("Olivia's company").waitFor()
    const asked = page.getByRole('list', { name: 'Permissions asked' })
    await asked.getByText('See your email address').waitFor()
    await asked.getByText('personal_access_tokens:read').waitFor()
    // The app named itself when it registered: the page says nobody checked that name.
    await expect.poll(() => page.getByRole('note').textContent()).toContain('Brandwave has not verified this app: “Acme CRM” is the name it gave itself')
    await expectAccessible(page, 'consent page')
    expectNoConsoleErrors(watched, true)
    await page.getByRole('button', { name: 'Allow' }).click()
    await page.waitForURL((url) => url.href.startsWith(redirectUri))

    const callback = new URL(page.url())
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: authorization.verifier, expectedState: authorization.state })
    expect(tokens.claims()?.sub).toBe(user.userId)
    const me = await server.request('GET', '/v1/me', { token: tokens.access_token })
    expect(me.body.data).toMatchObject({ type: 'oauth', userId: user.userId, scopes: ['personal_access_tokens:read'] })

    // Already signed in: straight to consent; Deny goes back to the app as access_denied.
    const second = await startAuthorization(config, 'personal_access_tokens:read', { redirect_uri: redirectUri })
    await page.goto(second.url.href)
    await page.getByRole('heading', { name: 'Authorize Acme CRM' }).waitFor()
    await page.getByRole('button', { name: 'Deny' }).click()
    await page.waitForURL((url) => url.href.startsWith(redirectUri))
    expect(new URL(page.url()).searchParams.get('error')).toBe('access_denied')
    expectNoConsoleErrors(watched, true)
  })

  it('Authorized apps lists the app, at phone width too, and Revoke (confirmed) kills its tokens on the next request', async () => {
    const config = await registerClient(server, { client_name: 'Gadget Sync', redirect_uris: [redirectUri] })
    const watched = await open({ width: 390, height: 844 })
    const { page } = watched
    const authorization = await startAuthorization(config, 'personal_access_tokens:read', { redirect_uri: redirectUri })
    await page.goto(authorization.url.href)
    await page.getByLabel('Email').fill(user.email)
    await page.getByLabel('Password', { exact: true }).fill(user.password)
    await page.getByRole('button', { name: 'Sign in' }).click()
    server.clock.advance(30_000)
    await page.getByLabel('Authentication code').fill(await generate({ secret: totpSecret, epoch: Math.floor(server.clock.now() / 1000) }))
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('button', { name: 'Allow' }).click()
    await page.waitForURL((url) => url.href.startsWith(redirectUri))
    const tokens = await client.authorizationCodeGrant(config, new URL(page.url()), { pkceCodeVerifier: authorization.verifier, expectedState: authorization.state })
    expect((await server.request('GET', '/v1/me', { token: tokens.access_token })).status).toBe(200)

    await page.goto('/settings/authorized-apps')
    await page.getByRole('link', { name: 'Authorized apps' }).waitFor()
    const row = page.getByRole('row', { name: /Gadget Sync/ })
    await row.waitFor()
    await expectAccessible(page, 'Authorized apps page')
    await row.getByRole('button', { name: 'Revoke Gadget Sync' }).click()
    const dialog = page.getByRole('alertdialog', { name: 'Revoke Gadget Sync?' })
    await dialog.getByRole('button', { name: 'Revoke' }).click()
    await row.waitFor({ state: 'detached' })
    expect((await server.request('GET', '/v1/me', { token: tokens.access_token })).status).toBe(401)

    // max_age: a session older than the app accepts must sign in again first.
    server.clock.advance(5_000)
    const again = await startAuthorization(config, 'openid personal_access_tokens:read', { redirect_uri: redirectUri, max_age: '1' })
    await page.goto(again.url.href)
    await page.getByRole('heading', { name: 'Sign in again' }).waitFor()
    await page.getByRole('button', { name: 'Sign in again' }).click()
    await page.getByLabel('Email').fill(user.email)
    await page.getByLabel('Password', { exact: true }).fill(user.password)
    await page.getByRole('button', { name: 'Sign in' }).click()
    server.clock.advance(30_000)
    await page.getByLabel('Authentication code').fill(await generate({ secret: totpSecret, epoch: Math.floor(server.clock.now() / 1000) }))
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('button', { name: 'Allow' }).click()
    await page.waitForURL((url) => url.href.startsWith(redirectUri))
    expect(new URL(page.url()).searchParams.get('code')).not.toBeNull()
    expectNoConsoleErrors(watched, true)
  })
})
