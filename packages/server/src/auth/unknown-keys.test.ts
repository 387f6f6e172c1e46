import { randomBytes } from 'node:crypto'
import { generateToken } from '@brandwave/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiKey, loginAdmin, type TestUser } from '@brandwave/testing/actors'
import { testDatabaseKinds } from '@brandwave/testing/databases'
import { storageLookups } from '@brandwave/testing/metrics'
import { startTestServer, type TestServer } from '@brandwave/testing/server'

/*
 * A flood of well-formed keys nobody issued (SPEC §7, docs/architecture.md "Unknown keys"):
 * storage is read at most once per distinct key while the access version stands, the
 * refusal stays NOT_FOUND, and a key issued afterwards works on its first request.
 */
describe.each(testDatabaseKinds)('unknown keys (%s)', (kind) => {
  let server: TestServer
  let admin: TestUser

  beforeAll(async () => {
    server = await startTestServer(kind)
    admin = await loginAdmin(server)
  })
  afterAll(() => server?.close())

  const prefix = () => 'bw'
  const lookups = () => storageLookups(server)
  const present = (token: string, path = '/v1/me') => server.request('GET', path, { token })
  // PostgreSQL without Redis has no access version it could trust: every check reads it (by design).
  const versioned = kind !== 'postgres'

  it('a flood of repeated unknown keys reads storage at most once per distinct key', async () => {
    const keys = Array.from({ length: 25 }, () => generateToken(prefix(), 'live', randomBytes))
    const before = await lookups()
    const rounds = 8
    for (let round = 0; round < rounds; round++) {
      const answers = await Promise.all(keys.map((key, index) => present(key, index % 2 === 0 ? '/v1/me' : '/api/v1/me')))
      for (const answer of answers) {
        expect(answer.status).toBe(401)
        expect(answer.body.error.code).toBe('unauthorized')
        expect(answer.body.error.details[0].reason).toBe('NOT_FOUND')
      }
    }
    const reads = (await lookups()) - before
    if (versioned) {
      expect(reads).toBeGreaterThanOrEqual(1)
      expect(reads).toBeLessThanOrEqual(keys.length)
    } else {
      expect(reads).toBe(keys.length * rounds)
    }
  })

  it('keys/verify answers NOT_FOUND for a known-unknown key without reading storage again', async () => {
    const caller = await createApiKey(server, admin.accessToken, { name: 'verifier', scopes: ['api_keys:workflow'] })
    const unknown = generateToken(prefix(), 'test', randomBytes)
    const verify = () => server.request('POST', '/v1/keys/verify', { token: caller.token, body: { key: unknown } })
    const first = await verify()
    expect(first.status, first.text).toBe(200)
    expect(first.body.data).toMatchObject({ valid: false, code: 'NOT_FOUND', credential: null })
    const before = await lookups()
    for (let i = 0; i < 5; i++) expect((await verify()).body.data.code).toBe('NOT_FOUND')
    if (versioned) expect((await lookups()) - before).toBe(0)
  })

  it('a key issued after a flood works at once, and a change that can deny access makes unknown keys be read again', async () => {
    const flood = Array.from({ length: 10 }, () => generateToken(prefix(), 'live', randomBytes))
    for (const key of flood) expect((await present(key)).status).toBe(401)

    const issued = await createApiKey(server, admin.accessToken, { name: 'issued after the flood', scopes: ['api_keys:read'] })
    expect((await present(issued.token)).status).toBe(200)

    // A revocation moves the access version: what was known to be unknown is read again, once.
    const other = await createApiKey(server, admin.accessToken, { name: 'to revoke' })
    expect((await server.request('DELETE', `/v1/api-keys/${other.id}`, { token: admin.accessToken })).status).toBeLessThan(300)
    const before = await lookups()
    for (const key of flood) expect((await present(key)).status).toBe(401)
    for (const key of flood) expect((await present(key)).status).toBe(401)
    const reads = (await lookups()) - before
    if (versioned) expect(reads).toBe(flood.length)
    else expect(reads).toBe(flood.length * 2)
    expect((await present(issued.token)).status).toBe(200)
  })
})
