import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { login, loginAdmin, type TestUser } from '@brandwave/testing/actors'
import { createPostgresDatabase } from '@brandwave/testing/databases'
import { request } from '@brandwave/testing/http'
import { deleteRedisPrefix, testRedisPrefix } from '@brandwave/testing/redis'
import { built, startInstance, type Instance } from '@brandwave/testing/processes'
import { ADMIN_ENV, TEST_SECRET } from '@brandwave/testing/server'
import { MIGRATION_NAMES } from '../storage/migrations/index.js'

const scaleOut = Boolean(process.env.TEST_DATABASE_URL && process.env.TEST_REDIS_URL)

/**
 * Two Brandwave processes on one PostgreSQL and one Redis: what one instance changes, the
 * other enforces on the very next request (SPEC §7), and limits are counted once.
 */
describe.runIf(scaleOut && built)('several instances on PostgreSQL and Redis', () => {
  let database: Awaited<ReturnType<typeof createPostgresDatabase>>
  let a: Instance
  let b: Instance
  let admin: TestUser

  beforeAll(async () => {
    database = await createPostgresDatabase()
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL: process.env.TEST_REDIS_URL!,
      BRANDWAVE_REDIS_PREFIX: prefix,
      BRANDWAVE_SECRET: TEST_SECRET,
      ...ADMIN_ENV,
      BRANDWAVE_SIGNUP: 'open',
      BRANDWAVE_SIGNUPS_PER_IP: '100000',
    }
    ;[a, b] = await Promise.all([startInstance(env), startInstance(env)])
    admin = await loginAdmin(a.url)
  })
  const prefix = testRedisPrefix('multi')
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()])
    await database?.drop()
    await deleteRedisPrefix(process.env.TEST_REDIS_URL!, prefix)
  })

  const me = (url: string, token: string) => request(url, 'GET', '/v1/me', { token })

  it('a revocation on A is refused on B on the very next request — 50 times, caches warm', async () => {
    for (let i = 0; i < 50; i++) {
      const pat = (await request(a.url, 'POST', '/v1/personal-access-tokens', { token: admin.accessToken, body: { currentPassword: admin.password, name: `strict ${i}` } })).body.data
      for (let warm = 0; warm < 3; warm++) expect((await me(b.url, pat.token)).status).toBe(200)
      expect((await request(a.url, 'DELETE', `/v1/personal-access-tokens/${pat.id}`, { token: admin.accessToken })).status).toBe(200)
      expect((await me(b.url, pat.token)).status, `round ${i}`).toBe(401)
    }
  })

  it('rotation without grace on B: the old token dies on A at once', async () => {
    const pat = (await request(b.url, 'POST', '/v1/personal-access-tokens', { token: admin.accessToken, body: { currentPassword: admin.password, name: 'rotated across' } })).body.data
    expect((await me(a.url, pat.token)).status).toBe(200)
    const rotated = await request(b.url, 'POST', `/v1/personal-access-tokens/${pat.id}/rotate`, { token: admin.accessToken, body: { currentPassword: admin.password } })
    expect((await me(a.url, pat.token)).status).toBe(401)
    expect((await me(a.url, rotated.body.data.token)).status).toBe(200)
  })

  it('logout on A ends the session on B at once', async () => {
    const session = await loginAdmin(b.url)
    expect((await me(b.url, session.accessToken)).status).toBe(200)
    expect((await request(a.url, 'POST', '/v1/auth/logout', { token: session.accessToken })).status).toBe(200)
    expect((await me(b.url, session.accessToken)).status).toBe(401)
  })

  it('removing a member on A kills their session and PATs on B at once; demotion shrinks them', async () => {
    const email = `member-${randomBytes(4).toString('hex')}@example.com`
    const password = 'a long enough passphrase'
    const organizationId = (await me(a.url, admin.accessToken)).body.data.tenantId
    const invited = await request(a.url, 'POST', '/v1/invitations', { token: admin.accessToken, body: { email, role: 'company_admin' } })
    const invitationToken = new URL(invited.body.data.acceptUrl).hash.slice('#token='.length)
    const joined = await request(b.url, 'POST', '/v1/auth/signup', { body: { email, password, name: 'Member', invitationToken } })
    expect(joined.status, joined.text).toBe(201)
    const added = { body: { data: { userId: joined.body.data.user.id } } }
    const session = await login(b.url, email, password, organizationId)
    const pat = (await request(b.url, 'POST', '/v1/personal-access-tokens', { token: session.accessToken, body: { currentPassword: session.password, name: 'member pat' } })).body.data
    expect((await request(b.url, 'GET', '/v1/api-keys', { token: pat.token })).status).toBe(200)

    await request(a.url, 'PATCH', `/v1/members/${added.body.data.userId}`, { token: admin.accessToken, body: { role: 'member' } })
    expect((await request(b.url, 'GET', '/v1/api-keys', { token: pat.token })).status).toBe(403)
    expect((await request(b.url, 'GET', '/v1/api-keys', { token: session.accessToken })).status).toBe(403)

    await request(a.url, 'DELETE', `/v1/members/${added.body.data.userId}`, { token: admin.accessToken })
    expect((await me(b.url, pat.token)).status).toBe(401)
    expect((await me(b.url, session.accessToken)).status).toBe(401)
  })

  it('a key limited to N requests a minute gets N in total across instances', async () => {
    const key = (await request(a.url, 'POST', '/v1/api-keys', { token: admin.accessToken, body: { name: 'shared limit', scopes: ['api_keys:read'], rateLimit: { requestsPerMinute: 20 } } })).body.data
    const statuses: number[] = []
    for (let i = 0; i < 30; i++) statuses.push((await me(i % 2 === 0 ? a.url : b.url, key.token)).status)
    expect(statuses.filter((status) => status === 200)).toHaveLength(20)
    expect(statuses.slice(20).every((status) => status === 429)).toBe(true)
  })
})

describe.runIf(scaleOut && built)('BRANDWAVE_REVOCATION=cached, the documented weaker mode', () => {
  it('the revoking instance refuses at once; another may serve its warm entry until it expires', async () => {
    const database = await createPostgresDatabase()
    const prefix = testRedisPrefix('cached')
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL: process.env.TEST_REDIS_URL!,
      BRANDWAVE_REDIS_PREFIX: prefix,
      BRANDWAVE_SECRET: TEST_SECRET,
      ...ADMIN_ENV,
      BRANDWAVE_REVOCATION: 'cached',
    }
    const [a, b] = await Promise.all([startInstance(env), startInstance(env)])
    try {
      const admin = await loginAdmin(a.url)
      const pat = (await request(a.url, 'POST', '/v1/personal-access-tokens', { token: admin.accessToken, body: { currentPassword: admin.password, name: 'cached' } })).body.data
      expect((await request(a.url, 'GET', '/v1/me', { token: pat.token })).status).toBe(200)
      expect((await request(b.url, 'GET', '/v1/me', { token: pat.token })).status).toBe(200)
      expect((await request(a.url, 'DELETE', `/v1/personal-access-tokens/${pat.id}`, { token: admin.accessToken })).status).toBe(200)
      expect((await request(a.url, 'GET', '/v1/me', { token: pat.token })).status).toBe(401)
      // What strict mode exists to prevent (and the strict suite above proves it does).
      expect((await request(b.url, 'GET', '/v1/me', { token: pat.token })).status).toBe(200)
    } finally {
      await Promise.all([a.stop(), b.stop()])
      await database.drop()
      await deleteRedisPrefix(process.env.TEST_REDIS_URL!, prefix)
    }
  })
})

describe.runIf(Boolean(process.env.TEST_DATABASE_URL) && built)('concurrent first boot', () => {
  it('three instances starting at once on an empty database create one organization and one admin', async () => {
    const database = await createPostgresDatabase()
    const env = { DATABASE_URL: database.url, BRANDWAVE_SECRET: TEST_SECRET, ...ADMIN_ENV }
    const instances = await Promise.all([startInstance(env), startInstance(env), startInstance(env)])
    try {
      const client = new pg.Client({ connectionString: database.url })
      await client.connect()
      const counts = await client.query<{ organizations: string; users: string; migrations: string }>(
        'select (select count(*) from organizations) as organizations, (select count(*) from users) as users, (select count(*) from kysely_migration) as migrations',
      )
      await client.end()
      expect(counts.rows[0]).toEqual({ organizations: '1', users: '1', migrations: String(MIGRATION_NAMES.length) })
      expect(instances.filter((instance) => instance.output().includes('created the first organization'))).toHaveLength(1)
    } finally {
      await Promise.all(instances.map((instance) => instance.stop()))
      await database.drop()
    }
  })
})

describe.runIf(built)('workers on one machine (npm start -- --workers 2, embedded database)', () => {
  it('share revocation and rate limits like one process', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'brandwave-workers-'))
    const cluster = await startInstance({ BRANDWAVE_DATA_DIR: dataDir, ...ADMIN_ENV }, { args: ['--workers', '2'] })
    expect(cluster.output()).toContain('2 workers')
    // A new connection per request, so the primary spreads them over both workers.
    const fresh = { headers: { connection: 'close' } }
    try {
      const session = await loginAdmin(cluster.url)
      for (let i = 0; i < 10; i++) {
        const pat = (await request(cluster.url, 'POST', '/v1/personal-access-tokens', { token: session.accessToken, body: { currentPassword: session.password, name: `worker ${i}` }, ...fresh })).body.data
        for (let warm = 0; warm < 4; warm++) expect((await request(cluster.url, 'GET', '/v1/me', { token: pat.token, ...fresh })).status).toBe(200)
        await request(cluster.url, 'DELETE', `/v1/personal-access-tokens/${pat.id}`, { token: session.accessToken, ...fresh })
        for (let after = 0; after < 4; after++) expect((await request(cluster.url, 'GET', '/v1/me', { token: pat.token, ...fresh })).status).toBe(401)
      }
      const key = (await request(cluster.url, 'POST', '/v1/api-keys', { token: session.accessToken, body: { name: 'limited', scopes: ['api_keys:read'], rateLimit: { requestsPerMinute: 12 } }, ...fresh })).body.data
      const statuses: number[] = []
      for (let i = 0; i < 20; i++) statuses.push((await request(cluster.url, 'GET', '/v1/me', { token: key.token, ...fresh })).status)
      expect(statuses.filter((status) => status === 200)).toHaveLength(12)
      expect(await cluster.stop()).toBe(0)
    } finally {
      await cluster.stop()
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})
