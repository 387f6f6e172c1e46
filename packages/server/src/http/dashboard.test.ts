import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureDashboardBuilt } from '@brandwave/testing/dashboard'
import { storageKinds } from '@brandwave/testing/databases'
import { startTestServer, type TestServer } from '@brandwave/testing/server'
import { DEFAULT_DASHBOARD_DIR } from './dashboard.js'
import { HTML_CSP } from './openapi.js'

describe.each(storageKinds)('the dashboard at / (%s)', (kind) => {
  let server: TestServer

  beforeAll(async () => {
    ensureDashboardBuilt()
    server = await startTestServer(kind)
  })
  afterAll(() => server?.close())

  const page = (path: string) => fetch(`${server.url}${path}`, { headers: { accept: 'text/html' } })

  it('serves the app at / and at every deep link, revalidated, under the strict CSP', async () => {
    for (const path of ['/', '/settings/developer/api-keys', '/settings/developer/api-keys?status=revoked', '/sign-in']) {
      const response = await page(path)
      expect(response.status, path).toBe(200)
      expect(response.headers.get('content-type')).toMatch(/^text\/html/)
      expect(response.headers.get('content-security-policy')).toBe(HTML_CSP)
      expect(response.headers.get('cache-control')).toBe('no-cache')
      const html = await response.text()
      expect(html).toContain('<div id="root"></div>')
      // Nothing inline for the CSP to refuse: scripts and styles are files of this server.
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/)
      expect(html).not.toMatch(/<style[\s>]|\sstyle=/)
      expect(html).not.toMatch(/https?:\/\//)
    }
  })

  it('serves hashed assets with a year-long immutable cache; a missing asset is a 404, not the page', async () => {
    const assets = readdirSync(join(DEFAULT_DASHBOARD_DIR, 'assets'))
    const script = assets.find((name) => name.endsWith('.js'))
    expect(script).toMatch(/-[\w-]{8}\.js$/)
    const response = await fetch(`${server.url}/assets/${script}`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/javascript/)
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')

    const missing = await fetch(`${server.url}/assets/index-00000000.js`)
    expect(missing.status).toBe(404)
    expect((await missing.json()).error.code).toBe('not_found')
    expect((await fetch(`${server.url}/favicon.ico`)).status).toBe(404)
  })

  it('leaves the API alone: unknown /v1 and /api paths stay JSON 404s; /healthz, /openapi.json and /docs still answer', async () => {
    for (const path of ['/v1/nowhere', '/api/v1/nowhere', '/v1', '/oauth/nowhere']) {
      const response = await page(path)
      expect(response.status, path).toBe(404)
      expect((await response.json()).error.code).toBe('not_found')
    }
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
    expect((await fetch(`${server.url}/openapi.json`)).status).toBe(200)
    expect((await fetch(`${server.url}/docs`, { redirect: 'follow' })).status).toBe(200)
    expect((await server.request('POST', '/settings/developer/api-keys', { body: {} })).status).toBe(404)
  })
})
