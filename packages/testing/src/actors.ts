import { randomBytes } from 'node:crypto'
import { expect } from 'vitest'
import { baseUrlOf, request, type ServerTarget } from './http.js'
import { ADMIN_EMAIL, ADMIN_PASSWORD, type TestServer } from './server.js'

/** A signed-in user, as the tests drive one. */
export interface TestUser {
  readonly email: string
  readonly password: string
  readonly userId: string
  readonly organizationId: string
  readonly accessToken: string
  readonly refreshToken: string
  /** For users who joined another organization: the one their signup created. */
  readonly homeOrganizationId?: string
}

/** Signs in (into `organizationId`, or the user's default one) and reads who that made them. */
export async function login(target: ServerTarget, email: string, password: string, organizationId?: string): Promise<TestUser> {
  const url = baseUrlOf(target)
  const response = await request(url, 'POST', '/v1/auth/login', { body: { email, password, ...(organizationId !== undefined && { organizationId }) } })
  expect(response.status, response.text).toBe(200)
  const me = await request(url, 'GET', '/v1/me', { token: response.body.data.accessToken })
  expect(me.status, me.text).toBe(200)
  return {
    email,
    password,
    userId: me.body.data.userId,
    organizationId: me.body.data.tenantId,
    accessToken: response.body.data.accessToken,
    refreshToken: response.body.data.refreshToken,
  }
}

/** The administrator the server created on first start (from `ADMIN_ENV`). */
export function loginAdmin(target: ServerTarget): Promise<TestUser> {
  return login(target, ADMIN_EMAIL, ADMIN_PASSWORD)
}

/** A new user in a new organization of their own (signup is open on test servers). */
export async function signUp(server: TestServer, name = 'Grace'): Promise<TestUser> {
  const email = `${name.toLowerCase()}-${randomBytes(4).toString('hex')}@example.com`
  const password = `pw-${randomBytes(12).toString('base64url')}`
  const response = await server.request('POST', '/v1/auth/signup', { body: { email, password, name, organizationName: `${name}'s company` } })
  expect(response.status, response.text).toBe(201)
  return login(server, email, password)
}

/**
 * Creates a PAT through the API and returns the response's data (with `token`). Given a
 * signed-in user, it confirms with their password, which a token with admin scopes needs.
 */
export async function createPat(server: TestServer, creator: string | TestUser, body: Record<string, unknown> = {}): Promise<any> {
  const [bearer, proof] = typeof creator === 'string' ? [creator, {}] : [creator.accessToken, { currentPassword: creator.password }]
  const response = await server.request('POST', '/v1/personal-access-tokens', { token: bearer, body: { name: 'test token', ...proof, ...body } })
  expect(response.status, response.text).toBe(201)
  return response.body.data
}

/** The single-use token of an invitation link (`…/invitations/accept#token=…`). */
export function invitationTokenOf(acceptUrl: string): string {
  return new URL(acceptUrl).hash.slice('#token='.length)
}

/** A new user, invited into `admin`'s organization with `role`, accepted, and signed in there. */
export async function joinOrganization(server: TestServer, admin: TestUser, role: 'company_admin' | 'member', name = 'Member'): Promise<TestUser> {
  const outsider = await signUp(server, name)
  const invited = await server.request('POST', '/v1/invitations', { token: admin.accessToken, body: { email: outsider.email, role } })
  expect(invited.status, invited.text).toBe(201)
  const accepted = await server.request('POST', '/v1/invitations/accept', { token: outsider.accessToken, body: { token: invitationTokenOf(invited.body.data.acceptUrl) } })
  expect(accepted.status, accepted.text).toBe(200)
  const response = await server.request('POST', '/v1/auth/login', { body: { email: outsider.email, password: outsider.password, organizationId: admin.organizationId } })
  expect(response.status, response.text).toBe(200)
  return { ...outsider, homeOrganizationId: outsider.organizationId, organizationId: admin.organizationId, accessToken: response.body.data.accessToken, refreshToken: response.body.data.refreshToken }
}

/** Creates an organization API key through the API and returns the response's data (with `token`). */
export async function createApiKey(server: TestServer, bearer: string, body: Record<string, unknown> = {}): Promise<any> {
  const response = await server.request('POST', '/v1/api-keys', { token: bearer, body: { name: 'test key', scopes: ['api_keys:read'], ...body } })
  expect(response.status, response.text).toBe(201)
  return response.body.data
}

/** The token with its last character changed: same shape, checksum broken. */
export function withBrokenChecksum(token: string): string {
  return `${token.slice(0, -1)}${token.endsWith('a') ? 'b' : 'a'}`
}
