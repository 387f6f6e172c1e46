import { randomBytes } from 'node:crypto'
import { generateToken } from '@brandwave/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiKey, createPat, loginAdmin, signUp, withBrokenChecksum, type TestUser } from '@brandwave/testing/actors'
import { testDatabaseKinds } from '@brandwave/testing/databases'
import { scannerKey, ScannerKeyEndpoint, signAlert, type ScannerKey } from '@brandwave/testing/scanner-keys'
import { startTestServer, type TestServer } from '@brandwave/testing/server'
import { mailEnv, startMailServer, type TestMailServer } from '@brandwave/testing/smtp'

const FOUND_AT = 'https://github.com/acme/app/blob/4f2a9c1/config/settings.py#L12'

describe.each(testDatabaseKinds)('secret-scanning alerts (%s)', (kind) => {
  let server: TestServer
  let mail: TestMailServer
  const github = new ScannerKeyEndpoint()
  const gitlab = new ScannerKeyEndpoint()
  const githubKey = scannerKey('gh-key-1')
  const gitlabKey = scannerKey('gl-key-1')
  let user: TestUser
  let admin: TestUser
  const logLines: string[] = []

  beforeAll(async () => {
    github.keys = [githubKey, scannerKey('gh-key-old')]
    gitlab.keys = [gitlabKey]
    mail = await startMailServer()
    server = await startTestServer(kind, {
      env: { ...mailEnv(mail), BRANDWAVE_GITHUB_KEYS_URL: await github.start(), BRANDWAVE_GITLAB_KEYS_URL: await gitlab.start() },
      logLines,
    })
    user = await signUp(server, 'Leaky')
    admin = await loginAdmin(server)
  })
  afterAll(async () => {
    await server?.close()
    await mail?.close()
    await github.close()
    await gitlab.close()
  })

  type Match = { token: string; type?: string; url?: string; source?: string }
  const alertBody = (matches: Match[]) => JSON.stringify(matches.map((m) => ({ type: 'brandwave_token', url: FOUND_AT, source: 'commit', ...m })))
  const postAlert = (body: string, headers: Record<string, string>, partner: 'github' | 'gitlab' = 'github') =>
    server.request('POST', `/v1/secret-scanning/${partner}`, { body, headers })
  const githubHeaders = (key: ScannerKey, body: string) => ({ 'github-public-key-identifier': key.identifier, 'github-public-key-signature': signAlert(key, body) })
  const works = async (token: string) => (await server.request('GET', '/v1/me', { token })).status === 200
  const exposures = async (bearer: string) => {
    const response = await server.request('GET', '/v1/audit-logs?action=credential.exposed&limit=100', { token: bearer })
    expect(response.status, response.text).toBe(200)
    return response
  }
  const unknownToken = (like: string) => generateToken(like.split('_')[0]!, 'live', randomBytes)

  it('a signed alert revokes our credentials at once, labels lookalikes false positives, audits where they were found and tells the owners', async () => {
    const pat = await createPat(server, user, { name: 'pushed by mistake' })
    const apiKey = await createApiKey(server, admin.accessToken, { name: 'ci key', scopes: ['members:read'] })
    expect(await works(pat.token)).toBe(true)
    const matches = [{ token: pat.token }, { token: apiKey.token, source: 'content' }, { token: withBrokenChecksum(pat.token) }, { token: unknownToken(pat.token) }, { token: 'not a token' }]
    const body = alertBody(matches)

    const response = await postAlert(body, githubHeaders(githubKey, body))
    expect(response.status, response.text).toBe(200)
    expect(response.body).toEqual(
      matches.map((m, i) => ({ token_raw: m.token, token_type: 'brandwave_token', label: i < 2 ? 'true_positive' : 'false_positive' })),
    )

    expect(await works(pat.token)).toBe(false)
    const patView = await server.request('GET', `/v1/personal-access-tokens/${pat.id}`, { token: user.accessToken })
    expect(patView.body.data).toMatchObject({ status: 'revoked', revocationReason: 'exposed', exposure: { url: FOUND_AT, reportedAt: expect.any(String) } })
    const keyView = await server.request('GET', `/v1/api-keys/${apiKey.id}`, { token: admin.accessToken })
    expect(keyView.body.data).toMatchObject({ status: 'revoked', revocationReason: 'exposed' })

    const audit = await exposures(user.accessToken)
    expect(audit.body.items).toHaveLength(1)
    expect(audit.body.items[0]).toMatchObject({ action: 'credential.exposed', target: { type: 'personal_access_token', id: pat.id }, details: { url: FOUND_AT, source: 'commit', reportedVia: 'github', leakAction: 'revoked' } })
    const adminAudit = await exposures(admin.accessToken)
    expect(adminAudit.body.items.map((event: any) => event.target.id)).toContain(apiKey.id)
    for (const text of [audit.text, adminAudit.text, logLines.join('\n')]) {
      expect(text).not.toContain(pat.token)
      expect(text).not.toContain(apiKey.token)
    }

    // The owner hears of the PAT, the organization's admins of the API key; no secret in either.
    const ownerMail = await mail.waitFor((m) => m.to === user.email && m.subject.includes('exposed'))
    const adminMail = await mail.waitFor((m) => m.to === admin.email && m.subject.includes('ci key'))
    expect(ownerMail.text).toContain(FOUND_AT)
    for (const m of [ownerMail, adminMail]) {
      expect(m.text + m.html).not.toContain(pat.token)
      expect(m.text + m.html).not.toContain(apiKey.token)
    }

    // `*.exposed` is in the outbox, as the webhooks deliver it.
    const events = await server.running.database.db.selectFrom('events').select(['type', 'payload']).where('type', 'like', '%.exposed').execute()
    expect(events.map((event) => event.type).sort()).toEqual(['api_key.exposed', 'personal_access_token.exposed'])
    expect(JSON.stringify(events)).not.toContain(pat.token)
    expect(JSON.parse(events.find((event) => event.type === 'api_key.exposed')!.payload).data).toMatchObject({ id: apiKey.id, revocationReason: 'exposed', url: FOUND_AT })

    // The same alert again (GitHub retries): the same answer, and nothing more happens.
    const mailsBefore = mail.messages.length
    const again = await postAlert(body, githubHeaders(githubKey, body))
    expect(again.status).toBe(200)
    expect(again.body).toEqual(response.body)
    expect((await exposures(user.accessToken)).body.items).toHaveLength(1)
    await new Promise((resolve) => setTimeout(resolve, 200)) // a mail would be on its way by now
    expect(mail.messages.length).toBe(mailsBefore)
  })

  it('refuses a forged signature, an unknown identifier, a tampered body, a wrong curve and missing headers with 401, and changes nothing', async () => {
    const pat = await createPat(server, user, { name: 'still fine' })
    const body = alertBody([{ token: pat.token }])
    const impostor = scannerKey(githubKey.identifier)
    const p384 = scannerKey('gh-p384', 'secp384r1')
    github.keys = [githubKey, p384]
    const tampered = alertBody([{ token: pat.token, url: 'https://example.com/elsewhere' }])
    const attempts: Record<string, string>[] = [
      githubHeaders(impostor, body),
      { 'github-public-key-identifier': 'no-such-key', 'github-public-key-signature': signAlert(githubKey, body) },
      githubHeaders(githubKey, tampered),
      githubHeaders(p384, body),
      { 'github-public-key-identifier': githubKey.identifier },
      { 'github-public-key-identifier': githubKey.identifier, 'github-public-key-signature': 'bm90IGEgc2lnbmF0dXJl' },
      {},
    ]
    for (const headers of attempts) {
      const response = await postAlert(body, headers)
      expect(response.status, JSON.stringify(headers)).toBe(401)
      expect(response.body.error.code).toBe('unauthorized')
    }
    // The GitHub key does not sign for GitLab.
    expect((await postAlert(body, { 'gitlab-public-key-identifier': githubKey.identifier, 'gitlab-public-key-signature': signAlert(githubKey, body) }, 'gitlab')).status).toBe(401)
    expect(await works(pat.token)).toBe(true)
    expect((await server.request('GET', `/v1/personal-access-tokens/${pat.id}`, { token: user.accessToken })).body.data.exposure).toBeNull()
    expect((await exposures(user.accessToken)).body.items.map((event: any) => event.target.id)).not.toContain(pat.id)
  })

  it('refetches the keys once for a new identifier, and an unreachable key endpoint is never acceptance', async () => {
    const pat = await createPat(server, user, { name: 'rotated partner key' })
    const body = alertBody([{ token: pat.token }])
    const rotated = scannerKey('gh-key-2')

    github.failing = true
    github.keys = [rotated, githubKey]
    expect((await postAlert(body, githubHeaders(rotated, body))).status).toBe(401)
    expect(await works(pat.token)).toBe(true)

    // A key fetched before stays trusted while the endpoint is down.
    const invalid = alertBody([{ token: withBrokenChecksum(pat.token) }])
    expect((await postAlert(invalid, githubHeaders(githubKey, invalid))).status).toBe(200)

    github.failing = false
    const fetches = github.fetches
    const response = await postAlert(body, githubHeaders(rotated, body))
    expect(response.status, response.text).toBe(200)
    expect(response.body[0].label).toBe('true_positive')
    expect(github.fetches).toBe(fetches + 1)
    expect(await works(pat.token)).toBe(false)
  })

  it('GitLab: the same protocol under its own headers and keys', async () => {
    const pat = await createPat(server, user, { name: 'found by gitlab' })
    const body = JSON.stringify([{ type: 'brandwave_token', token: pat.token, url: 'https://gitlab.com/acme/app/-/blob/main/.env', source: 'commit' }])
    const forged = await postAlert(body, { 'gitlab-public-key-identifier': gitlabKey.identifier, 'gitlab-public-key-signature': signAlert(scannerKey('x'), body) }, 'gitlab')
    expect(forged.status).toBe(401)
    expect(await works(pat.token)).toBe(true)

    const response = await postAlert(body, { 'gitlab-public-key-identifier': gitlabKey.identifier, 'gitlab-public-key-signature': signAlert(gitlabKey, body) }, 'gitlab')
    expect(response.status, response.text).toBe(200)
    expect(response.body).toEqual([{ token_raw: pat.token, token_type: 'brandwave_token', label: 'true_positive' }])
    expect(await works(pat.token)).toBe(false)
    const audit = await exposures(user.accessToken)
    expect(audit.body.items.find((event: any) => event.target.id === pat.id)).toMatchObject({ details: { reportedVia: 'gitlab', url: 'https://gitlab.com/acme/app/-/blob/main/.env' } })
  })

  it('a burst of 1000 tokens in one alert completes well within GitHub\'s 30 s', async () => {
    const pat = await createPat(server, user, { name: 'in a big dump' })
    const matches = [{ token: pat.token }, ...Array.from({ length: 999 }, () => ({ token: unknownToken(pat.token) }))]
    const body = alertBody(matches)
    const started = performance.now()
    const response = await postAlert(body, githubHeaders(githubKey, body))
    expect(response.status, response.text).toBe(200)
    expect(performance.now() - started).toBeLessThan(30_000)
    expect(response.body).toHaveLength(1000)
    expect(response.body.filter((feedback: any) => feedback.label === 'true_positive')).toEqual([{ token_raw: pat.token, token_type: 'brandwave_token', label: 'true_positive' }])
    expect(await works(pat.token)).toBe(false)
  })

  it('a signed body that is not an alert is a 400', async () => {
    for (const body of ['{"token":"x"}', 'not json', JSON.stringify([{ type: 'x' }])]) {
      const response = await postAlert(body, githubHeaders(githubKey, body))
      expect(response.status, body).toBe(400)
      expect(response.body.error.code).toBe('validation_failed')
    }
  })

  it('BRANDWAVE_LEAK_ACTION=notify: reported, audited and told, but not revoked', async () => {
    await server.restartWith({ BRANDWAVE_LEAK_ACTION: 'notify' })
    const fresh = await signUp(server, 'Notified')
    const pat = await createPat(server, fresh, { name: 'notify only' })
    const body = alertBody([{ token: pat.token }])
    const response = await postAlert(body, githubHeaders(githubKey, body))
    expect(response.status, response.text).toBe(200)
    expect(response.body[0].label).toBe('true_positive')
    expect(await works(pat.token)).toBe(true)
    const view = await server.request('GET', `/v1/personal-access-tokens/${pat.id}`, { token: fresh.accessToken })
    expect(view.body.data).toMatchObject({ status: 'active', revocationReason: null, exposure: { url: FOUND_AT } })
    const audit = await exposures(fresh.accessToken)
    expect(audit.body.items).toHaveLength(1)
    expect(audit.body.items[0].details).toMatchObject({ url: FOUND_AT, leakAction: 'notified' })
    const notice = await mail.waitFor((m) => m.to === fresh.email && m.subject.includes('exposed'))
    expect(notice.text).toContain('still works')
  })
})
