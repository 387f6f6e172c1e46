import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loginAdmin } from '@brandwave/testing/actors'
import { startTestServer, type TestServer } from '@brandwave/testing/server'
import { Brandwave, BrandwaveError, BrandwaveValidationError, type CredentialPolicy, type CredentialUsage } from './index.js'

describe('@brandwave/sdk: usage and the credential policy, against a real server', () => {
  let server: TestServer
  let bw: Brandwave

  beforeAll(async () => {
    server = await startTestServer('sqlite', { env: { BRANDWAVE_RESOURCES: 'contacts' } })
    const admin = await loginAdmin(server)
    const pat = await server.request('POST', '/v1/personal-access-tokens', { token: admin.accessToken, body: { currentPassword: admin.password, name: 'sdk' } })
    bw = new Brandwave({ token: pat.body.data.token, baseUrl: server.url })
  })
  afterAll(() => server?.close())

  it('apiKeys.usage and personalAccessTokens.usage resolve to the counts and addresses', async () => {
    const { data: key } = await bw.apiKeys.create({ name: 'metered', scopes: ['contacts:read'] })
    await new Brandwave({ token: key.token, baseUrl: server.url }).me()
    await server.running.app.usageCounts.flush()
    const { data }: { data: CredentialUsage } = await bw.apiKeys.usage({ id: key.id, granularity: 'hour', from: new Date(server.clock.now() - 3_600_000).toISOString() })
    expect(data).toMatchObject({ credentialId: key.id, granularity: 'hour', totals: { accepted: 1, refused: 0 }, addresses: [{ ip: '127.0.0.1' }] })
    const mine = await bw.personalAccessTokens.list()
    const own = await bw.personalAccessTokens.usage({ id: mine.items[0]!.id })
    expect(own.data.granularity).toBe('day')
    await expect(bw.apiKeys.usage({ id: key.id, granularity: 'hour', from: new Date(0).toISOString() })).rejects.toBeInstanceOf(BrandwaveValidationError)
  })

  it('credentialPolicy.get and set; a credential that breaks it is refused with the rule named', async () => {
    const policy = { maxLifetimeSeconds: 86_400, expiryRequired: true, allowedEnvironments: ['live' as const], liveRequiresAllowedIps: false }
    const { data }: { data: CredentialPolicy } = await bw.credentialPolicy.set(policy)
    expect(data).toMatchObject(policy)
    expect((await bw.credentialPolicy.get()).data).toEqual(data)
    const refused = await bw.apiKeys.create({ name: 'forever', scopes: ['contacts:read'] }).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(BrandwaveError)
    expect(refused).toMatchObject({ status: 422, code: 'policy_violation', details: [{ reason: 'POLICY_EXPIRY_REQUIRED' }, { reason: 'POLICY_MAX_LIFETIME' }] })
  })
})
