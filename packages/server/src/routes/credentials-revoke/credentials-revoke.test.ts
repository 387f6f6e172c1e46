import { randomBytes } from 'node:crypto'
import { generateToken } from '@brandwave/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiKey, createPat, loginAdmin, signUp, withBrokenChecksum, type TestUser } from '@brandwave/testing/actors'
import { testDatabaseKinds } from '@brandwave/testing/databases'
import { storageLookups } from '@brandwave/testing/metrics'
import { startTestServer, type TestServer } from '@brandwave/testing/server'

const REQUESTS_PER_MINUTE = 12

describe.each(testDatabaseKinds)('POST /v1/credentials/revoke (%s)', (kind) => {
  let server: TestServer
  let user: TestUser
  let admin: TestUser

  beforeAll(async () => {
    server = await startTestServer(kind, { env: { BRANDWAVE_REVOKE_REQUESTS_PER_MINUTE: String(REQUESTS_PER_MINUTE) } })
    user = await signUp(server, 'Finder')
    admin = await loginAdmin(server)
  })
  afterAll(async () => {
    await server?.close()
  })

  const revoke = (credentials: unknown) => server.request('POST', '/v1/credentials/revoke', { body: { credentials } })
  const works = async (token: string) => (await server.request('GET', '/v1/me', { token })).status === 200

  it('answers 202 with the same body for a known, an unknown and a malformed token; the known one is revoked as exposed', async () => {
    const pat = await createPat(server, user, { name: 'pasted in a forum' })
    const apiKey = await createApiKey(server, admin.accessToken, { name: 'in a log', scopes: ['members:read'] })
    const answers = [
      await revoke([pat.token]),
      await revoke([generateToken(pat.token.split('_')[0], 'live', randomBytes)]),
      await revoke([withBrokenChecksum(apiKey.token)]),
      await revoke(['hello']),
    ]
    for (const answer of answers) {
      expect(answer.status, answer.text).toBe(202)
      expect(answer.body.data).toEqual(answers[0]!.body.data)
    }
    expect(await works(pat.token)).toBe(false)
    expect(await works(apiKey.token)).toBe(true)
    const view = await server.request('GET', `/v1/personal-access-tokens/${pat.id}`, { token: user.accessToken })
    expect(view.body.data).toMatchObject({ status: 'revoked', revocationReason: 'exposed' })
    const audit = await server.request('GET', '/v1/audit-logs?action=credential.exposed', { token: user.accessToken })
    expect(audit.body.items).toHaveLength(1)
    expect(audit.body.items[0]).toMatchObject({ actor: { type: 'anonymous' }, target: { id: pat.id }, details: { reportedVia: 'revoke_endpoint' } })
    expect(audit.text).not.toContain(pat.token)

    // Reporting it again is harmless: still 202, nothing more recorded.
    expect((await revoke([pat.token, pat.token])).status).toBe(202)
    expect((await server.request('GET', '/v1/audit-logs?action=credential.exposed', { token: user.accessToken })).body.items).toHaveLength(1)
  })

  it('1000 lookalikes cost no storage lookup; more than 1000 is a 400', async () => {
    const real = await createPat(server, user, { name: 'model for lookalikes' })
    const lookalikes = Array.from({ length: 1000 }, (_, i) => (i % 2 === 0 ? withBrokenChecksum(generateToken(real.token.split('_')[0], 'live', randomBytes)) : `${real.token}x${i}`))
    const before = await storageLookups(server)
    const response = await revoke(lookalikes)
    expect(response.status, response.text).toBe(202)
    expect(await storageLookups(server)).toBe(before)
    expect(await works(real.token)).toBe(true)

    const tooMany = await revoke([...lookalikes, 'one more'])
    expect(tooMany.status).toBe(400)
    expect(tooMany.body.error.code).toBe('validation_failed')
    for (const bad of [[], 'a token', [42]]) expect((await revoke(bad)).status, JSON.stringify(bad)).toBe(400)
  })

  it('is throttled per client address (429 with Retry-After)', async () => {
    let refused: Awaited<ReturnType<typeof revoke>> | undefined
    for (let i = 0; i <= REQUESTS_PER_MINUTE && refused === undefined; i++) {
      const response = await revoke(['hello'])
      if (response.status === 429) refused = response
      else expect(response.status).toBe(202)
    }
    expect(refused?.body.error.code).toBe('rate_limited')
    expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThan(0)
  })
})
