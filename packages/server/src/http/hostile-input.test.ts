import { ERROR_CODES } from '@brandwave/core'
import { operations, type Operation, type OperationName } from '@brandwave/contract'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPat, loginAdmin, type TestUser } from '@brandwave/testing/actors'
import { storageKinds } from '@brandwave/testing/databases'
import { request } from '@brandwave/testing/http'
import { startTestServer, type TestServer } from '@brandwave/testing/server'

/*
 * Throws generated hostile input at every operation of the contract and asserts the
 * properties of SPEC §3: never a 5xx, always the error shape, and nothing already stored
 * broken (a known-good token still works afterwards).
 *
 * `npm test` runs it with a fixed seed; `npm run fuzz` runs longer with a random one
 * (FUZZ_RUNS runs per operation, FUZZ_SEED to reproduce a failure).
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 40)
const SEED = Number(process.env.FUZZ_SEED ?? 20261123)

const printable = fc.stringMatching(/^[\x20-\x7E]{0,120}$/)
const hostileString = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.constantFrom(
    "' OR '1'='1' --",
    '%',
    '_',
    '\\',
    '%%__\\\\',
    '\u0000',
    'a\u0000b',
    '\ud800',
    '\udfff\ud800',
    '\u202e\u0007\u001b[31m',
    '../../../../etc/passwd',
    '<script>alert(1)</script>',
    '${jndi:ldap://x/a}',
    'bw_live_',
    '__proto__',
    'constructor',
    '🔑'.repeat(50),
    'x'.repeat(5000),
    '2026-13-45T99:99:99Z',
    // Well-formed RFC 3339 that a JavaScript Date cannot hold, or only barely.
    '2026-06-30T23:59:60Z',
    '2016-12-31T18:59:60.999-05:00',
    '0000-01-01T00:00:00Z',
    '9999-12-31T23:59:59.999999999+14:00',
    '1e309',
    // Shapes that once made unanchored token patterns quadratic (a JWT-like `eyJ` run, a token prefix run).
    'eyJ'.repeat(1500),
    `${'eyJ'.repeat(400)}.${'eyJ'.repeat(400)}.`,
    'bw_live_'.repeat(500),
    'name\u202Etxt.exe',
  ),
)
const hostileKey = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', '', ' '), fc.string({ maxLength: 12 }))

/** Percent-encodes every byte, so any string (lone surrogates included) makes a URL. */
function encodeAll(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0').toUpperCase()}`).join('')
}
/** Raw escapes that are not UTF-8 at all, or not escapes. */
const brokenEscape = fc.constantFrom('%ED%A0%80', '%FF%FE', '%C0%AF', '%', '%zz', '%00')

/** JSON nested deeper than any schema expects. */
const deeplyNested = fc.integer({ min: 50, max: 5000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth))

/** A value of some JSON type, hostile where it is a string. */
const hostileValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    hostileString,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(hostileKey, tie('value'), { maxKeys: 5 }),
  ),
})).value

/**
 * A valid body per operation, so that mutating one field at a time reaches the handlers
 * (and the database) rather than stopping at validation.
 */
const EXAMPLES: Partial<Record<OperationName, Record<string, unknown>>> = {
  login: { email: 'admin@example.com', password: 'not the password' },
  refreshSession: { refreshToken: 'bw_rt_000000000000000000000000000000000000' },
  signup: { email: 'fuzzed@example.com', password: 'a long enough passphrase', name: 'Fuzzed', organizationName: 'Fuzz Inc' },
  changePassword: { currentPassword: 'not it', newPassword: 'a brand new passphrase' },
  enableTwoFactor: { code: '123456' },
  disableTwoFactor: { code: '123456' },
  createPersonalAccessToken: { name: 'fuzzed', environment: 'test' },
  updatePersonalAccessToken: { name: 'fuzzed' },
  rotatePersonalAccessToken: { gracePeriodSeconds: 0 },
  createApiKey: { name: 'fuzzed', scopes: ['contacts:read'] },
  updateApiKey: { name: 'fuzzed' },
  rotateApiKey: { gracePeriodSeconds: 0 },
  createInvitation: { email: 'nobody@example.com', role: 'member' },
  acceptInvitation: { token: 'not-a-real-invitation-token' },
  requestPasswordReset: { email: 'nobody@example.com' },
  confirmPasswordReset: { token: 'not-a-real-reset-token', newPassword: 'a brand new passphrase' },
  changeMemberRole: { role: 'member' },
  verifyKey: { key: 'bw_live_000000000000000000000000000000000000', requiredScopes: ['contacts:read'] },
  createAccountToken: { name: 'fuzzed' },
}

/** Operations a valid example must get through (a 2xx at least once), proving the fuzzer reaches them. */
const MUST_SUCCEED = new Set<string>([
  'createPersonalAccessToken', 'listPersonalAccessTokens', 'createApiKey', 'listApiKeys', 'verifyKey', 'createAccountToken',
  'listAccountTokens', 'getMe', 'listScopes', 'listMembers', 'listAuditEvents', 'signup', 'createInvitation', 'listInvitations', 'requestPasswordReset',
])

function bodyFor(operation: Operation): fc.Arbitrary<string | undefined> {
  const example = EXAMPLES[operation.operationId as OperationName]
  const body: unknown = operation.body
  const properties = typeof body === 'object' && body !== null && 'properties' in body ? body.properties : undefined
  const fields = Object.keys(typeof properties === 'object' && properties !== null ? properties : {})
  const shaped = fields.length === 0 ? fc.constant({}) : fc.record(Object.fromEntries(fields.map((field) => [field, hostileValue])), { requiredKeys: [] })
  // A valid example with one field replaced by a hostile string (still a string: past the type check).
  const mutated =
    example === undefined
      ? fc.constant(JSON.stringify({}))
      : fc.tuple(fc.constantFrom(...Object.keys(example)), hostileString, fc.boolean()).map(([field, value, keep]) => JSON.stringify(keep ? example : { ...example, [field]: value }))
  return fc.oneof(
    { weight: 4, arbitrary: mutated },
    shaped.map((body) => JSON.stringify(body)),
    fc.tuple(shaped, fc.constantFrom('__proto__', 'constructor')).map(([body, key]) => JSON.stringify(body).replace(/^\{/, `{"${key}":{"prototype":{"polluted":true}},`).replace(/,}$/, '}')),
    hostileValue.map((value) => JSON.stringify(value) ?? 'null'),
    deeplyNested,
    fc.string({ maxLength: 80 }),
    fc.constant('x'.repeat(70 * 1024)),
    fc.constant(undefined),
  )
}

function pathFor(operation: Operation, realIds: readonly string[]): fc.Arbitrary<string> {
  const parameters = operation.path.match(/:\w+/g) ?? []
  const value = fc.oneof(
    fc.constantFrom(...realIds),
    fc.uuid(),
    hostileString.map(encodeAll),
    brokenEscape,
    fc.integer().map(String),
    fc.constant('..'),
  )
  return fc.tuple(...parameters.map(() => value)).map((values) => {
    let path = operation.path
    values.forEach((v, i) => (path = path.replace(parameters[i]!, v)))
    return path
  })
}

const query = fc.option(
  fc.array(fc.tuple(fc.oneof(fc.constantFrom('limit', 'cursor', 'status', 'environment', 'search', 'role', 'action', 'since', 'until', 'actorId', 'targetId'), printable), hostileString), { maxLength: 4 }).map(
    (pairs) => `?${pairs.map(([k, v]) => `${encodeAll(k)}=${encodeAll(v)}`).join('&')}`,
  ),
  { nil: '' },
)

describe.each(storageKinds)('hostile input on every route (%s)', (kind) => {
  let server: TestServer
  let admin: TestUser
  let knownGood: string
  /** The fuzzer's own credential: an unscoped PAT of the admin, so requests get past authentication. */
  let fuzzer: string
  let realIds: string[]

  beforeAll(async () => {
    server = await startTestServer(kind, {
      env: { BRANDWAVE_DEFAULT_RATE_LIMIT: '1000000', BRANDWAVE_RESOURCES: 'contacts', BRANDWAVE_LOGIN_FAILURES_PER_ACCOUNT: '1000', BRANDWAVE_LOGIN_FAILURES_PER_IP: '100000' },
    })
    admin = await loginAdmin(server)
    knownGood = (await createPat(server, admin, { name: 'known good' })).token
    fuzzer = (await createPat(server, admin, { name: 'fuzzer' })).token
    const victim = await createPat(server, admin, { name: 'fuzz target' })
    realIds = [victim.id, admin.userId, admin.organizationId, '1']
  })
  afterAll(() => server?.close())

  const entries = Object.entries(operations) as Array<[string, Operation]>

  it.each(entries)('%s', async (_name, operation) => {
    // Session-only operations (logout, password change) get a session of their own, which
    // the run may well end; every other operation is driven with the fuzzer's PAT.
    const bearer = operation.authentication === 'session' ? (await loginAdmin(server)).accessToken : fuzzer
    const authorization = fc.oneof(
      { weight: 6, arbitrary: fc.constant(`Bearer ${bearer}`) },
      { weight: 1, arbitrary: printable },
      { weight: 1, arbitrary: printable.map((text) => `Bearer ${text}`) },
      { weight: 1, arbitrary: fc.nat({ max: 40 }).map((i) => `Bearer ${knownGood.slice(0, i)}x${knownGood.slice(i + 1)}`) },
    )
    // Mostly well-formed requests with one hostile part, so the handlers are reached too.
    const sometimes = (weight: number, arbitrary: fc.Arbitrary<string>) => fc.oneof({ weight, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary })
    const headers = fc
      .tuple(
        authorization,
        fc.oneof({ weight: 5, arbitrary: fc.constant('application/json') }, { weight: 1, arbitrary: printable }),
        sometimes(3, printable),
        sometimes(8, printable),
      )
      .map(([auth, contentType, idempotencyKey, apiKey]) => ({
        authorization: auth,
        'content-type': contentType,
        ...(idempotencyKey !== undefined && { 'idempotency-key': idempotencyKey }),
        ...(apiKey !== undefined && { 'x-api-key': apiKey }),
      }))
    const method = fc.oneof({ weight: 5, arbitrary: fc.constant(operation.method) }, { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE', 'PUT', 'OPTIONS') })
    const statuses: number[] = []

    await fc.assert(
      fc.asyncProperty(method, pathFor(operation, realIds), query, headers, bodyFor(operation), async (verb, path, search, sentHeaders, body) => {
        const sendsBody = body !== undefined && verb !== 'GET'
        const response = await request(server.url, verb, `${path}${search}`, {
          headers: Object.fromEntries(Object.entries(sentHeaders).filter(([name]) => sendsBody || name !== 'content-type')),
          ...(sendsBody && { body }),
        })
        statuses.push(response.status)
        expect(response.status, `${verb} ${path}${search} → ${response.text.slice(0, 300)}`).toBeLessThan(500)
        if (response.status >= 400) {
          expect(response.body?.error, response.text.slice(0, 300)).toEqual({ code: expect.any(String), message: expect.any(String), details: expect.any(Array) })
          expect(ERROR_CODES).toContain(response.body.error.code)
          expect(response.body.meta.request_id).toMatch(/^req_/)
        }
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    )
    expect((await server.request('GET', '/v1/me', { token: knownGood })).status).toBe(200)
    if (MUST_SUCCEED.has(operation.operationId)) expect(statuses.some((status) => status < 300), `no request reached ${operation.operationId}`).toBe(true)
  })

  it('unknown paths and methods', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'), fc.array(hostileString, { minLength: 1, maxLength: 4 }), async (verb, segments) => {
        const response = await request(server.url, verb, `/${segments.map(encodeAll).join('/')}`, { token: fuzzer })
        expect(response.status).toBeLessThan(500)
      }),
      { numRuns: RUNS, seed: SEED },
    )
  })
})
