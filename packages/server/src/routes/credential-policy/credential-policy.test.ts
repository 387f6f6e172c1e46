import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiKey, createPat, joinOrganization, signUp, type TestUser } from '@brandwave/testing/actors'
import { testDatabaseKinds } from '@brandwave/testing/databases'
import { startTestServer, type TestServer } from '@brandwave/testing/server'

const PATH = '/v1/organization/credential-policy'
const DAY_S = 86_400
const STRICT = { maxLifetimeSeconds: 7 * DAY_S, expiryRequired: true, allowedEnvironments: ['live'], liveRequiresAllowedIps: true }

describe.each(testDatabaseKinds)('the organization’s credential policy (%s)', (kind) => {
  let server: TestServer

  beforeAll(async () => {
    server = await startTestServer(kind, { env: { BRANDWAVE_RESOURCES: 'contacts' } })
  })
  afterAll(() => server?.close())

  const put = (admin: TestUser, body: unknown) => server.request('PUT', PATH, { token: admin.accessToken, body })
  const inDays = (days: number) => new Date(server.clock.now() + days * DAY_S * 1000).toISOString()
  const reasonsOf = (response: { body: any }) => response.body.error.details.map((d: { reason: string }) => d.reason)

  it('200: no rules until an admin sets them; the policy is replaced whole, audited, and read back', async () => {
    const admin = await signUp(server, 'Owner')
    const initial = await server.request('GET', PATH, { token: admin.accessToken })
    expect(initial.status, initial.text).toBe(200)
    expect(initial.body.data).toEqual({ maxLifetimeSeconds: null, expiryRequired: false, allowedEnvironments: ['live', 'test'], liveRequiresAllowedIps: false, updatedAt: null, updatedBy: null })

    const set = await put(admin, STRICT)
    expect(set.status, set.text).toBe(200)
    expect(set.body.data).toMatchObject({ ...STRICT, updatedAt: expect.any(String), updatedBy: { type: 'user', id: admin.userId } })
    expect((await server.request('GET', PATH, { token: admin.accessToken })).body.data).toEqual(set.body.data)

    const audit = await server.request('GET', '/v1/audit-logs?action=organization.credential_policy_updated', { token: admin.accessToken })
    expect(audit.status, audit.text).toBe(200)
    expect(audit.body.items[0]).toMatchObject({
      action: 'organization.credential_policy_updated',
      actor: { type: 'user', id: admin.userId },
      target: { type: 'organization', id: admin.organizationId },
      details: { previous: { expiryRequired: false }, policy: STRICT },
    })
  })

  it('400: a policy that contradicts itself or is out of range says what is right, and changes nothing', async () => {
    const admin = await signUp(server, 'Careful')
    await put(admin, { ...STRICT, liveRequiresAllowedIps: false })
    const cases: Array<[unknown, string, string | undefined]> = [
      [{ ...STRICT, expiryRequired: false }, '/expiryRequired', 'POLICY_CONTRADICTION'],
      [{ ...STRICT, allowedEnvironments: [] }, '/allowedEnvironments', 'POLICY_CONTRADICTION'],
      [{ ...STRICT, maxLifetimeSeconds: -5 }, '/maxLifetimeSeconds', 'OUT_OF_RANGE'],
      [{ ...STRICT, maxLifetimeSeconds: 0 }, '/maxLifetimeSeconds', 'OUT_OF_RANGE'],
      [{ ...STRICT, maxLifetimeSeconds: 400 * 365 * DAY_S }, '/maxLifetimeSeconds', 'OUT_OF_RANGE'],
      [{ ...STRICT, allowedEnvironments: ['prod'] }, '/allowedEnvironments', undefined],
      [{ ...STRICT, allowedEnvironments: ['live', 'live'] }, '/allowedEnvironments', undefined],
      [{ maxLifetimeSeconds: null }, '', undefined],
      [{ ...STRICT, colour: 'blue' }, '', undefined],
    ]
    for (const [body, field, reason] of cases) {
      const response = await put(admin, body)
      expect(response.status, `${JSON.stringify(body)}: ${response.text}`).toBe(400)
      expect(response.body.error.code).toBe('validation_failed')
      expect(response.body.error.details.length).toBeGreaterThan(0)
      if (reason !== undefined) expect(response.body.error.details).toContainEqual(expect.objectContaining({ field, reason }))
    }
    expect((await server.request('GET', PATH, { token: admin.accessToken })).body.data).toMatchObject({ ...STRICT, liveRequiresAllowedIps: false })
  })

  it('403 for members (and their tokens); another organization’s admin reads and sets only their own', async () => {
    const admin = await signUp(server, 'Lead')
    await put(admin, STRICT)
    const member = await joinOrganization(server, admin, 'member')
    for (const [method, body] of [['GET', undefined], ['PUT', { ...STRICT, expiryRequired: true, maxLifetimeSeconds: null }]] as const) {
      const response = await server.request(method, PATH, { token: member.accessToken, ...(body !== undefined && { body }) })
      expect(response.status, method).toBe(403)
      expect(response.body.error.code).toBe('forbidden')
    }
    // The member's own token meets the policy too.
    const pat = await createPat(server, member, { expiresAt: inDays(1), allowedIps: ['127.0.0.1'] })
    expect((await server.request('GET', PATH, { token: pat.token })).body.error.code).toBe('insufficient_scope')

    const rival = await signUp(server, 'Rival')
    expect((await server.request('GET', PATH, { token: rival.accessToken })).body.data.updatedAt).toBeNull()
    expect((await put(rival, { maxLifetimeSeconds: null, expiryRequired: false, allowedEnvironments: ['test'], liveRequiresAllowedIps: false })).status).toBe(200)
    expect((await server.request('GET', PATH, { token: admin.accessToken })).body.data).toMatchObject(STRICT)
    // An admin's key with the organization scopes may read it; one without may not.
    const reader = await createApiKey(server, admin.accessToken, { scopes: ['organization:read'], allowedIps: ['127.0.0.1'], expiresAt: inDays(1) })
    expect((await server.request('GET', PATH, { token: reader.token })).body.data).toMatchObject(STRICT)
    expect((await server.request('PUT', PATH, { token: reader.token, body: STRICT })).body.error.code).toBe('insufficient_scope')
  })

  it('422: create that breaks a rule is refused naming each rule, for API keys and personal access tokens; nothing is created', async () => {
    const admin = await signUp(server, 'Strict')
    await put(admin, STRICT)
    const attempts: Array<[Record<string, unknown>, string[]]> = [
      [{}, ['POLICY_EXPIRY_REQUIRED', 'POLICY_MAX_LIFETIME', 'POLICY_LIVE_ALLOWED_IPS']],
      [{ expiresAt: inDays(30), allowedIps: ['127.0.0.1'] }, ['POLICY_MAX_LIFETIME']],
      [{ expiresAt: inDays(1), allowedIps: ['127.0.0.1'], environment: 'test' }, ['POLICY_ENVIRONMENT']],
      [{ expiresAt: inDays(1) }, ['POLICY_LIVE_ALLOWED_IPS']],
    ]
    for (const [body, reasons] of attempts) {
      const key = await server.request('POST', '/v1/api-keys', { token: admin.accessToken, body: { name: 'k', scopes: ['contacts:read'], ...body } })
      expect(key.status, `${JSON.stringify(body)}: ${key.text}`).toBe(422)
      expect(key.body.error.code).toBe('policy_violation')
      expect(reasonsOf(key)).toEqual(reasons)
      const pat = await server.request('POST', '/v1/personal-access-tokens', { token: admin.accessToken, body: { name: 'p', scopes: ['contacts:read'], ...body } })
      expect(pat.status, pat.text).toBe(422)
      expect(reasonsOf(pat)).toEqual(reasons)
    }
    expect((await server.request('GET', '/v1/api-keys', { token: admin.accessToken })).body.totalCount).toBe(0)
    expect((await server.request('GET', '/v1/personal-access-tokens', { token: admin.accessToken })).body.totalCount).toBe(0)

    const within = await createApiKey(server, admin.accessToken, { scopes: ['contacts:read'], expiresAt: inDays(7), allowedIps: ['127.0.0.1'] })
    expect((await server.request('GET', `/v1/api-keys/${within.id}`, { token: admin.accessToken })).body.data.policyViolations).toEqual([])
  })

  it('existing credentials are listed as out of policy and keep working; update and rotate that break a rule get 422', async () => {
    const admin = await signUp(server, 'Legacy')
    const old = await createApiKey(server, admin.accessToken, { scopes: ['contacts:read'] })
    const fenced = await createApiKey(server, admin.accessToken, { scopes: ['contacts:read'], allowedIps: ['127.0.0.1'] })
    await put(admin, STRICT)

    const list = await server.request('GET', '/v1/api-keys', { token: admin.accessToken })
    const byId = Object.fromEntries(list.body.items.map((k: { id: string; policyViolations: string[] }) => [k.id, k.policyViolations]))
    expect(byId[old.id]).toEqual(['POLICY_EXPIRY_REQUIRED', 'POLICY_MAX_LIFETIME', 'POLICY_LIVE_ALLOWED_IPS'])
    expect(byId[fenced.id]).toEqual(['POLICY_EXPIRY_REQUIRED', 'POLICY_MAX_LIFETIME'])
    expect((await server.request('GET', `/v1/api-keys/${old.id}`, { token: admin.accessToken })).body.data).toMatchObject({ status: 'active', expiresAt: null })
    expect((await server.request('GET', '/v1/me', { token: old.token })).status).toBe(200)

    // A rename changes nothing the policy judges; lifting an allowlist from a live key does.
    expect((await server.request('PATCH', `/v1/api-keys/${old.id}`, { token: admin.accessToken, body: { name: 'renamed' } })).status).toBe(200)
    const lifted = await server.request('PATCH', `/v1/api-keys/${fenced.id}`, { token: admin.accessToken, body: { allowedIps: null } })
    expect(lifted.status, lifted.text).toBe(422)
    expect(reasonsOf(lifted)).toEqual(['POLICY_LIVE_ALLOWED_IPS'])
    expect((await server.request('GET', `/v1/api-keys/${fenced.id}`, { token: admin.accessToken })).body.data.allowedIps).toEqual(['127.0.0.1/32'])

    // The successor is judged as new: it needs an expiry within the bound, and the old key's allowlist.
    const noExpiry = await server.request('POST', `/v1/api-keys/${fenced.id}/rotate`, { token: admin.accessToken, body: {} })
    expect(noExpiry.status, noExpiry.text).toBe(422)
    expect(reasonsOf(noExpiry)).toEqual(['POLICY_EXPIRY_REQUIRED', 'POLICY_MAX_LIFETIME'])
    const unfenced = await server.request('POST', `/v1/api-keys/${old.id}/rotate`, { token: admin.accessToken, body: { expiresAt: inDays(3) } })
    expect(reasonsOf(unfenced)).toEqual(['POLICY_LIVE_ALLOWED_IPS'])
    // Refused rotations left both keys as they were.
    expect((await server.request('GET', `/v1/api-keys/${fenced.id}`, { token: admin.accessToken })).body.data).toMatchObject({ status: 'active', rotatedToId: null })
    const rotated = await server.request('POST', `/v1/api-keys/${fenced.id}/rotate`, { token: admin.accessToken, body: { expiresAt: inDays(3) } })
    expect(rotated.status, rotated.text).toBe(201)
    expect(rotated.body.data.policyViolations).toBeUndefined()
    expect((await server.request('GET', `/v1/api-keys/${rotated.body.data.id}`, { token: admin.accessToken })).body.data.policyViolations).toEqual([])
  })
})
