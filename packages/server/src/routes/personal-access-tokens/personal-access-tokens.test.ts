import { randomBytes } from 'node:crypto'
import { generateToken, parseToken, TOKEN_KINDS } from '@brandwave/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPat, loginAdmin, signUp, withBrokenChecksum, type TestUser } from '@brandwave/testing/actors'
import { testDatabaseKinds } from '@brandwave/testing/databases'
import { storageLookups } from '@brandwave/testing/metrics'
import { startTestServer, type TestServer } from '@brandwave/testing/server'

const PATH = '/v1/personal-access-tokens'

describe.each(testDatabaseKinds)('personal access tokens (%s)', (kind) => {
  let server: TestServer
  let admin: TestUser

  beforeAll(async () => {
    server = await startTestServer(kind)
    admin = await loginAdmin(server)
  })
  afterAll(() => server?.close())

  describe('POST /v1/personal-access-tokens', () => {
    it('201: returns the secret once, in the documented format, and the record without it', async () => {
      const response = await server.request('POST', PATH, { token: admin.accessToken, body: { name: 'My Campaign', currentPassword: admin.password } })
      expect(response.status).toBe(201)
      const { data } = response.body
      expect(data.token).toMatch(/^bw_live_[0-9A-Za-z]{36}$/)
      expect(parseToken(data.token, 'bw', TOKEN_KINDS).ok).toBe(true)
      expect(data).toMatchObject({
        name: 'My Campaign',
        type: 'personal_access_token',
        environment: 'live',
        start: data.token.slice(0, 12),
        last4: data.token.slice(-4),
        scopes: null,
        allowedIps: null,
        rateLimit: null,
        createdBy: { type: 'user', id: admin.userId, name: 'Administrator' },
        expiresAt: null,
        revokedAt: null,
        status: 'active',
      })
      expect(response.body.meta.request_id).toMatch(/^req_/)

      const fetched = await server.request('GET', `${PATH}/${data.id}`, { token: admin.accessToken })
      expect(fetched.status).toBe(200)
      expect(fetched.body.data.token).toBeUndefined()
      expect(fetched.text).not.toContain(data.token)
    })

    it('201: a test-environment token with expiry, scopes, allowlist and limit', async () => {
      const expiresAt = new Date(server.clock.now() + 86_400_000).toISOString()
      const data = await createPat(server, admin, {
        environment: 'test',
        expiresAt,
        scopes: ['personal_access_tokens:read'],
        allowedIps: ['10.1.2.3/8', '2001:DB8::/32', '127.0.0.1'],
        rateLimit: { requestsPerMinute: 30 },
      })
      expect(data.token).toMatch(/^bw_test_/)
      expect(data).toMatchObject({
        environment: 'test',
        expiresAt,
        scopes: ['personal_access_tokens:read'],
        allowedIps: ['10.0.0.0/8', '2001:db8::/32', '127.0.0.1/32'],
        rateLimit: { requestsPerMinute: 30 },
      })
    })

    it('400: expiry in the past, unknown scope, bad IP, unknown field, missing name, blank name', async () => {
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ name: 'x', expiresAt: new Date(server.clock.now() - 1000).toISOString() }, '/expiresAt'],
        [{ name: 'x', expiresAt: 'tomorrow' }, '/expiresAt'],
        [{ name: 'x', scopes: ['contacts:read'] }, '/scopes/0'],
        [{ name: 'x', scopes: ['not a scope'] }, '/scopes/0'],
        [{ name: 'x', allowedIps: ['10.0.0.0/8', '300.1.1.1'] }, '/allowedIps/1'],
        [{ name: 'x', colour: 'blue' }, '/colour'],
        [{}, '/name'],
        [{ name: '   ' }, '/name'],
        [{ name: 'tab\there' }, '/name'],
        [{ name: 'x', rateLimit: { requestsPerMinute: 0 } }, '/rateLimit'],
      ]
      for (const [body, field] of cases) {
        const response = await server.request('POST', PATH, { token: admin.accessToken, body: { currentPassword: admin.password, ...body } })
        expect(response.status, JSON.stringify(body)).toBe(400)
        expect(response.body.error.code).toBe('validation_failed')
        expect(response.body.error.details[0].field.startsWith(field), `${JSON.stringify(body)} → ${response.text}`).toBe(true)
      }
    })

    it('403: a scoped token cannot mint a token with a scope it lacks, and passes on its own scopes when none are asked', async () => {
      const narrow = await createPat(server, admin, { scopes: ['personal_access_tokens:write', 'personal_access_tokens:read'] })
      const wider = await server.request('POST', PATH, { token: narrow.token, body: { name: 'wider', scopes: ['api_keys:read'] } })
      expect(wider.status).toBe(403)
      expect(wider.body.error.code).toBe('forbidden')

      const inherited = await createPat(server, narrow.token)
      expect([...inherited.scopes].sort()).toEqual(['personal_access_tokens:read', 'personal_access_tokens:write'])
    })

    it('403 insufficient_scope: a token without personal_access_tokens:write cannot create', async () => {
      const readOnly = await createPat(server, admin, { scopes: ['personal_access_tokens:read'] })
      const response = await server.request('POST', PATH, { token: readOnly.token, body: { name: 'nope' } })
      expect(response.status).toBe(403)
      expect(response.body.error.code).toBe('insufficient_scope')
    })

    it('401: without a credential', async () => {
      const response = await server.request('POST', PATH, { body: { name: 'x' } })
      expect(response.status).toBe(401)
      expect(response.body.error.code).toBe('unauthorized')
    })
  })

  describe('GET /v1/personal-access-tokens', () => {
    it('200: lists only the caller’s tokens, newest first, paginated with facets', async () => {
      const user = await signUp(server, 'Lister')
      const created = []
      for (let i = 0; i < 5; i++) created.push(await createPat(server, user, { name: `token ${i}`, environment: i % 2 === 0 ? 'live' : 'test' }))
      await server.request('DELETE', `${PATH}/${created[0].id}`, { token: user.accessToken })

      const first = await server.request('GET', `${PATH}?limit=2`, { token: user.accessToken })
      expect(first.status).toBe(200)
      expect(first.body.items.map((t: { name: string }) => t.name)).toEqual(['token 4', 'token 3'])
      expect(first.body.totalCount).toBe(5)
      expect(first.body.facets).toEqual({ status: { active: 4, disabled: 0, expired: 0, revoked: 1 }, environment: { live: 3, test: 2 } })
      expect(first.body.nextCursor).toEqual(expect.any(String))

      const names: string[] = []
      let cursor: string | null = null
      do {
        const page: any = await server.request('GET', `${PATH}?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: user.accessToken })
        names.push(...page.body.items.map((t: { name: string }) => t.name))
        cursor = page.body.nextCursor
      } while (cursor !== null)
      expect(names).toEqual(['token 4', 'token 3', 'token 2', 'token 1', 'token 0'])
      for (const t of first.body.items) expect(t.token).toBeUndefined()
    })

    it('200: filters by status, environment and search; facets count the filtered set', async () => {
      const user = await signUp(server, 'Filterer')
      await createPat(server, user, { name: 'CI deploy', environment: 'test' })
      await createPat(server, user, { name: 'ci nightly' })
      await createPat(server, user, { name: '100% sure_thing' })
      await createPat(server, user, { name: '100 % surexthing' })
      const soon = await createPat(server, user, { name: 'short-lived', expiresAt: new Date(server.clock.now() + 60_000).toISOString() })
      server.clock.advance(61_000)
      try {
        const expired = await server.request('GET', `${PATH}?status=expired`, { token: user.accessToken })
        expect(expired.body.items.map((t: { id: string }) => t.id)).toEqual([soon.id])
        expect(expired.body.items[0].status).toBe('expired')
        expect(expired.body.facets.status).toEqual({ active: 0, disabled: 0, expired: 1, revoked: 0 })

        // A space never occurs in a token's displayed start, which search also matches.
        const search = await server.request('GET', `${PATH}?search=${encodeURIComponent('CI ')}`, { token: user.accessToken })
        expect(search.body.items.map((t: { name: string }) => t.name).sort()).toEqual(['CI deploy', 'ci nightly'])
        expect(search.body.totalCount).toBe(2)
        expect(search.body.facets.environment).toEqual({ live: 1, test: 1 })

        // LIKE metacharacters are literal.
        const percent = await server.request('GET', `${PATH}?search=${encodeURIComponent('0% s')}`, { token: user.accessToken })
        expect(percent.body.items.map((t: { name: string }) => t.name)).toEqual(['100% sure_thing'])
        const underscore = await server.request('GET', `${PATH}?search=ure_th`, { token: user.accessToken })
        expect(underscore.body.items.map((t: { name: string }) => t.name)).toEqual(['100% sure_thing'])

        const test = await server.request('GET', `${PATH}?environment=test&status=active`, { token: user.accessToken })
        expect(test.body.items.map((t: { name: string }) => t.name)).toEqual(['CI deploy'])
      } finally {
        server.clock.advance(-61_000)
      }
    })

    it('search folds case beyond ASCII, alike on every database', async () => {
      const user = await signUp(server, 'Unicode')
      await createPat(server, user, { name: 'Ünïcødé Straße' })
      for (const search of ['ünï', 'ÜNÏ', 'straße']) {
        const response = await server.request('GET', `${PATH}?search=${encodeURIComponent(search)}`, { token: user.accessToken })
        expect(response.body.totalCount, search).toBe(1)
      }
    })

    it('400: bad limit, bad status, forged cursor, control characters in a search', async () => {
      for (const query of ['limit=0', 'limit=101', 'limit=abc', 'status=gone', 'cursor=nonsense', 'unknown=1', 'search=a%00b', 'search=%1B[31m']) {
        const response = await server.request('GET', `${PATH}?${query}`, { token: admin.accessToken })
        expect(response.status, query).toBe(400)
        expect(response.body.error.code).toBe('validation_failed')
      }
    })
  })

  describe('GET /v1/personal-access-tokens/:id', () => {
    it('404: an id that does not exist, a malformed id, and another user’s token alike', async () => {
      const other = await signUp(server, 'Other')
      const theirs = await createPat(server, other)
      for (const id of ['01936f0e-8a5e-7cc2-9d2b-3f4e5a6b7c8d', 'not-a-uuid', theirs.id, "1' or '1'='1"]) {
        const response = await server.request('GET', `${PATH}/${encodeURIComponent(id)}`, { token: admin.accessToken })
        expect(response.status, id).toBe(404)
        expect(response.body.error.code).toBe('not_found')
      }
    })
  })

  describe('PATCH /v1/personal-access-tokens/:id', () => {
    it('200: renames and changes the allowlist and limit; the token keeps working', async () => {
      const pat = await createPat(server, admin, { name: 'before' })
      const response = await server.request('PATCH', `${PATH}/${pat.id}`, {
        token: admin.accessToken,
        body: { name: 'after', allowedIps: ['127.0.0.1'], rateLimit: { requestsPerMinute: 100 } },
      })
      expect(response.status).toBe(200)
      expect(response.body.data).toMatchObject({ name: 'after', allowedIps: ['127.0.0.1/32'], rateLimit: { requestsPerMinute: 100 } })
      expect((await server.request('GET', '/v1/me', { token: pat.token })).body.data.keyName).toBe('after')

      const cleared = await server.request('PATCH', `${PATH}/${pat.id}`, { token: admin.accessToken, body: { allowedIps: null, rateLimit: null } })
      expect(cleared.body.data).toMatchObject({ name: 'after', allowedIps: null, rateLimit: null })
    })

    it('401 from outside the allowlist, on the very next request after narrowing it', async () => {
      const pat = await createPat(server, admin)
      expect((await server.request('GET', '/v1/me', { token: pat.token })).status).toBe(200)
      await server.request('PATCH', `${PATH}/${pat.id}`, { token: admin.accessToken, body: { allowedIps: ['203.0.113.0/24'] } })
      const refused = await server.request('GET', '/v1/me', { token: pat.token })
      expect(refused.status).toBe(401)
      expect(refused.body.error.code).toBe('unauthorized')
    })

    it('400: empty body or read-only fields; 409: a revoked token', async () => {
      const pat = await createPat(server, admin)
      expect((await server.request('PATCH', `${PATH}/${pat.id}`, { token: admin.accessToken, body: {} })).status).toBe(400)
      expect((await server.request('PATCH', `${PATH}/${pat.id}`, { token: admin.accessToken, body: { scopes: ['api_keys:read'] } })).status).toBe(400)
      await server.request('DELETE', `${PATH}/${pat.id}`, { token: admin.accessToken })
      const response = await server.request('PATCH', `${PATH}/${pat.id}`, { token: admin.accessToken, body: { name: 'zombie' } })
      expect(response.status).toBe(409)
      expect(response.body.error.code).toBe('conflict')
    })
  })

  describe('DELETE /v1/personal-access-tokens/:id', () => {
    it('200: revokes at once; the next request with the token is 401; repeating returns the revoked record', async () => {
      const pat = await createPat(server, admin)
      expect((await server.request('GET', '/v1/me', { token: pat.token })).status).toBe(200)

      const revoked = await server.request('DELETE', `${PATH}/${pat.id}`, { token: admin.accessToken })
      expect(revoked.status).toBe(200)
      expect(revoked.body.data).toMatchObject({ id: pat.id, status: 'revoked', revokedAt: expect.any(String) })

      const after = await server.request('GET', '/v1/me', { token: pat.token })
      expect(after.status).toBe(401)
      expect(after.body.error.code).toBe('unauthorized')

      const again = await server.request('DELETE', `${PATH}/${pat.id}`, { token: admin.accessToken })
      expect(again.status).toBe(200)
      expect(again.body.data.revokedAt).toBe(revoked.body.data.revokedAt)
    })

    it('a token can revoke itself', async () => {
      const pat = await createPat(server, admin)
      expect((await server.request('DELETE', `${PATH}/${pat.id}`, { token: pat.token })).status).toBe(200)
      expect((await server.request('GET', '/v1/me', { token: pat.token })).status).toBe(401)
    })
  })

  describe('POST /v1/personal-access-tokens/:id/rotate', () => {
    it('201: a new token with the same settings; without grace the old one dies at once; a second rotate is 409', async () => {
      const old = await createPat(server, admin, {
        name: 'rotating',
        environment: 'test',
        scopes: ['personal_access_tokens:read'],
        allowedIps: ['127.0.0.0/8'],
        rateLimit: { requestsPerMinute: 50 },
        expiresAt: new Date(server.clock.now() + 7 * 86_400_000).toISOString(),
      })
      const response = await server.request('POST', `${PATH}/${old.id}/rotate`, { token: admin.accessToken, body: { currentPassword: admin.password } })
      expect(response.status).toBe(201)
      const fresh = response.body.data
      expect(fresh.id).not.toBe(old.id)
      expect(fresh.token).toMatch(/^bw_test_/)
      expect(fresh.token).not.toBe(old.token)
      for (const field of ['name', 'environment', 'scopes', 'allowedIps', 'rateLimit', 'expiresAt']) expect(fresh[field], field).toEqual(old[field])

      expect((await server.request('GET', '/v1/me', { token: old.token })).status).toBe(401)
      expect((await server.request('GET', '/v1/me', { token: fresh.token })).status).toBe(200)
      const oldRecord = await server.request('GET', `${PATH}/${old.id}`, { token: admin.accessToken })
      expect(oldRecord.body.data).toMatchObject({ status: 'revoked', rotatedToId: fresh.id })

      const second = await server.request('POST', `${PATH}/${old.id}/rotate`, { token: admin.accessToken, body: { currentPassword: admin.password } })
      expect(second.status).toBe(409)
      expect(second.body.error.code).toBe('conflict')
    })

    it('201 with a grace period: the old token works until the period ends, never past its own expiry', async () => {
      const old = await createPat(server, admin)
      const response = await server.request('POST', `${PATH}/${old.id}/rotate`, { token: admin.accessToken, body: { currentPassword: admin.password, gracePeriodSeconds: 3600 } })
      expect(response.status).toBe(201)
      expect((await server.request('GET', '/v1/me', { token: old.token })).status).toBe(200)
      const oldRecord = await server.request('GET', `${PATH}/${old.id}`, { token: admin.accessToken })
      expect(Date.parse(oldRecord.body.data.expiresAt)).toBe(server.clock.now() + 3_600_000)
      expect(oldRecord.body.data.status).toBe('active')

      server.clock.advance(3_600_000)
      try {
        expect((await server.request('GET', '/v1/me', { token: old.token })).status).toBe(401)
        expect((await server.request('GET', '/v1/me', { token: response.body.data.token })).status).toBe(200)
      } finally {
        server.clock.advance(-3_600_000)
      }

      const expiringSoon = await createPat(server, admin, { expiresAt: new Date(server.clock.now() + 60_000).toISOString() })
      const rotated = await server.request('POST', `${PATH}/${expiringSoon.id}/rotate`, { token: admin.accessToken, body: { currentPassword: admin.password, gracePeriodSeconds: 86_400 } })
      const record = await server.request('GET', `${PATH}/${expiringSoon.id}`, { token: admin.accessToken })
      expect(record.body.data.expiresAt).toBe(expiringSoon.expiresAt)
      expect(rotated.body.data.expiresAt).toBe(expiringSoon.expiresAt)
    })

    it('a token that rotated itself and lost the response gets it replayed on the retry; another request with it is reuse', async () => {
      const pat = await createPat(server, admin, { scopes: ['personal_access_tokens:read', 'personal_access_tokens:workflow'] })
      const rotate = (body: object) => server.request('POST', `${PATH}/${pat.id}/rotate`, { token: pat.token, body, headers: { 'idempotency-key': 'self-rotation' } })
      const first = await rotate({})
      expect(first.status).toBe(201)
      const retried = await rotate({})
      expect(retried.status).toBe(201)
      expect(retried.headers.get('idempotent-replayed')).toBe('true')
      expect(retried.body.data.token).toBe(first.body.data.token)
      expect((await server.request('GET', '/v1/me', { token: first.body.data.token })).status).toBe(200)

      expect((await rotate({ gracePeriodSeconds: 60 })).status).toBe(401)
      expect((await server.request('GET', '/v1/me', { token: first.body.data.token })).status).toBe(401)
      expect((await server.request('GET', `${PATH}/${first.body.data.id}`, { token: admin.accessToken })).body.data).toMatchObject({ status: 'revoked', revocationReason: 'reuse_detected' })
    })

    it('201 with a new expiry; 400 for a grace period out of range; 409 for revoked or expired tokens', async () => {
      const pat = await createPat(server, admin)
      const expiresAt = new Date(server.clock.now() + 30 * 86_400_000).toISOString()
      const rotated = await server.request('POST', `${PATH}/${pat.id}/rotate`, { token: admin.accessToken, body: { currentPassword: admin.password, expiresAt } })
      expect(rotated.body.data.expiresAt).toBe(expiresAt)

      const other = await createPat(server, admin)
      for (const gracePeriodSeconds of [-1, 604_801, 1.5, '60']) {
        const response = await server.request('POST', `${PATH}/${other.id}/rotate`, { token: admin.accessToken, body: { currentPassword: admin.password, gracePeriodSeconds } })
        expect(response.status, String(gracePeriodSeconds)).toBe(400)
      }
      await server.request('DELETE', `${PATH}/${other.id}`, { token: admin.accessToken })
      expect((await server.request('POST', `${PATH}/${other.id}/rotate`, { token: admin.accessToken, body: { currentPassword: admin.password } })).status).toBe(409)

      const shortLived = await createPat(server, admin, { expiresAt: new Date(server.clock.now() + 1000).toISOString() })
      server.clock.advance(1000)
      try {
        expect((await server.request('POST', `${PATH}/${shortLived.id}/rotate`, { token: admin.accessToken, body: { currentPassword: admin.password } })).status).toBe(409)
      } finally {
        server.clock.advance(-1000)
      }
    })

    it('403: a narrow token cannot rotate a wider one and take its powers', async () => {
      const wide = await createPat(server, admin)
      const narrow = await createPat(server, admin, { scopes: ['personal_access_tokens:workflow'] })
      const response = await server.request('POST', `${PATH}/${wide.id}/rotate`, { token: narrow.token })
      expect(response.status).toBe(403)
      expect((await server.request('GET', '/v1/me', { token: wide.token })).status).toBe(200)
    })

    it('exactly one of several concurrent rotations wins', async () => {
      const pat = await createPat(server, admin)
      const results = await Promise.all(Array.from({ length: 5 }, () => server.request('POST', `${PATH}/${pat.id}/rotate`, { token: admin.accessToken, body: { currentPassword: admin.password } })))
      expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409])
    })
  })

  describe('a token gives no credential more reach than it has itself', () => {
    it('403 for a later expiry, a wider allowlist or a higher limit; omitted limits are inherited', async () => {
      const tomorrow = new Date(server.clock.now() + 86_400_000).toISOString()
      const bounded = await createPat(server, admin, {
        scopes: ['personal_access_tokens:read', 'personal_access_tokens:write', 'personal_access_tokens:workflow'],
        allowedIps: ['127.0.0.1'],
        expiresAt: tomorrow,
        rateLimit: { requestsPerMinute: 50 },
      })
      const inherited = await createPat(server, bounded.token, { name: 'child' })
      expect(inherited).toMatchObject({ allowedIps: ['127.0.0.1/32'], expiresAt: tomorrow, rateLimit: { requestsPerMinute: 50 } })

      const attempts: Array<[Record<string, unknown>, string]> = [
        [{ expiresAt: null }, '/expiresAt'],
        [{ expiresAt: new Date(server.clock.now() + 2 * 86_400_000).toISOString() }, '/expiresAt'],
        [{ allowedIps: null }, '/allowedIps'],
        [{ allowedIps: ['127.0.0.0/8'] }, '/allowedIps'],
        [{ rateLimit: null }, '/rateLimit'],
        [{ rateLimit: { requestsPerMinute: 51 } }, '/rateLimit'],
      ]
      for (const [body, field] of attempts) {
        const response = await server.request('POST', PATH, { token: bounded.token, body: { name: 'escape', ...body } })
        expect(response.status, JSON.stringify(body)).toBe(403)
        expect(response.body.error.details.map((d: { field: string }) => d.field)).toContain(field)
      }
      const narrower = await createPat(server, bounded.token, { rateLimit: { requestsPerMinute: 10 }, expiresAt: new Date(server.clock.now() + 3_600_000).toISOString() })
      expect(narrower.rateLimit).toEqual({ requestsPerMinute: 10 })

      // Nor can it loosen itself, or extend its own life by rotating.
      expect((await server.request('PATCH', `${PATH}/${bounded.id}`, { token: bounded.token, body: { allowedIps: null } })).status).toBe(403)
      expect((await server.request('PATCH', `${PATH}/${bounded.id}`, { token: bounded.token, body: { rateLimit: { requestsPerMinute: 1_000_000 } } })).status).toBe(403)
      expect((await server.request('PATCH', `${PATH}/${bounded.id}`, { token: bounded.token, body: { name: 'renamed' } })).status).toBe(200)
      expect((await server.request('POST', `${PATH}/${bounded.id}/rotate`, { token: bounded.token, body: { expiresAt: null } })).status).toBe(403)
      const selfRotated = await server.request('POST', `${PATH}/${bounded.id}/rotate`, { token: bounded.token })
      expect(selfRotated.status).toBe(201)
      expect(selfRotated.body.data).toMatchObject({ expiresAt: tomorrow, allowedIps: ['127.0.0.1/32'] })
    })

    it('403: a restricted token cannot rotate an unrestricted one to get its secret', async () => {
      const open = await createPat(server, admin)
      const restricted = await createPat(server, admin, { allowedIps: ['127.0.0.1'] })
      expect((await server.request('POST', `${PATH}/${open.id}/rotate`, { token: restricted.token })).status).toBe(403)
    })
  })

  describe('expiry and isolation', () => {
    it('401 from the instant a token expires', async () => {
      const pat = await createPat(server, admin, { expiresAt: new Date(server.clock.now() + 10_000).toISOString() })
      expect((await server.request('GET', '/v1/me', { token: pat.token })).status).toBe(200)
      server.clock.advance(10_000)
      try {
        const response = await server.request('GET', '/v1/me', { token: pat.token })
        expect(response.status).toBe(401)
        expect(response.body.error.details[0].reason).toBe('EXPIRED')
      } finally {
        server.clock.advance(-10_000)
      }
    })

    it('404: another user can neither see, get, change, revoke nor rotate my token', async () => {
      const mine = await createPat(server, admin)
      const intruder = await signUp(server, 'Mallory')
      const intruderPat = await createPat(server, intruder)
      for (const bearer of [intruder.accessToken, intruderPat.token]) {
        const list = await server.request('GET', PATH, { token: bearer })
        expect(list.body.items.map((t: { id: string }) => t.id)).not.toContain(mine.id)
        expect((await server.request('GET', `${PATH}/${mine.id}`, { token: bearer })).status).toBe(404)
        expect((await server.request('PATCH', `${PATH}/${mine.id}`, { token: bearer, body: { name: 'pwned' } })).status).toBe(404)
        expect((await server.request('DELETE', `${PATH}/${mine.id}`, { token: bearer })).status).toBe(404)
        expect((await server.request('POST', `${PATH}/${mine.id}/rotate`, { token: bearer })).status).toBe(404)
      }
      const still = await server.request('GET', `${PATH}/${mine.id}`, { token: admin.accessToken })
      expect(still.body.data).toMatchObject({ name: 'test token', status: 'active' })
    })

    it('401: forged tokens, tokens of another prefix, and well-formed unknown tokens; none of the malformed ones reaches storage', async () => {
      const pat = await createPat(server, admin)
      const before = await storageLookups(server)
      const malformed = [
        withBrokenChecksum(pat.token),
        pat.token.replace('bw_', 'xx_'),
        `${pat.token}0`,
        'bw_live_',
        'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
      ]
      for (const token of malformed) {
        const response = await server.request('GET', '/v1/me', { token })
        expect(response.status, token).toBe(401)
        expect(response.text).not.toContain(token)
      }
      expect(await storageLookups(server)).toBe(before)

      const unknown = generateToken('bw', 'live', randomBytes)
      expect((await server.request('GET', '/v1/me', { token: unknown })).status).toBe(401)
    })
  })
})
