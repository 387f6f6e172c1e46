import { generate } from 'otplib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signUp, type TestUser } from '@brandwave/testing/actors'
import { ManualClock } from '@brandwave/testing/clock'
import { clockedCounters } from '@brandwave/testing/counters'
import { testDatabaseKinds } from '@brandwave/testing/databases'
import { startTestServer, type TestServer } from '@brandwave/testing/server'

describe.each(testDatabaseKinds)('sign-in throttling (%s)', (kind) => {
  let server: TestServer

  beforeAll(async () => {
    // Every test signs in from 127.0.0.1: the per-address allowance is tested on its own server.
    server = await startTestServer(kind, { env: { BRANDWAVE_LOGIN_FAILURES_PER_ACCOUNT: '5', BRANDWAVE_LOGIN_FAILURES_PER_IP: '1000' } })
  })
  afterAll(() => server?.close())

  // Sign-in events are kept in the organization the attempt chose (and no other): name it to see them.
  const attempt = (email: string, password: string, organizationId?: string) =>
    server.request('POST', '/v1/auth/login', { body: { email, password, ...(organizationId !== undefined && { organizationId }) } })

  it('five plain 401s, then 429 with Retry-After — even for the right password — and it is audited', async () => {
    const user = await signUp(server, 'Guessed')
    for (let i = 0; i < 5; i++) expect((await attempt(user.email, `wrong ${i}`, user.organizationId)).status).toBe(401)
    const throttled = await attempt(user.email, user.password, user.organizationId)
    expect(throttled.status).toBe(429)
    expect(throttled.body.error.code).toBe('rate_limited')
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(Number(throttled.headers.get('retry-after'))).toBeLessThanOrEqual(900)

    const audit = await server.request('GET', '/v1/audit-logs?action=auth.login_throttled', { token: user.accessToken })
    expect(audit.body.totalCount).toBeGreaterThanOrEqual(1)
    expect(audit.text).not.toContain(user.password)
  })

  // The window runs on the test clock here; with Redis the counters live in Redis, whose own
  // expiry is what lifts the lockout, so that deployment waits for it (one short window).
  it.runIf(kind !== 'postgres+redis')('the lockout lifts by itself when its window ends', async () => {
    const clock = new ManualClock()
    const brief = await startTestServer(kind, { clock, counters: clockedCounters(clock), env: { BRANDWAVE_LOGIN_FAILURES_PER_ACCOUNT: '2', BRANDWAVE_LOGIN_THROTTLE_SECONDS: '600' } })
    try {
      const user = await signUp(brief, 'Patient')
      const login = (password: string) => brief.request('POST', '/v1/auth/login', { body: { email: user.email, password } })
      for (let i = 0; i < 2; i++) expect((await login(`wrong ${i}`)).status).toBe(401)
      const throttled = await login(user.password)
      expect(throttled.status).toBe(429)
      expect(Number(throttled.headers.get('retry-after'))).toBe(600)

      clock.advance(599_000)
      const almost = await login(user.password)
      expect(almost.status).toBe(429)
      expect(Number(almost.headers.get('retry-after'))).toBe(1)
      clock.advance(1_000)
      expect((await login(user.password)).status).toBe(200)
    } finally {
      await brief.close()
    }
  })

  it.runIf(kind === 'postgres+redis')('the lockout lifts by itself when its window ends (Redis expires the window)', async () => {
    const brief = await startTestServer(kind, { env: { BRANDWAVE_LOGIN_FAILURES_PER_ACCOUNT: '2', BRANDWAVE_LOGIN_THROTTLE_SECONDS: '2' } })
    try {
      const user = await signUp(brief, 'Patient')
      const login = (password: string) => brief.request('POST', '/v1/auth/login', { body: { email: user.email, password } })
      for (let i = 0; i < 2; i++) expect((await login(`wrong ${i}`)).status).toBe(401)
      const throttled = await login(user.password)
      expect(throttled.status).toBe(429)
      const retryAfter = Number(throttled.headers.get('retry-after'))
      expect(retryAfter).toBeGreaterThanOrEqual(1)
      expect(retryAfter).toBeLessThanOrEqual(2)
      await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000 + 100))
      expect((await login(user.password)).status).toBe(200)
    } finally {
      await brief.close()
    }
  })

  it('concurrent guesses cannot slip past the allowance: each is counted before it is checked', async () => {
    const user = await signUp(server, 'Raced')
    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => attempt(user.email, `parallel guess ${i}`, user.organizationId)))
    const statuses = responses.map((r) => r.status)
    expect(statuses.filter((status) => status === 401).length).toBeLessThanOrEqual(5)
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThanOrEqual(15)
    // One lockout, one audit event, however many refusals.
    const audit = await server.request('GET', `/v1/audit-logs?action=auth.login_throttled&targetId=${user.userId}`, { token: user.accessToken })
    expect(audit.body.totalCount).toBe(1)
  })

  it('a missing second factor is not a failure; a wrong one is, on sign-in and when turning 2FA off', async () => {
    const user = await signUp(server, 'SecondFactor')
    const setup = await server.request('POST', '/v1/auth/2fa/setup', { token: user.accessToken, body: { currentPassword: user.password } })
    const code = await generate({ secret: setup.body.data.secret, epoch: Math.floor(server.clock.now() / 1000) })
    expect((await server.request('POST', '/v1/auth/2fa/enable', { token: user.accessToken, body: { currentPassword: user.password, code } })).status).toBe(200)
    for (let i = 0; i < 8; i++) expect((await attempt(user.email, user.password)).body.error.code).toBe('two_factor_required')

    const withCode = (twoFactorCode: string) => server.request('POST', '/v1/auth/login', { body: { email: user.email, password: user.password, twoFactorCode } })
    for (let i = 0; i < 5; i++) expect((await withCode(`00000${i}`)).status).toBe(401)
    expect((await withCode('000009')).status).toBe(429)
  })

  it('wrong codes sent to turn 2FA off count toward the same allowance', async () => {
    const user = await signUp(server, 'Disabler')
    const setup = await server.request('POST', '/v1/auth/2fa/setup', { token: user.accessToken, body: { currentPassword: user.password } })
    const code = await generate({ secret: setup.body.data.secret, epoch: Math.floor(server.clock.now() / 1000) })
    await server.request('POST', '/v1/auth/2fa/enable', { token: user.accessToken, body: { currentPassword: user.password, code } })
    const disable = (guess: string) => server.request('POST', '/v1/auth/2fa/disable', { token: user.accessToken, body: { code: guess } })
    for (let i = 0; i < 5; i++) expect((await disable(`11111${i}`)).status).toBe(401)
    expect((await disable('111119')).status).toBe(429)
  })

  it('a successful sign-in resets the account’s count', async () => {
    const user = await signUp(server, 'Forgetful')
    for (let i = 0; i < 4; i++) expect((await attempt(user.email, 'wrong')).status).toBe(401)
    expect((await attempt(user.email, user.password)).status).toBe(200)
    for (let i = 0; i < 4; i++) expect((await attempt(user.email, 'wrong')).status).toBe(401)
    expect((await attempt(user.email, user.password)).status).toBe(200)
  })

  it('unknown emails: the same answer as a wrong password, and throttled alike', async () => {
    const known = await signUp(server, 'Known')
    const unknownAnswer = await attempt('nobody-at-all@example.com', 'whatever it is')
    const knownAnswer = await attempt(known.email, 'whatever it is')
    expect(unknownAnswer.status).toBe(knownAnswer.status)
    expect(unknownAnswer.body.error).toEqual(knownAnswer.body.error)
    for (let i = 0; i < 4; i++) await attempt('nobody-at-all@example.com', 'again')
    expect((await attempt('nobody-at-all@example.com', 'again')).status).toBe(429)
  })

  it('wrong current passwords on the password-change endpoint count too', async () => {
    const user = await signUp(server, 'Hijacked')
    for (let i = 0; i < 5; i++) {
      const response = await server.request('POST', '/v1/auth/password', { token: user.accessToken, body: { currentPassword: `guess ${i}`, newPassword: 'a brand new passphrase' } })
      expect(response.status).toBe(401)
    }
    const throttled = await server.request('POST', '/v1/auth/password', { token: user.accessToken, body: { currentPassword: user.password, newPassword: 'a brand new passphrase' } })
    expect(throttled.status).toBe(429)
  })
})

describe('sign-in throttling per client address', () => {
  it('counts an IPv6 client by its /64, whatever the spelling', async () => {
    const server = await startTestServer('sqlite', { env: { TRUST_PROXY: 'true', BRANDWAVE_LOGIN_FAILURES_PER_ACCOUNT: '100', BRANDWAVE_LOGIN_FAILURES_PER_IP: '4' } })
    try {
      const user = await signUp(server, 'Rotator')
      const spellings = ['2001:db8::1', '2001:DB8::1', '2001:db8:0:0::2', '2001:0db8::0001', '2001:db8::ffff:1', '2001:db8::1%eth0']
      const statuses = []
      for (const address of spellings) {
        statuses.push((await server.request('POST', '/v1/auth/login', { body: { email: user.email, password: 'wrong' }, headers: { 'x-forwarded-for': address } })).status)
      }
      expect(statuses).toEqual([401, 401, 401, 401, 429, 429])
      const elsewhere = await server.request('POST', '/v1/auth/login', { body: { email: user.email, password: user.password }, headers: { 'x-forwarded-for': '2001:db8:0:1::1' } })
      expect(elsewhere.status).toBe(200)
    } finally {
      await server.close()
    }
  })

  it('refuses an address that fails across many accounts', async () => {
    const server = await startTestServer('sqlite', { env: { BRANDWAVE_LOGIN_FAILURES_PER_ACCOUNT: '100', BRANDWAVE_LOGIN_FAILURES_PER_IP: '6' } })
    try {
      const users: TestUser[] = []
      for (let i = 0; i < 3; i++) users.push(await signUp(server, `Sprayed${i}`))
      const statuses: number[] = []
      for (let i = 0; i < 8; i++) {
        const user = users[i % 3]!
        statuses.push((await server.request('POST', '/v1/auth/login', { body: { email: user.email, password: 'Spring2026!' } })).status)
      }
      expect(statuses).toEqual([401, 401, 401, 401, 401, 401, 429, 429])
    } finally {
      await server.close()
    }
  })

  it('unknown and known emails take comparable time (no enumeration by timing)', async () => {
    const server = await startTestServer('sqlite', { env: { BRANDWAVE_LOGIN_FAILURES_PER_ACCOUNT: '1000', BRANDWAVE_LOGIN_FAILURES_PER_IP: '1000' } })
    try {
      const known = await signUp(server, 'Timed')
      const time = async (email: string) => {
        const started = performance.now()
        await server.request('POST', '/v1/auth/login', { body: { email, password: 'not the password' } })
        return performance.now() - started
      }
      const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!
      const knownTimes: number[] = []
      const unknownTimes: number[] = []
      for (let i = 0; i < 9; i++) {
        knownTimes.push(await time(known.email))
        unknownTimes.push(await time(`ghost-${i}@example.com`))
      }
      // Both pay for one argon2id verification; without the decoy the unknown one would cost
      // about 1 % of the known one, so this bound has ample room for a loaded machine.
      expect(median(unknownTimes)).toBeGreaterThan(median(knownTimes) * 0.3)
    } finally {
      await server.close()
    }
  })
})
