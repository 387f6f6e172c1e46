import { parseToken } from '@brandwave/core'
import * as client from 'openid-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loginAdmin, type TestUser } from '../testing/actors.js'
import { testDatabaseKinds } from '../testing/databases.js'
import { authorizeAndExchange, registerClient, startOAuthServer } from '../testing/oauth.js'
import type { TestServer } from '../testing/server.js'

describe.each(testDatabaseKinds)('OAuth 2.1 with openid-client as the app (%s)', (kind) => {
  let server: TestServer
  let admin: TestUser

  beforeAll(async () => {
    server = await startOAuthServer(kind)
    admin = await loginAdmin(server)
  })
  afterAll(() => server.close())

  it('discovers, registers, authorizes with PKCE and calls /v1 with a bw_at_ token', async () => {
    const config = await registerClient(server)
    expect(config.serverMetadata().issuer).toBe(server.url)
    const { tokens } = await authorizeAndExchange(server, config, admin, 'api_keys:read email')
    expect(parseToken(tokens.access_token, 'bw', ['at']).ok).toBe(true)
    expect(parseToken(tokens.refresh_token ?? '', 'bw', ['rt']).ok).toBe(true)
    expect(tokens.expires_in).toBe(3600)
    const me = await server.request('GET', '/v1/me', { token: tokens.access_token })
    expect(me.status, me.text).toBe(200)
    expect(me.body.data).toEqual({ type: 'oauth', clientId: config.clientMetadata().client_id, userId: admin.userId, scopes: ['api_keys:read'] })
  })
})
