import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPat, loginAdmin, withBrokenChecksum, type TestUser } from '@brandwave/testing/actors'
import { testDatabaseKinds } from '@brandwave/testing/databases'
import { rawRequest } from '@brandwave/testing/http'
import { ADMIN_PASSWORD, startTestServer, TEST_SECRET, type TestServer } from '@brandwave/testing/server'

describe.each(testDatabaseKinds)('HTTP conventions (%s)', (kind) => {
  let server: TestServer
  let admin: TestUser
  const logLines: string[] = []

  beforeAll(async () => {
    server = await startTestServer(kind, { logLines })
    admin = await loginAdmin(server)
  })
  afterAll(() => server?.close())

  it('every response has X-Request-Id and the security headers; errors share one shape', async () => {
    const response = await server.request('GET', '/v1/nowhere')
    expect(response.status).toBe(404)
    expect(response.body).toEqual({ error: { code: 'not_found', message: expect.any(String), details: [] }, meta: { request_id: expect.stringMatching(/^req_[0-9a-f]{32}$/) } })
    expect(response.headers.get('x-request-id')).toBe(response.body.meta.request_id)
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
    expect(response.headers.get('referrer-policy')).toBe('no-referrer')
    expect(response.headers.get('cache-control')).toBe('no-store')
  })

  it('415 for a body that is not JSON, 400 for broken JSON, 413 above 64 KiB', async () => {
    const path = '/v1/personal-access-tokens'
    const form = await server.request('POST', path, { token: admin.accessToken, body: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
    expect(form.status).toBe(415)
    expect(form.body.error.code).toBe('unsupported_media_type')

    const broken = await server.request('POST', path, { token: admin.accessToken, body: '{\n  "name": "x",\n}', headers: { 'content-type': 'application/json' } })
    expect(broken.status).toBe(400)
    expect(broken.body.error).toMatchObject({ code: 'validation_failed', details: [{ field: 'body' }] })
    // Where the JSON breaks is data the caller needs, whatever the sentence around it.
    expect(broken.body.error.details[0].message).toMatch(/\bline 3\b.*\bcolumn 1\b/)
    const secretInside = await server.request('POST', path, { token: admin.accessToken, body: '{"name": bw_live_not_really_a_secret}', headers: { 'content-type': 'application/json' } })
    expect(secretInside.status).toBe(400)
    expect(secretInside.text).not.toContain('live_not_really')

    const huge = await server.request('POST', path, { token: admin.accessToken, body: { name: 'x', padding: 'a'.repeat(70 * 1024) } })
    expect(huge.status).toBe(413)
    expect(huge.body.error.code).toBe('payload_too_large')

    const proto = await server.request('POST', path, { token: admin.accessToken, body: '{"name":"x","__proto__":{"admin":true}}' })
    expect(proto.status).toBe(400)
  })

  it('/openapi.json documents every operation from the schemas that validate it; /docs renders it', async () => {
    const response = await server.request('GET', '/openapi.json')
    expect(response.status).toBe(200)
    const document = response.body
    expect(document.openapi).toBe('3.1.0')
    const create = document.paths['/v1/personal-access-tokens'].post
    expect(create.operationId).toBe('createPersonalAccessToken')
    expect(create.requestBody.content['application/json'].schema.required).toEqual(['name'])
    expect(create.responses['201']).toBeDefined()
    expect(create.responses['401']).toBeDefined()
    expect(create.security).toEqual([{ bearer: [] }, { apiKey: [] }, { apiToken: [] }])
    expect(document.paths['/v1/auth/login'].post.security).toEqual([])
    expect(document.paths['/v1/personal-access-tokens/{id}/rotate'].post.operationId).toBe('rotatePersonalAccessToken')
    expect(Object.keys(document.paths).filter((path) => path.startsWith('/api/v1/'))).toEqual([])
    expect(document.components.securitySchemes.apiKey).toEqual({ type: 'apiKey', in: 'header', name: 'X-API-Key' })

    const docs = await fetch(`${server.url}/docs`, { redirect: 'follow' })
    expect(docs.status).toBe(200)
    expect(await docs.text()).toContain('swagger-ui')
  })

  it('errors the HTTP parser and router find keep the envelope and headers, and never echo the URL', async () => {
    const pat = await createPat(server, admin)
    const close = 'Connection: close\r\n'
    const badUrl = await rawRequest(server.url, `GET /v1/${pat.token}/%E0%A4%A HTTP/1.1\r\nHost: x\r\n${close}\r\n`)
    const longParam = await rawRequest(server.url, `GET /v1/personal-access-tokens/${'a'.repeat(300)} HTTP/1.1\r\nHost: x\r\n${close}\r\n`)
    const hugeHeader = await rawRequest(server.url, `GET /v1/me HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n${close}\r\n`)
    const garbage = await rawRequest(server.url, 'NOT HTTP AT ALL\r\n\r\n')
    for (const [response, status, code] of [[badUrl, 400, 'validation_failed'], [longParam, 404, 'not_found'], [hugeHeader, 431, 'headers_too_large'], [garbage, 400, 'validation_failed']] as const) {
      expect(response.status).toBe(status)
      const body = JSON.parse(response.body)
      expect(body.error.code).toBe(code)
      expect(body.meta.request_id).toMatch(/^req_/)
      expect(response.headers.toLowerCase()).toContain('x-content-type-options: nosniff')
      expect(response.body).not.toContain(pat.token)
    }
  })

  it('an empty body with a JSON content type is no body (DELETE from clients that always send the header)', async () => {
    const pat = await createPat(server, admin)
    const response = await server.request('DELETE', `/v1/personal-access-tokens/${pat.id}`, { token: admin.accessToken, headers: { 'content-type': 'application/json' } })
    expect(response.status).toBe(200)
    const create = await server.request('POST', '/v1/personal-access-tokens', { token: admin.accessToken, headers: { 'content-type': 'application/json' } })
    expect(create.status).toBe(400)
  })

  it('gives cross-origin callers of the API no CORS permission, preflight or not', async () => {
    for (const path of ['/v1/me', '/api/v1/personal-access-tokens', '/api/accounts/1/api_tokens']) {
      const preflight = await server.request('OPTIONS', path, { headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } })
      expect(preflight.status).toBeLessThan(500)
      expect([...preflight.headers.keys()].filter((name) => name.startsWith('access-control-'))).toEqual([])
      const call = await server.request('GET', path, { token: admin.accessToken, headers: { origin: 'https://evil.example' } })
      expect([...call.headers.keys()].filter((name) => name.startsWith('access-control-'))).toEqual([])
    }
  })

  it('serves HTML with a strict Content-Security-Policy', async () => {
    const docs = await fetch(`${server.url}/docs`)
    const csp = docs.headers.get('content-security-policy') ?? ''
    expect(csp).toContain("default-src 'self'")
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).toContain("object-src 'none'")
    expect(csp).not.toContain('http')
  })

  it('/healthz and /readyz answer', async () => {
    expect((await server.request('GET', '/healthz')).body).toEqual({ status: 'ok' })
    const checks = kind === 'postgres+redis' ? { database: 'ok', redis: 'ok' } : { database: 'ok' }
    expect((await server.request('GET', '/readyz')).body).toEqual({ status: 'ok', checks })
  })

  it('/metrics counts requests by route pattern and verifications by outcome, never naming a credential', async () => {
    const pat = await createPat(server, admin)
    await server.request('GET', '/v1/me', { token: pat.token })
    await server.request('GET', '/v1/me', { token: withBrokenChecksum(pat.token) })
    await server.request('GET', `/v1/personal-access-tokens/${pat.id}`, { token: admin.accessToken })
    const response = await fetch(`${server.url}/metrics`)
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/)
    const text = await response.text()
    const value = (series: string) => Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN)
    expect(value('brandwave_http_requests_total{method="GET",route="/v1/me",status="200"}')).toBeGreaterThanOrEqual(1)
    expect(value('brandwave_http_requests_total{method="GET",route="/v1/personal-access-tokens/:id",status="200"}')).toBeGreaterThanOrEqual(1)
    expect(value('brandwave_authentications_total{code="VALID"}')).toBeGreaterThanOrEqual(1)
    expect(value('brandwave_authentications_total{code="MALFORMED"}')).toBeGreaterThanOrEqual(1)
    expect(value('brandwave_credential_storage_lookups_total{kind="credential"}')).toBeGreaterThanOrEqual(1)
    // PostgreSQL without Redis has no way to learn of other instances' revocations: no cache.
    expect(value('brandwave_verification_cache_entries{kind="credential"}')).toBeGreaterThanOrEqual(kind === 'postgres' ? 0 : 1)
    expect(text).toMatch(/^brandwave_process_resident_memory_bytes \d+/m)
    expect(text).not.toContain(pat.id)
    expect(text).not.toContain(pat.token.slice(0, 12))
    expect(text).not.toContain(admin.userId)
  })

  it('/metrics counts the rows the batched usage writes send, by kind', async () => {
    const rowsWritten = async (kind: string) => {
      const text = await (await fetch(`${server.url}/metrics`)).text()
      return Number(new RegExp(`^brandwave_usage_rows_written_total\\{kind="${kind}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0)
    }
    const { usage, usageCounts } = server.running.app
    // The test server flushes every 100 ms: stopped, the four requests fall in one batch.
    await Promise.all([usage.stop(), usageCounts.stop()])
    try {
      const before = { lastUsed: await rowsWritten('last_used'), counts: await rowsWritten('counts') }
      const pats = [await createPat(server, admin), await createPat(server, admin)]
      for (const pat of [...pats, ...pats]) await server.request('GET', '/v1/me', { token: pat.token })
      await Promise.all([usage.flush(), usageCounts.flush()])
      // One row per credential per batch, however many requests it made.
      expect(await rowsWritten('last_used')).toBe(before.lastUsed + 2)
      expect(await rowsWritten('counts')).toBe(before.counts + 2)
    } finally {
      usage.start()
      usageCounts.start()
    }
  })

  it('/metrics counts the rate limiter\'s commands to Redis, by what each was for', async () => {
    const commands = async () => {
      const text = await (await fetch(`${server.url}/metrics`)).text()
      return Object.fromEntries([...text.matchAll(/^brandwave_rate_limit_store_commands_total\{command="(\w+)"\} (\d+)$/gm)].map(([, command, n]) => [command, Number(n)]))
    }
    const pat = await createPat(server, admin)
    const before = await commands()
    // The first request of a key is counted alone; a busy key then takes shares of its count.
    for (let i = 0; i < 5; i++) await server.request('GET', '/v1/me', { token: pat.token })
    const after = await commands()
    if (kind === 'postgres+redis') {
      expect(after.count ?? 0).toBeGreaterThan(before.count ?? 0)
      expect(after.share ?? 0).toBeGreaterThan(before.share ?? 0)
    } else expect(after).toEqual({})
  })

  it('counts a warm key that is not busy with one command per request, taking no share', async () => {
    const commands = async (command: string) => {
      const text = await (await fetch(`${server.url}/metrics`)).text()
      return Number(new RegExp(`^brandwave_rate_limit_store_commands_total\\{command="${command}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0)
    }
    const pat = await createPat(server, admin)
    // Read from storage and cached: the next request is a warm one.
    await server.request('GET', '/v1/me', { token: pat.token })
    const before = { count: await commands('count'), share: await commands('share') }
    expect((await server.request('GET', '/v1/me', { token: pat.token })).status).toBe(200)
    // A key's first warm request is counted alone: only a second within a second makes it busy.
    expect(await commands('share')).toBe(before.share)
    if (kind === 'postgres+redis') expect(await commands('count')).toBe(before.count + 1)
  })

  it('logs one line per request, with the request id, and never a secret', async () => {
    const pat = await createPat(server, admin)
    await server.request('GET', '/v1/me', { token: pat.token, via: 'x-api-key' })
    await server.request('GET', `/v1/me?access_token=${pat.token}`)
    await server.request('POST', '/v1/auth/login', { body: { email: admin.email, password: ADMIN_PASSWORD } })
    await server.request('POST', '/v1/auth/refresh', { body: { refreshToken: admin.refreshToken } })
    await server.request('POST', '/v1/personal-access-tokens', { token: admin.accessToken, body: '{"name": "' })
    await server.request('GET', `/v1/personal-access-tokens/${pat.token}`, { token: admin.accessToken })
    await server.request('GET', `/v1/nowhere/${admin.accessToken}`)
    const log = logLines.join('\n')
    expect(log).toContain('/v1/personal-access-tokens/bw_live_[redacted]')
    expect(log).toContain('"requestId":"req_')
    expect(log).toContain('"path":"/v1/me"')
    for (const secret of [pat.token, admin.accessToken, admin.refreshToken, ADMIN_PASSWORD]) expect(log).not.toContain(secret)
  })
})

describe.each(testDatabaseKinds)('durability across a restart (%s)', (kind) => {
  it('tokens, revocations and sessions survive', async () => {
    const server = await startTestServer(kind)
    try {
      const admin = await loginAdmin(server)
      const kept = await createPat(server, admin, { name: 'kept' })
      const revoked = await createPat(server, admin, { name: 'revoked' })
      await server.request('DELETE', `/v1/personal-access-tokens/${revoked.id}`, { token: admin.accessToken })
      const loggedOut = await loginAdmin(server)
      await server.request('POST', '/v1/auth/logout', { token: loggedOut.accessToken })

      await server.restart()

      expect((await server.request('GET', '/v1/me', { token: kept.token })).status).toBe(200)
      expect((await server.request('GET', '/v1/me', { token: revoked.token })).status).toBe(401)
      expect((await server.request('GET', '/v1/me', { token: admin.accessToken })).status).toBe(200)
      expect((await server.request('GET', '/v1/me', { token: loggedOut.accessToken })).status).toBe(401)
      expect((await server.request('POST', '/v1/auth/refresh', { body: { refreshToken: admin.refreshToken } })).status).toBe(200)
      const list = await server.request('GET', '/v1/personal-access-tokens', { token: kept.token })
      expect(list.body.facets.status).toMatchObject({ active: 1, revoked: 1 })
    } finally {
      await server.close()
    }
  })

  it('refuses to start with a different secret than the database was set up with', async () => {
    const server = await startTestServer(kind, { env: { BRANDWAVE_SECRET: TEST_SECRET } })
    try {
      await expect(server.restartWith({ BRANDWAVE_SECRET: `${TEST_SECRET}-rotated-by-mistake` })).rejects.toMatchObject({ name: 'SecretMismatchError' })
      await server.restartWith({ BRANDWAVE_SECRET: TEST_SECRET })
      expect((await server.request('GET', '/healthz')).status).toBe(200)
    } finally {
      await server.close()
    }
  })

  it('records lastUsedAt and lastUsedIp off the request path, and flushes them on shutdown', async () => {
    const server = await startTestServer(kind, { env: { BRANDWAVE_USAGE_FLUSH_MS: '600000' } })
    try {
      const admin = await loginAdmin(server)
      const pat = await createPat(server, admin)
      await server.request('GET', '/v1/me', { token: pat.token })
      const before = await server.request('GET', `/v1/personal-access-tokens/${pat.id}`, { token: admin.accessToken })
      expect(before.body.data.lastUsedAt).toBeNull()

      await server.restart()
      const after = await server.request('GET', `/v1/personal-access-tokens/${pat.id}`, { token: admin.accessToken })
      expect(after.body.data.lastUsedAt).toEqual(expect.any(String))
      expect(after.body.data.lastUsedIp).toBe('127.0.0.1')
    } finally {
      await server.close()
    }
  })
})
